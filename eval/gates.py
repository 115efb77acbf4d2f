"""Quality gates: ``--fail-under rouge1=0.30,rouge2.recall=0.1``.

A bare type means its F1. ``--gate-on mean`` (default) checks the exact mean;
``--gate-on low`` checks the lower end of the 95% interval, which fails only when the
suite is confidently below the bound (stricter, and noisier on small suites).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sumbench.defaults import GATE_ON, ROUGE_TYPES, STATISTICS
from sumbench.errors import SettingError, check_choice, setting
from sumbench.records import RunResult

GateOn = Literal["mean", "low"]


@dataclass(frozen=True)
class Gate:
    rouge_type: str
    statistic: str
    bound: float

    @property
    def metric(self) -> str:
        return f"{self.rouge_type}.{self.statistic}"


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    value: float
    gate_on: str
    passed: bool

    @property
    def message(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (f"{self.gate.metric} {self.gate_on} = {self.value:.4f} "
                f"{'>=' if self.passed else '<'} bound {self.gate.bound:.4f}: {verdict}")


STAT_ALIASES = {"f1": "fmeasure", "f": "fmeasure", "p": "precision", "r": "recall"}


def parse_metric(text: str, setting_name: str) -> tuple[str, str]:
    """``TYPE[.STAT]`` to (type, statistic); a bare type means F1."""
    rouge_type, _, statistic = text.strip().partition(".")
    statistic = STAT_ALIASES.get(statistic, statistic or "fmeasure")
    if rouge_type not in ROUGE_TYPES or statistic not in STATISTICS:
        raise SettingError(setting_name, f"cannot read {text.strip()!r}: write TYPE[.STAT] "
                           f"with TYPE in {', '.join(ROUGE_TYPES)} and STAT in "
                           f"{', '.join(STATISTICS)} (or f1, p, r)")
    return rouge_type, statistic


def parse_gates(text: str | None) -> list[Gate]:
    if not text:
        return []
    gates = []
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise SettingError("fail_under", f"cannot read {part.strip()!r}: write "
                               "TYPE[.STAT]=BOUND, e.g. rouge1=0.3")
        rouge_type, statistic = parse_metric(name, "fail_under")
        try:
            bound = float(value)
        except ValueError:
            raise SettingError("fail_under", f"bound {value!r} is not a number") from None
        if not 0.0 <= bound <= 1.0:
            raise SettingError("fail_under", f"bound {bound} must be between 0 and 1")
        gates.append(Gate(rouge_type, statistic, bound))
    return gates


def check_gates(result: RunResult, gates: list[Gate], gate_on: GateOn = "mean"
                ) -> list[GateResult]:
    check_choice("gate_on", gate_on, GATE_ON)
    out = []
    for gate in gates:
        if gate.rouge_type not in result.scores:
            raise SettingError("fail_under", f"names {gate.rouge_type}, which this run did "
                               f"not compute (see {setting('rouge_types')})")
        interval = result.scores[gate.rouge_type][gate.statistic]
        value = interval.mean if gate_on == "mean" else interval.low
        out.append(GateResult(gate, value, gate_on, value >= gate.bound))
    return out
