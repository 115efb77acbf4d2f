"""samples.csv: one row per document, one column per metric and statistic."""

from __future__ import annotations

import csv
import io

from sumbench.diagnostics import MEASURES
from sumbench.records import RunResult, Score, Values


def samples_csv(result: RunResult) -> str:
    columns = [(name, stat) for name, by_stat in result.scores.items() for stat in by_stat]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    measures = list(MEASURES) if any(d.diagnostics for d in result.documents) else []
    writer.writerow(["id", *(f"{t}_{s}" for t, s in columns), *measures,
                     *(["flags"] if measures else []),
                     "input_tokens", "output_tokens", "truncated", "prediction"])
    for d in result.documents:
        g = d.generation
        diag = d.diagnostics or {}
        writer.writerow([d.id, *(_value(d.scores[t], s) if t in d.scores else ""
                                 for t, s in columns),
                         *("" if diag.get(m) is None else repr(diag[m]) for m in measures),
                         *([" ".join(diag.get("flags", []))] if measures else []),
                         "" if g.input_tokens is None else g.input_tokens,
                         "" if g.output_tokens is None else g.output_tokens,
                         str(g.truncated).lower(), _defuse(g.prediction)])
    return buffer.getvalue()


def _value(values: Score | Values, statistic: str) -> str:
    value = getattr(values, statistic)
    return "" if value is None else repr(value)


def _defuse(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; prefix a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
