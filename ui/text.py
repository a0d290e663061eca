"""User text shown through st.markdown, escaped."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$])")


def md(text: object) -> str:
    """User text for st.markdown: every Markdown character escaped, so a note or a name is shown
    as typed and can never become a link, an image or a badge (Streamlit already escapes HTML)."""
    return _MARKDOWN.sub(r"\\\1", str(text)).replace("\n", " ")
