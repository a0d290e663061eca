"""Plotly figures shared by the pages and the HTML export, one module per area."""
