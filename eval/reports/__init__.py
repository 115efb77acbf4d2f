"""Report writers. Every file is written atomically inside the run folder.

``FORMATS`` maps a ``--report`` name to its file name and renderer. Markdown is also
appended to ``$GITHUB_STEP_SUMMARY`` when that variable is set (GitHub Actions).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from eval.fileio import atomic_write_json, atomic_write_text, inside
from eval.gates import GateResult
from eval.records import RunResult
from eval.reports import console, csvfile, html, junit, markdown

if TYPE_CHECKING:
    from eval.compare import Comparison

__all__ = ["FORMATS", "console", "write_comparison", "write_reports"]

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
}


def _append_step_summary(text: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")


def write_reports(run_dir: Path, result: RunResult, formats: list[str],
                  gates: list[GateResult]) -> list[Path]:
    written = []
    for name in formats:
        filename, render = FORMATS[name]
        text = render(result, gates)
        written.append(atomic_write_text(inside(run_dir, filename), text))
        if name == "md":
            _append_step_summary(text)
    return written


def write_comparison(out_dir: Path, comparison: Comparison, formats: list[str]) -> list[Path]:
    from eval.errors import SumbenchError

    written = []
    for name in formats:
        if name == "json":
            written.append(atomic_write_json(inside(out_dir, "compare.json"),
                                             comparison.as_dict()))
            continue
        if name not in COMPARISON_FORMATS:
            raise SumbenchError(f"unknown comparison report {name!r}; choose from "
                                f"{[*COMPARISON_FORMATS, 'json']}")
        filename, render = COMPARISON_FORMATS[name]
        text = render(comparison)
        written.append(atomic_write_text(inside(out_dir, filename), text))
        if name == "md":
            _append_step_summary(text)
    return written
