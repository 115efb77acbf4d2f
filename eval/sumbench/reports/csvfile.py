"""samples.csv: one row per document, one column per metric and statistic."""

from __future__ import annotations

import csv
import io

from sumbench.diagnostics import MEASURES
from sumbench.records import RunResult
from sumbench.scoring import STATISTICS


def samples_csv(result: RunResult) -> str:
    types = list(result.scores)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    measures = list(MEASURES) if any(d.diagnostics for d in result.documents) else []
    writer.writerow(["id", *(f"{t}_{s}" for t in types for s in STATISTICS), *measures,
                     *(["flags"] if measures else []),
                     "input_tokens", "output_tokens", "truncated", "prediction"])
    for d in result.documents:
        g = d.generation
        diag = d.diagnostics or {}
        writer.writerow([d.id, *(repr(getattr(d.scores[t], s)) for t in types
                                 for s in STATISTICS),
                         *("" if diag.get(m) is None else repr(diag[m]) for m in measures),
                         *([" ".join(diag.get("flags", []))] if measures else []),
                         "" if g.input_tokens is None else g.input_tokens,
                         "" if g.output_tokens is None else g.output_tokens,
                         str(g.truncated).lower(), _defuse(g.prediction)])
    return buffer.getvalue()


def _defuse(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; prefix a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
