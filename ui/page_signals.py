"""The page's own signal that a Streamlit run is over, as JavaScript for a browser driver.

Browser tests (`tests/conftest.py` settle) and the load benchmark (`bench/load_test.py`) wait on
the same test: the app's script state is "notRunning", its connection is up, and no spinner or
status widget shows. Defined once here so both judge "settled" alike.
"""

from __future__ import annotations

_IDLE = """const app = document.querySelector('[data-testid="stApp"]');
  const idle = !!app && app.dataset.testScriptState === 'notRunning'
    && app.dataset.testConnectionState === 'CONNECTED'
    && !document.querySelector('[data-testid="stSpinner"], [data-testid="stStatusWidget"]');"""

# () => bool: whether the page is idle right now.
IDLE_JS = f"""() => {{
  {_IDLE}
  return idle;
}}"""

# (quietMs) => bool: whether the page has been idle for quietMs in a row (polled in the page; reset
# window.__fairsynthQuiet to null before the first poll).
QUIET_JS = f"""(quietMs) => {{
  {_IDLE}
  if (!idle) {{ window.__fairsynthQuiet = null; return false; }}
  if (window.__fairsynthQuiet == null) window.__fairsynthQuiet = performance.now();
  return performance.now() - window.__fairsynthQuiet >= quietMs;
}}"""
