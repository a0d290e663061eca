"""Start Streamlit with st.navigation as the only router (`python -m ui.launch run app.py ...`).

Streamlit treats a folder named pages/ next to the main script as a legacy multipage app
until the first st.navigation call in the process; a deep link such as /fairness opened
first on a fresh server would then run the page without app.py (no default pair, raw file
names in the sidebar). Declaring up front that navigation is used avoids that.
"""

from __future__ import annotations

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli


def main() -> None:
    """Run the Streamlit CLI with the legacy pages/ folder handling switched off."""
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
