"""Report writers. Every file is written atomically inside the run folder.

The registry of formats: ``FORMATS`` maps a ``--report`` name to its file name and
renderer, ``COMPARISON_FORMATS`` the same for ``compare``, ``HISTORY_FORMATS`` for ``history``. A
new format is one module
plus one line in a table. Markdown is also appended to ``$GITHUB_STEP_SUMMARY`` when
that variable is set (GitHub Actions).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sumbench.errors import SettingError
from sumbench.fileio import atomic_write_text, inside
from sumbench.gates import GateResult
from sumbench.metaeval_result import MetaEvalResult
from sumbench.records import RunResult
from sumbench.reports import (
    console,
    csvfile,
    history,
    html,
    junit,
    markdown,
    meta,
    prcomment,
)

if TYPE_CHECKING:
    from sumbench.compare import Comparison
    from sumbench.history import History

__all__ = ["COMPARISON_FORMATS", "FORMATS", "HISTORY_FORMATS", "META_EVAL_FORMATS", "console",
           "parse_formats", "write_comparison", "write_history", "write_meta_eval",
           "write_reports"]

Renderer = Callable[[RunResult, list[GateResult]], str]
FORMATS: dict[str, tuple[str, Renderer]] = {
    "md": ("summary.md", markdown.run_summary),
    "junit": ("junit.xml", junit.run_junit),
    "html": ("report.html", html.run_html),
    "csv": ("samples.csv", lambda result, gates: csvfile.samples_csv(result)),
}
COMPARISON_FORMATS: dict[str, tuple[str, Callable[[Comparison], str]]] = {
    "md": ("compare.md", markdown.comparison_summary),
    "junit": ("compare-junit.xml", junit.comparison_junit),
    "html": ("compare.html", html.comparison_html),
    "json": ("compare.json",
             lambda c: json.dumps(c.as_dict(), indent=2, ensure_ascii=False) + "\n"),
    "pr": ("pr_comment.md", prcomment.pr_comment),  # a pull-request comment, under 65,000
}

HISTORY_FORMATS: dict[str, tuple[str, Callable[[History], str]]] = {
    "json": ("history.json",
             lambda h: json.dumps(h.as_dict(), indent=2, ensure_ascii=False) + "\n"),
    "md": ("history.md", history.markdown),
    "html": ("history.html", history.html),
}

META_EVAL_FORMATS: dict[str, tuple[str, Callable[[MetaEvalResult], str]]] = {
    "json": ("meta_eval.json",
             lambda r: json.dumps(r.as_dict(), indent=2, ensure_ascii=False) + "\n"),
    "md": ("meta_eval.md", meta.markdown),
    "html": ("meta_eval.html", meta.html),
}


def parse_formats(text: str | None, table: Mapping[str, object], setting_name: str
                  ) -> list[str]:
    """``md,html`` to a list of names, each checked against ``table``."""
    names = [f.strip() for f in (text or "").split(",") if f.strip()]
    unknown = [n for n in names if n not in table]
    if unknown:
        raise SettingError(setting_name, f"has unknown format(s) {unknown}; choose from "
                           f"{', '.join(table)}")
    return names


def write_meta_eval(out_dir: Path, result: MetaEvalResult, formats: list[str]) -> list[Path]:
    return _write(out_dir, formats, META_EVAL_FORMATS, result)


def _write(out_dir: Path, formats: list[str], table: Mapping[str, tuple[str, Any]],
           *subject: Any) -> list[Path]:
    """Each chosen format of one registry, rendered from ``subject`` and written inside
    ``out_dir``; Markdown also goes to the GitHub job summary."""
    written = []
    for name in formats:
        filename, render = table[name]
        text = render(*subject)
        written.append(atomic_write_text(inside(out_dir, filename), text))
        if name == "md":
            _append_step_summary(text)
    return written


def _append_step_summary(text: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")


def write_reports(run_dir: Path, result: RunResult, formats: list[str],
                  gates: list[GateResult]) -> list[Path]:
    return _write(run_dir, formats, FORMATS, result, gates)


def write_comparison(out_dir: Path, comparison: Comparison, formats: list[str]) -> list[Path]:
    return _write(out_dir, formats, COMPARISON_FORMATS, comparison)


def write_history(out_dir: Path, result: History, formats: list[str]) -> list[Path]:
    return _write(out_dir, formats, HISTORY_FORMATS, result)
