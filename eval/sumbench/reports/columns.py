"""Which score columns a report shows as a precision/recall/F1 row (ROUGE's), and which as
one row per statistic (every other metric's), so no renderer names a metric."""

from __future__ import annotations

from sumbench.records import Interval, RunResult

PRF = ("precision", "recall", "fmeasure")


def prf_columns(result: RunResult) -> list[str]:
    """Columns reported as precision, recall and F1, in the run's order."""
    return [name for name, by_stat in result.scores.items() if tuple(by_stat) == PRF]


def other_columns(result: RunResult) -> list[tuple[str, str, Interval]]:
    """(label, statistic, interval) for every other column's statistic; the label is the
    column's name, with ``.statistic`` where it reports more than one."""
    return [(name if len(by_stat) == 1 else f"{name}.{stat}", stat, interval)
            for name, by_stat in result.scores.items() if tuple(by_stat) != PRF
            for stat, interval in by_stat.items()]


def shown(interval: Interval) -> str:
    return f"{interval.mean:.4f} [{interval.low:.4f}, {interval.high:.4f}]"
