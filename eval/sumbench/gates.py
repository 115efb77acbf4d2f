"""Quality gates, in both directions: ``--gate "rouge1>=0.30,rep4<=0.2,empty==0"``, and
``--fail-under rouge1=0.30,rouge2.recall=0.1`` (NAME=BOUND is NAME>=BOUND).

A bare ROUGE type means its F1; a diagnostic means its mean; a flag (or ``failed``)
means the number of documents that carry it. ``--gate-on mean`` (default) checks the
exact mean; ``--gate-on low`` checks the conservative end of the 95% interval (the
lower end for >=, the upper end for <=): it passes only when the suite is confidently
on the right side of the bound (stricter, and noisier on small suites).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from sumbench.defaults import GATE_ON, ROUGE_TYPES, STATISTICS
from sumbench.diagnostics import FLAGS, MEASURES
from sumbench.errors import SettingError, check_choice, setting
from sumbench.metrics.base import Column
from sumbench.records import Interval, RunResult

GateOn = Literal["mean", "low"]


OPERATORS = {">=": lambda v, b: v >= b, "<=": lambda v, b: v <= b,
             ">": lambda v, b: v > b, "<": lambda v, b: v < b, "==": lambda v, b: v == b}
_COMPARISON = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*(>=|<=|==|>|<|=)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Gate:
    """``metric op bound``. The metric is a ROUGE type and statistic, a diagnostic's mean
    (diagnostics.MEASURES) or a flag's document count (diagnostics.FLAGS, and failed)."""

    name: str  # the ROUGE type or another metric's column, the diagnostic or the flag
    # precision, recall, fmeasure (or another column's statistic; "": its first);
    # "mean" (a diagnostic); "count" (a flag)
    statistic: str
    bound: float
    op: str = ">="

    @property
    def metric(self) -> str:
        return self.name if self.statistic in ("mean", "count", "", "value") \
            else f"{self.name}.{self.statistic}"

    @property
    def is_count(self) -> bool:
        return self.statistic == "count"


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    value: float
    gate_on: str
    passed: bool

    @property
    def message(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        count = self.gate.is_count
        shown = f"{self.value:g}" if count else f"{self.value:.4f}"
        bound = f"{self.gate.bound:g}" if count else f"{self.gate.bound:.4f}"
        on = "count" if count else self.gate_on
        return f"{self.gate.metric} {on} = {shown}, required {self.gate.op} {bound}: {verdict}"


NO_COLUMNS: Mapping[str, Column] = MappingProxyType({})
STAT_ALIASES = {"f1": "fmeasure", "f": "fmeasure", "p": "precision", "r": "recall"}
COUNTED = (*FLAGS, "failed")


# rouge-score's types, and those of ROUGE-1.5.5 mode: rouge1..rouge9, rougeL, rougeW,
# rougeS4, rougeSU4, rougeS (any distance), rougeSU
ROUGE155_TYPE = re.compile(r"^rouge([1-9]|L|W|SU?\d*)$")


TYPES_HELP = "rouge1 to rouge9, rougeL, rougeLsum, or a rouge155 type"


def is_rouge_type(name: str) -> bool:
    return name in ROUGE_TYPES or bool(ROUGE155_TYPE.match(name))


def parse_metric(text: str, setting_name: str) -> tuple[str, str]:
    """``TYPE[.STAT]`` to (type, statistic); a bare type means F1."""
    rouge_type, _, statistic = text.strip().partition(".")
    statistic = STAT_ALIASES.get(statistic, statistic or "fmeasure")
    if not is_rouge_type(rouge_type) or statistic not in STATISTICS:
        raise SettingError(setting_name, f"cannot read {text.strip()!r}: write TYPE[.STAT] "
                           f"with TYPE in {TYPES_HELP} and STAT in "
                           f"{', '.join(STATISTICS)} (or f1, p, r)")
    return rouge_type, statistic


def parse_gates(text: str | None, setting_name: str = "fail_under",
                columns: Mapping[str, Column] | None = NO_COLUMNS) -> list[Gate]:
    """Comma-separated gates. ``NAME=BOUND`` means NAME >= BOUND (the --fail-under form);
    ``NAME>=B``, ``NAME<=B``, ``NAME>B``, ``NAME<B`` and ``NAME==B`` say it outright.

    ``columns`` are the run's other metrics' columns (``metrics.extra_columns``): a gate
    may name one as ``NAME[.STAT]`` (a bare name means its main statistic). ``None``
    accepts any such name for now, for a finished run whose columns are read later; the
    default (none) refuses every name that is not ROUGE's or a diagnostic's."""
    if not text:
        return []
    gates = []
    for part in text.split(","):
        if not part.strip():
            continue
        match = _COMPARISON.match(part)
        if not match:
            raise SettingError(setting_name, f"cannot read {part.strip()!r}: write "
                               "METRIC>=BOUND, METRIC<=BOUND or METRIC==BOUND, e.g. "
                               "rouge1>=0.3, rep4<=0.2, empty==0 (METRIC=BOUND means >=)")
        name, op, value = match.groups()
        op = ">=" if op == "=" else op
        try:
            bound = float(value)
        except ValueError:
            raise SettingError(setting_name, f"bound {value!r} is not a number") from None
        if name in MEASURES:
            gate = Gate(name, "mean", bound, op)
        elif name in COUNTED:
            if match.group(2) == "=":
                raise SettingError(setting_name, f"{part.strip()!r} counts documents: write "
                                   f"{name}=={value} or {name}<={value}")
            gate = Gate(name, "count", bound, op)
        elif not is_rouge_type(name.partition(".")[0]) and (
                columns is None or name.partition(".")[0] in columns):
            gate = _column_gate(name, op, bound, columns, setting_name)
        else:
            if not is_rouge_type(name.partition(".")[0]):
                raise SettingError(setting_name, f"cannot read {name!r}: a gate names a ROUGE "
                                   f"type[.stat] ({TYPES_HELP}), a diagnostic "
                                   f"({', '.join(MEASURES)}) or a flag ({', '.join(COUNTED)})")
            rouge_type, statistic = parse_metric(name, setting_name)
            if not 0.0 <= bound <= 1.0:
                raise SettingError(setting_name, f"bound {bound} must be between 0 and 1")
            gate = Gate(rouge_type, statistic, bound, op)
        if gate.statistic in ("mean", "count") and not 0.0 <= bound < float("inf"):
            raise SettingError(setting_name, f"bound {bound} must be a number >= 0")
        gates.append(gate)
    return gates


def _column_gate(name: str, op: str, bound: float, columns: Mapping[str, Column] | None,
                 setting_name: str) -> Gate:
    """A gate on another metric's column; checked against ``columns`` when known."""
    column_name, _, statistic = name.partition(".")
    column = (columns or {}).get(column_name)
    if column is not None:
        statistic = column_statistic(column, name, setting_name)
    return Gate(column_name, statistic or "", bound, op)


def column_statistic(column: Column, text: str, setting_name: str) -> str:
    """The statistic ``NAME[.STAT]`` names of another metric's column: its main one when
    bare; SettingError when the column does not report it."""
    statistic = text.strip().partition(".")[2]
    statistic = STAT_ALIASES.get(statistic, statistic) or column.main
    if statistic not in column.statistics:
        raise SettingError(setting_name, f"cannot read {text.strip()!r}: {column.name} reports "
                           f"{', '.join(column.statistics)}")
    return statistic


def check_gates(result: RunResult, gates: list[Gate], gate_on: GateOn = "mean"
                ) -> list[GateResult]:
    """Each gate on the run. ``gate_on`` "low" takes the interval's conservative end: its
    lower end for a lower bound (>=, >), its upper end for an upper bound (<=, <)."""
    check_choice("gate_on", gate_on, GATE_ON)
    out = []
    for gate in gates:
        if gate.is_count:
            value = float(_count(result, gate.name))
        else:
            interval = _interval(result, gate)
            value = interval.mean
            if gate_on == "low" and gate.op in (">=", ">"):
                value = interval.low
            elif gate_on == "low" and gate.op in ("<=", "<"):
                value = interval.high
        out.append(GateResult(gate, value, gate_on, OPERATORS[gate.op](value, gate.bound)))
    return out


def _count(result: RunResult, name: str) -> int:
    if name == "failed":
        return int(result.counts.get("n_failed", 0))
    if name not in result.flagged:
        raise SettingError("fail_under", f"names the flag {name}, which this run did not "
                           "record (it was written before diagnostics)")
    return len(result.flagged[name])


def _interval(result: RunResult, gate: Gate) -> Interval:
    if gate.name in result.scores and not is_rouge_type(gate.name):
        by_stat = result.scores[gate.name]  # another metric's column
        statistic = gate.statistic or next(iter(by_stat))
        if statistic not in by_stat:
            raise SettingError("fail_under", f"names {gate.name}.{statistic}; this run "
                               f"has {', '.join(by_stat)}")
        return by_stat[statistic]
    if gate.statistic == "mean":
        if gate.name not in result.diagnostics:
            raise SettingError("fail_under", f"names the diagnostic {gate.name}, which "
                               "this run did not record (or no document defines it)")
        return result.diagnostics[gate.name]
    if gate.name not in result.scores:
        see = setting("rouge_types") if is_rouge_type(gate.name) else setting("metrics")
        raise SettingError("fail_under", f"names {gate.name}, which this run did "
                           f"not compute (see {see})")
    return result.scores[gate.name][gate.statistic]
