"""A self-contained HTML report: no CDN, no network, safe with hostile text.

All model output, article and reference text goes through Jinja2's autoescaping; the
page also carries a Content-Security-Policy that allows only its own inline script
(by hash), so even markup that slipped through could not run or load anything.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eval.records import RunResult

if TYPE_CHECKING:
    from eval.compare import Comparison
    from eval.gates import GateResult

_WORD = re.compile(r"\w+", re.UNICODE)

SORT_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.v || a.cells[col].textContent;
      var y = b.cells[col].dataset.v || b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var r = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
document.documentElement.dataset.ready = "1";
"""


def _env() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("eval", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True)


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode()).digest()).decode()
    return (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            f"script-src 'sha256-{digest}'")


def highlight(text: str, others: Sequence[str]) -> list[tuple[str, str]]:
    """Split ``text`` into (segment, css class): 'bi' for words in a bigram shared with
    any of ``others``, 'uni' for shared single words, '' for the rest."""
    def words(t: str) -> list[str]:
        return [w.lower() for w in _WORD.findall(t)]

    other_words = [words(o) for o in others]
    unigrams = {w for ws in other_words for w in ws}
    bigrams = {pair for ws in other_words for pair in itertools.pairwise(ws)}
    matches = list(_WORD.finditer(text))
    lowered = [m.group().lower() for m in matches]
    in_bigram = [False] * len(matches)
    for i in range(len(matches) - 1):
        if (lowered[i], lowered[i + 1]) in bigrams:
            in_bigram[i] = in_bigram[i + 1] = True
    segments, pos = [], 0
    for i, m in enumerate(matches):
        if m.start() > pos:
            segments.append((text[pos:m.start()], ""))
        cls = "bi" if in_bigram[i] else ("uni" if lowered[i] in unigrams else "")
        segments.append((m.group(), cls))
        pos = m.end()
    if pos < len(text):
        segments.append((text[pos:], ""))
    return segments


def histogram_svg(values: Sequence[float], bins: int = 20, width: int = 320,
                  height: int = 120) -> dict[str, Any]:
    """Bars for a histogram of scores in [0, 1], as numbers the template draws as SVG."""
    counts = [0] * bins
    for v in values:
        counts[min(int(v * bins), bins - 1)] += 1
    top = max(counts) or 1
    bar_w = width / bins
    bars = [{"x": round(i * bar_w, 2), "w": round(bar_w - 1, 2),
             "h": round((c / top) * (height - 20), 2), "y": round(height - 20 - (c / top)
                                                                   * (height - 20), 2),
             "count": c, "label": f"{i / bins:.2f}–{(i + 1) / bins:.2f}"}
            for i, c in enumerate(counts)]
    return {"bars": bars, "width": width, "height": height}


def run_html(result: RunResult, gates: list[GateResult]) -> str:
    types = list(result.scores)
    rows = []
    for d in result.documents:
        refs = list(d.references)
        rows.append({
            "id": d.id, "scores": d.scores, "truncated": d.generation.truncated,
            "prediction": highlight(d.generation.prediction, refs),
            "references": [highlight(r, [d.generation.prediction]) for r in refs],
        })
    plots = {t: histogram_svg([d.scores[t].fmeasure for d in result.documents]) for t in types}
    return _env().get_template("report.html.j2").render(
        result=result, types=types, rows=rows, plots=plots, gates=gates,
        script=SORT_SCRIPT, csp=_csp(), title="sumbench report")


def comparison_html(comparison: Comparison) -> str:
    drops = [{"id": d.id, "delta": d.delta,
              "base": highlight(d.base_prediction, d.references),
              "new": highlight(d.new_prediction, d.references)}
             for d in comparison.largest_drops]
    return _env().get_template("compare.html.j2").render(
        c=comparison, drops=drops, script=SORT_SCRIPT, csp=_csp(),
        title="sumbench comparison")
