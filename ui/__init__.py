"""Streamlit helpers: session state, cached engine calls, shared widgets."""
