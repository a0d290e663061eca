"""Every download button hands Streamlit bytes, never a callable (issue 19).

Streamlit stores the file a deferred (callable) download builds without tying it to a session, and
any session's rerun that ends before the browser fetches it deletes the file: under load the
browser's download was canceled. Read from the source, since a page's buttons exist only in a run.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _data_arguments(path: Path) -> list[tuple[int, ast.expr]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "download_button":
            data = next((k.value for k in node.keywords if k.arg == "data"), None)
            if data is None and len(node.args) > 1:
                data = node.args[1]
            found.append((node.lineno, data))
    return found


def test_download_buttons_are_given_bytes_not_callables():
    sources = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
    calls = [(path, line, data) for path in sources for line, data in _data_arguments(path)]
    assert len(calls) >= 2  # the report's formats (one call in a loop) and the notes
    deferred = [f"{path.relative_to(ROOT)}:{line}" for path, line, data in calls
                if data is None or isinstance(data, ast.Lambda)
                or (isinstance(data, ast.Call) and getattr(data.func, "id", getattr(data.func, "attr", "")) == "partial")]
    assert deferred == []
