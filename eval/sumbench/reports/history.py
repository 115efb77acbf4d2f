"""``sumbench history`` in Markdown and HTML: the runs, their series, the changes, and
in HTML a line chart per metric (inline SVG drawn here, no script, no external asset)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sumbench.reports.columns import shown, shown_delta
from sumbench.reports.markdown import cell

if TYPE_CHECKING:
    from sumbench.history import History, RunPoint

ICONS = {"regression": "🔴", "improvement": "🟢"}
COLOURS = ("#4a7bd0", "#d07a2a", "#3a9a5a", "#9a4ab0", "#b04a4a", "#4a9ab0")


def _date(run: RunPoint) -> str:
    return (run.created_at or "")[:16].replace("T", " ")


def point_label(run: RunPoint) -> str:
    """The run's label, with its commit and date where the run recorded them."""
    parts = [run.label]
    if run.commit:
        parts.append(run.commit[:8])
    if run.created_at:
        parts.append(_date(run))
    return " · ".join(parts)


def markdown(h: History) -> str:
    n_series = max((r.series for r in h.runs), default=0)
    lines = [f"## sumbench history: {len(h.runs)} runs in {n_series} series", "",
             "| # | run | commit | date | series | " + " | ".join(h.metrics) + " |",
             "| ---: | --- | --- | --- | ---: | " + " | ".join("---:" for _ in h.metrics) + " |"]
    for n, run in enumerate(h.runs, 1):
        values = [shown(iv) if iv else "-"
                  for iv in (run.metrics.get(m) for m in h.metrics)]
        lines.append(f"| {n} | {cell(run.label)} | {cell(run.commit[:8]) if run.commit else '-'}"
                     f" | {cell(_date(run)) or '-'} | {run.series} | " + " | ".join(values)
                     + " |")
    lines += ["", "Mean over documents [95% bootstrap interval]. Consecutive runs of a series "
              f"are compared as `sumbench compare` does (paired sign-flip permutation test, "
              f"alpha {h.alpha}; tolerated drop {h.max_drop})."]
    if h.changes:
        labels = {r.path: r.label for r in h.runs}
        lines += ["", f"### Significant changes ({len(h.changes)})", "",
                  "| metric | from | to | delta [95% CI] | p-value | verdict |",
                  "| --- | --- | --- | ---: | ---: | --- |"]
        for c in h.changes:
            d = c.delta
            lines.append(f"| {c.metric} | {cell(labels[c.from_path])} | {cell(labels[c.to_path])}"
                         f" | {shown_delta(d)} | "
                         f"{d.p_value:.4f} | {ICONS.get(c.verdict, '⚪')} {c.verdict} |")
    else:
        lines += ["", "No significant change between consecutive comparable runs."]
    if h.regressed:
        lines += ["", "> 🔴 The latest pair of a series regressed."]
    for note in h.notes:
        lines += ["", f"> ⚠️ {cell(note, 600)}"]
    return "\n".join(lines) + "\n"


def charts(h: History, height: int = 200) -> list[dict[str, Any]]:
    """Per metric, the chart's geometry in pixels: for each series a band (the
    intervals) and a line (the means); a point per run; a marker per change."""
    n = len(h.runs)
    left, right, top, bottom = 60, 190, 14, 150  # labels run down to the right
    width = max(640, left + right + 30 * n)
    step = (width - left - right) / max(n, 1)
    index = {run.path: i for i, run in enumerate(h.runs)}
    out = []
    for metric in h.metrics:
        values = [(i, run.metrics[metric]) for i, run in enumerate(h.runs)
                  if metric in run.metrics]
        if not values:
            continue
        low = min(iv.low for _, iv in values)
        high = max(iv.high for _, iv in values)
        pad = (high - low) * 0.08 or 0.01
        low, high = low - pad, high + pad

        def x(i: int) -> float:
            return round(left + (i + 0.5) * step, 1)

        def y(v: float, low: float = low, high: float = high) -> float:
            return round(top + (high - v) / (high - low) * height, 1)

        series = []
        for s in sorted({h.runs[i].series for i, _ in values}):
            mine = [(i, iv) for i, iv in values if h.runs[i].series == s]
            band = ([f"{x(i)},{y(iv.high)}" for i, iv in mine]
                    + [f"{x(i)},{y(iv.low)}" for i, iv in reversed(mine)])
            series.append({"series": s, "colour": COLOURS[(s - 1) % len(COLOURS)],
                           "line": " ".join(f"{x(i)},{y(iv.mean)}" for i, iv in mine),
                           "band": " ".join(band)})
        points = [{"x": x(i), "y": y(iv.mean), "low": y(iv.low), "high": y(iv.high),
                   "series": h.runs[i].series,
                   "colour": COLOURS[(h.runs[i].series - 1) % len(COLOURS)],
                   "title": f"{point_label(h.runs[i])}: {iv.mean:.4f} "
                            f"[{iv.low:.4f}, {iv.high:.4f}]"} for i, iv in values]
        changes = []
        for c in h.changes:
            if c.metric != metric:
                continue
            i = index[c.to_path]
            iv = h.runs[i].metrics[metric]
            up = c.delta.mean_delta > 0
            cy = y(iv.high) - 8 if up else y(iv.low) + 8
            tip = (-6 if up else 6)
            changes.append({"verdict": c.verdict, "x": x(i), "path":
                            f"M{x(i) - 5},{cy} L{x(i) + 5},{cy} L{x(i)},{round(cy + tip, 1)} Z",
                            "title": f"{c.verdict}: {c.delta.mean_delta:+.4f} "
                                     f"[{c.delta.low:+.4f}, {c.delta.high:+.4f}], p "
                                     f"{c.delta.p_value:.4f}, from "
                                     f"{h.runs[index[c.from_path]].label}"})
        ticks = [{"y": y(low + (high - low) * k / 4), "text": f"{low + (high - low) * k / 4:.3f}"}
                 for k in range(5)]
        labels = [{"x": x(i), "y": top + height + 12, "text": point_label(run)[:44]}
                  for i, run in enumerate(h.runs)]
        out.append({"metric": metric, "width": width, "height": top + height + bottom,
                    "plot": {"left": left, "right": width - right, "top": top,
                             "bottom": top + height},
                    "series": series, "points": points, "changes": changes,
                    "ticks": ticks, "labels": labels})
    return out


def html(h: History) -> str:
    from sumbench.reports.html import SCRIPT, _csp, _env

    labels = {r.path: r.label for r in h.runs}
    return _env().get_template("history.html.j2").render(
        h=h, charts=charts(h), labels=labels, n_series=max((r.series for r in h.runs),
                                                            default=0),
        point_label=point_label, script=SCRIPT, csp=_csp(), title="sumbench history")
