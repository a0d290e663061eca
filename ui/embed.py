"""Embedding a third-party HTML report (evidently's) in a Streamlit frame without clipping it."""

from __future__ import annotations

# evidently's report lays its cards and tables out for about this width; narrower, its inner
# grids overflow their cards, which hide the overflow: the right-hand columns were cut off.
DESIGN_WIDTH = 1200
_FIT = """<script>
(function () {
  function fit() {
    var root = document.documentElement, width = root.clientWidth;
    root.style.zoom = width && width < %(w)d ? String(width / %(w)d) : "";
  }
  fit();
  window.addEventListener("resize", fit);
})();
</script>"""


def fit_to_frame(html: str, *, design_width: int = DESIGN_WIDTH) -> str:
    """The report scaled down to the frame's width when the frame is narrower than its design."""
    script = _FIT % {"w": int(design_width)}
    head = html.lower().find("<head>")
    if head < 0:
        return script + html
    at = head + len("<head>")
    return html[:at] + script + html[at:]
