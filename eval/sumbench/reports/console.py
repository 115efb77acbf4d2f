"""What the terminal shows: a progress bar while generating, then the results table."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sumbench.gates import GateResult
from sumbench.metaeval_result import Estimate, MetaEvalResult
from sumbench.records import RunResult
from sumbench.reports.columns import PRF, other_columns, prf_columns, shown, shown_delta

if TYPE_CHECKING:
    from sumbench.compare import Comparison
    from sumbench.history import History


@contextlib.contextmanager
def progress(total: int, quiet: bool, label: str) -> Iterator[Callable[[int, int], None]]:
    """Yield a ``(done, total)`` hook that drives a rich progress bar on stderr."""
    if quiet:
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def _console() -> Any:
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:  # CI logs: wide enough that intervals are never cut
        console.width = 120
    return console


def rouge155_lines(result: RunResult) -> list[str]:
    """ROUGE-1.5.5's own Average and interval, as the script prints them (rouge155 mode)."""
    if not result.rouge155:
        return []
    lines = [f"ROUGE-1.5.5 as the script prints it ({result.rouge155['perl_command']}):"]
    for block in result.rouge155["printed"].values():
        for stat, letter in (("recall", "R"), ("precision", "P"), ("fmeasure", "F")):
            if stat in block:
                v = block[stat]
                lines.append(f"  {block['method']} Average_{letter}: {v['average']} "
                             f"({result.rouge155['confidence']:g}%-conf.int. {v['low']} - "
                             f"{v['high']})")
    return lines


def print_error(message: str) -> None:
    """One line on stderr, as the CLI prints errors: the run's files are already written."""
    print(f"sumbench: error: {message}", file=sys.stderr)


def print_run(result: RunResult, run_dir: Path, gates: list[GateResult]) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    table = Table(title=f"ROUGE over {len(result.documents)} documents (mean [95% CI])")
    table.add_column("metric", no_wrap=True, min_width=9)
    for stat in ("precision", "recall", "fmeasure"):
        table.add_column("F1" if stat == "fmeasure" else stat, justify="right", no_wrap=True)
    for name in prf_columns(result):
        table.add_row(name, *(shown(result.scores[name][stat]) for stat in PRF))
    console.print(table)
    if other_columns(result):
        more = Table(title="Other metrics (mean [95% CI])")
        more.add_column("metric", no_wrap=True)
        more.add_column("mean [95% CI]", justify="right", no_wrap=True)
        for label, _stat, interval in other_columns(result):
            more.add_row(label, shown(interval))
        console.print(more)
    for line in rouge155_lines(result):
        console.print(line, markup=False, soft_wrap=True)
    if result.diagnostics:
        diag = Table(title="Diagnostics (mean [95% CI])")
        diag.add_column("measure", no_wrap=True)
        diag.add_column("mean [95% CI]", justify="right", no_wrap=True)
        for name, iv in result.diagnostics.items():
            diag.add_row(name, shown(iv))
        console.print(diag)
        flags = ", ".join(f"{flag} {len(ids)}" for flag, ids in result.flagged.items() if ids)
        console.print(f"flags: {flags or 'none'}", markup=False)
    console.print(f"signature: {result.signature}", markup=False, soft_wrap=True)
    for warning in result.warnings:
        # one warning, one line in logs (grep-able); wrapped only for a person at a terminal
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", markup=True,
                      soft_wrap=not console.is_terminal)
    for gate in gates:
        color = "green" if gate.passed else "red"
        console.print(f"[{color}]gate[/{color}] {gate.message}")
    console.print(f"run folder: {run_dir}")


def print_comparison(comparison: Comparison, written: list[Path]) -> None:
    from rich.table import Table

    console = _console()
    table = Table(title=f"{comparison.new_label} vs {comparison.base_label} "
                        f"({comparison.n_documents} paired documents)")
    for column in ("metric", "base", "new", "delta [95% CI]", "p-value", "verdict"):
        table.add_column(column, justify="left" if column in ("metric", "verdict") else "right")
    for m in comparison.metrics:
        table.add_row(m.metric, f"{m.base_mean:.4f}", f"{m.new_mean:.4f}",
                      shown_delta(m.delta),
                      f"{m.delta.p_value:.4f}", m.verdict)
    console.print(table)
    for note in comparison.notes:
        console.print(f"[yellow]note:[/yellow] {note}", soft_wrap=not console.is_terminal)
    for path in written:
        console.print(f"wrote {path}")


def print_history(history: History, written: list[Path]) -> None:
    """The significant changes, series by series, and the notes."""
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    labels = {r.path: r.label for r in history.runs}
    n_series = max((r.series for r in history.runs), default=0)
    table = Table(title=f"{len(history.runs)} runs in {n_series} series: "
                        f"{len(history.changes)} significant change(s)")
    for column in ("metric", "from", "to", "delta [95% CI]", "p-value", "verdict"):
        table.add_column(column, justify="right" if column in ("delta [95% CI]", "p-value")
                         else "left")
    for c in history.changes:
        d = c.delta
        table.add_row(c.metric, escape(labels[c.from_path]), escape(labels[c.to_path]),
                      shown_delta(d),
                      f"{d.p_value:.4f}", c.verdict)
    console.print(table)
    if history.regressed:
        console.print("[red]the latest pair of a series regressed[/red]")
    for note in history.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}", soft_wrap=not console.is_terminal)
    for path in written:
        console.print(f"wrote {path}")


def print_meta_eval(result: MetaEvalResult, written: list[Path]) -> None:
    """System-level Kendall tau-b of each metric with each human dimension."""
    from rich.table import Table

    console = _console()
    table = Table(title=f"System-level Kendall tau-b with human judgments "
                        f"({result.n_systems} systems, {result.n_documents} documents; "
                        "[95% CI])")
    table.add_column("metric", no_wrap=True)
    for dim in result.dimensions:
        table.add_column(dim, justify="right", no_wrap=True)
    by_metric: dict[str, dict[str, Estimate]] = {}
    for row in result.rows:
        if row.level == "system":
            by_metric.setdefault(row.metric, {})[row.human] = row.kendall
    for metric, cells in by_metric.items():
        table.add_row(metric, *(_short(cells[d]) for d in result.dimensions))
    console.print(table)
    for path in written:
        console.print(f"wrote {path}")


def _short(c: Estimate) -> str:
    if c.value is None:
        return "-"
    if c.low is None or c.high is None:
        return f"{c.value:+.3f}"
    return f"{c.value:+.3f} [{c.low:+.2f}, {c.high:+.2f}]"
