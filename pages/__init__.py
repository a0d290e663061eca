"""Streamlit pages (UI only: read state, call the packages, draw)."""
