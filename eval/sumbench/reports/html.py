"""A self-contained HTML report: no CDN, no network, safe with hostile text.

All model output, article and reference text goes through Jinja2's autoescaping; the
page also carries a Content-Security-Policy that allows only its own inline script
(by hash), so even markup that slipped through could not run or load anything.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sumbench.records import RunResult
from sumbench.reports.columns import other_columns, prf_columns

if TYPE_CHECKING:
    from sumbench.compare import Comparison
    from sumbench.gates import GateResult

_WORD = re.compile(r"\w+", re.UNICODE)

PAGE_SIZE = 100

# One script for every page, allowed by its hash in the CSP. Small tables sort in place;
# the documents table is drawn from the JSON block (data-embedded once), one page at a
# time, so a suite of 10,000+ documents opens fast. State lives in the URL hash
# (#page=3&sort=rouge1&dir=asc&q=cnn), so a view can be linked. Text goes in through
# textContent only: nothing from the data is ever parsed as markup.
SCRIPT = """
(function () {
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
  var holder = document.getElementById('documents-data');
  if (holder) { documentsTable(JSON.parse(holder.textContent)); }
  document.documentElement.dataset.ready = '1';

  function documentsTable(data) {
    var table = document.getElementById('documents'), body = table.tBodies[0];
    var info = document.getElementById('pager-info'), filter = document.getElementById('filter');
    var WORD = /[\\p{L}\\p{N}_]+/gu;
    function words(t) {
      return (t.match(WORD) || []).map(function (w) { return w.toLowerCase(); });
    }
    function state() {
      var s = {page: 1, sort: '', dir: 'desc', q: ''};
      location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
        var i = kv.indexOf('=');
        if (i > 0) { s[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1)); }
      });
      s.page = Math.max(1, parseInt(s.page, 10) || 1);
      return s;
    }
    function go(change) {
      var s = state(), k;
      for (k in change) { s[k] = change[k]; }
      var parts = [];
      ['page', 'sort', 'dir', 'q'].forEach(function (k) {
        if (s[k] !== '' && !(k === 'page' && s[k] === 1)) {
          parts.push(k + '=' + encodeURIComponent(s[k]));
        }
      });
      location.hash = parts.join('&');
      if (!parts.length) { render(); }
    }
    function key(row, sort) {
      if (sort === 'id') { return row.id; }
      if (sort === 'truncated') { return row.truncated ? 1 : 0; }
      if (sort === 'flags') { return row.flags.length; }
      return row.f1[sort];
    }
    function mark(text, others, parent) {
      var uni = new Set(), bi = new Set();
      others.forEach(function (o) {
        var ws = words(o);
        ws.forEach(function (w, i) { uni.add(w); if (i) { bi.add(ws[i - 1] + ' ' + w); } });
      });
      var found = [], m;
      WORD.lastIndex = 0;
      while ((m = WORD.exec(text)) !== null) { found.push(m); }
      var low = found.map(function (f) { return f[0].toLowerCase(); }), inBi = [];
      for (var i = 0; i + 1 < found.length; i++) {
        if (bi.has(low[i] + ' ' + low[i + 1])) { inBi[i] = inBi[i + 1] = true; }
      }
      var pos = 0;  // plain text runs become one text node; shared words a <mark>
      found.forEach(function (f, i) {
        var cls = inBi[i] ? 'bi' : (uni.has(low[i]) ? 'uni' : '');
        if (!cls) { return; }
        if (f.index > pos) {
          parent.appendChild(document.createTextNode(text.slice(pos, f.index)));
        }
        var node = document.createElement('mark');
        node.className = cls;
        node.textContent = f[0];
        parent.appendChild(node);
        pos = f.index + f[0].length;
      });
      if (pos < text.length) { parent.appendChild(document.createTextNode(text.slice(pos))); }
    }
    function cell(tr, cls, text) {
      var td = document.createElement('td');
      if (cls) { td.className = cls; }
      if (text !== undefined) { td.textContent = text; }
      tr.appendChild(td);
      return td;
    }
    function render() {
      var s = state(), q = s.q.toLowerCase();
      filter.value = s.q;
      var rows = data.rows.filter(function (r) {
        return !q || r.id.toLowerCase().indexOf(q) >= 0 ||
          r.prediction.toLowerCase().indexOf(q) >= 0;
      });
      if (s.sort) {
        var sign = s.dir === 'asc' ? 1 : -1;
        rows = rows.slice().sort(function (a, b) {
          var x = key(a, s.sort), y = key(b, s.sort);
          var r = typeof x === 'string' ? x.localeCompare(y) : x - y;
          return r ? sign * r : a.n - b.n;
        });
      }
      var pages = Math.max(1, Math.ceil(rows.length / data.page_size));
      var page = Math.min(s.page, pages), start = (page - 1) * data.page_size;
      body.textContent = '';
      rows.slice(start, start + data.page_size).forEach(function (r) {
        var tr = document.createElement('tr');
        cell(tr, '', r.id);
        data.types.forEach(function (t) { cell(tr, 'num', r.f1[t].toFixed(4)); });
        cell(tr, '', r.truncated ? 'yes' : '');
        cell(tr, 'flags', r.flags.join(', ') + (r.unsupported.length ?
          ' (' + r.unsupported.join('; ') + ')' : ''));
        mark(r.prediction, r.references, cell(tr, 'text prediction'));
        var refs = cell(tr, 'text');
        r.references.forEach(function (ref) {
          var div = document.createElement('div');
          div.className = 'ref';
          mark(ref, [r.prediction], div);
          refs.appendChild(div);
        });
        body.appendChild(tr);
      });
      info.textContent = rows.length ? 'documents ' + (start + 1) + '-' +
        Math.min(start + data.page_size, rows.length) + ' of ' + rows.length +
        (rows.length < data.rows.length ? ' (filtered from ' + data.rows.length + ')' : '') +
        ', page ' + page + ' of ' + pages : 'no document matches';
      table.dataset.page = String(page);
      table.dataset.pages = String(pages);
      table.querySelectorAll('th[data-sort]').forEach(function (th) {
        th.dataset.dir = th.dataset.sort === s.sort ? s.dir : '';
      });
    }
    table.querySelectorAll('th[data-sort]').forEach(function (th) {
      th.addEventListener('click', function () {
        var s = state(), same = s.sort === th.dataset.sort;
        go({sort: th.dataset.sort, dir: same && s.dir === 'desc' ? 'asc' : 'desc', page: 1});
      });
    });
    document.getElementById('prev').addEventListener('click', function () {
      go({page: Math.max(1, state().page - 1)});
    });
    document.getElementById('next').addEventListener('click', function () {
      go({page: Math.min(Number(table.dataset.pages), state().page + 1)});
    });
    filter.addEventListener('change', function () { go({q: filter.value, page: 1}); });
    window.addEventListener('hashchange', render);
    render();
  }
})();
"""


def _env() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("sumbench", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True)


def embed_json(data: Any) -> str:
    """JSON that is safe inside a <script type="application/json"> block: no character
    of it can close the element or start markup (``<``, ``>``, ``&`` are escaped)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
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


def histogram_bars(values: Sequence[float], bins: int = 20, width: int = 320,
                  height: int = 120, low: float = 0.0, high: float = 1.0) -> dict[str, Any]:
    """Bars for a histogram of values in [low, high] (scores: [0, 1]), as numbers the
    template draws as SVG."""
    counts = [0] * bins
    span = (high - low) or 1.0
    for v in values:
        counts[max(0, min(int((v - low) / span * bins), bins - 1))] += 1
    top = max(counts) or 1
    bar_w = width / bins
    bars = [{"x": round(i * bar_w, 2), "w": round(bar_w - 1, 2),
             "h": round((c / top) * (height - 20), 2), "y": round(height - 20 - (c / top)
                                                                   * (height - 20), 2),
             "count": c, "label": f"{low + i * span / bins:.2f}–{low + (i + 1) * span / bins:.2f}"}
            for i, c in enumerate(counts)]
    return {"bars": bars, "width": width, "height": height, "low": f"{low:g}",
            "mid": f"{low + span / 2:g}", "high": f"{high:g}"}


def diagnostic_plots(result: RunResult) -> dict[str, dict[str, Any]]:
    """A histogram per diagnostic, over the documents where it is defined."""
    plots = {}
    for name in result.diagnostics:
        values = [d.diagnostics[name] for d in result.documents
                  if d.diagnostics and d.diagnostics.get(name) is not None]
        top = max(values, default=1.0)
        plots[name] = histogram_bars(values, low=0.0, high=1.0 if top <= 1 else float(top))
    return plots


def run_html(result: RunResult, gates: list[GateResult]) -> str:
    types = prf_columns(result)
    rows = [{"n": n, "id": d.id, "f1": {t: d.scores[t].fmeasure for t in types},
             "truncated": d.generation.truncated, "prediction": d.generation.prediction,
             "references": list(d.references),
             "flags": list((d.diagnostics or {}).get("flags", [])),
             "unsupported": [*(d.diagnostics or {}).get("unsupported_numbers", []),
                             *(d.diagnostics or {}).get("unsupported_names", [])]}
            for n, d in enumerate(result.documents)]
    data = embed_json({"types": types, "page_size": PAGE_SIZE, "rows": rows})
    plots = {t: histogram_bars([d.scores[t].fmeasure for d in result.documents]) for t in types}
    return _env().get_template("report.html.j2").render(
        result=result, types=types, others=other_columns(result), data=data, plots=plots,
        gates=gates,
        diagnostic_plots=diagnostic_plots(result),
        script=SCRIPT, csp=_csp(), title="sumbench report")


def comparison_html(comparison: Comparison) -> str:
    drops = [{"id": d.id, "delta": d.delta,
              "base": highlight(d.base_prediction, d.references),
              "new": highlight(d.new_prediction, d.references)}
             for d in comparison.largest_drops]
    return _env().get_template("compare.html.j2").render(
        c=comparison, drops=drops, script=SCRIPT, csp=_csp(),
        title="sumbench comparison")
