"""Which score columns a report shows as a precision/recall/F1 row (ROUGE's), and which as
one row per statistic (every other metric's), so no renderer names a metric; and how an
interval or a paired delta is written in text reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sumbench.records import Interval, RunResult

if TYPE_CHECKING:
    from sumbench.stats import PairedResult

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
    """A mean and its interval: ``0.3286 [0.2623, 0.4302]``."""
    return f"{interval.mean:.4f} [{interval.low:.4f}, {interval.high:.4f}]"


def shown_delta(delta: PairedResult) -> str:
    """A paired mean delta and its interval, signed: ``-0.0837 [-0.1382, -0.0298]``."""
    return f"{delta.mean_delta:+.4f} [{delta.low:+.4f}, {delta.high:+.4f}]"
