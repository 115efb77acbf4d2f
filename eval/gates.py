"""Quality gates: ``--fail-under rouge1=0.30,rouge2.recall=0.1``.

A bare type means its F1. ``--gate-on mean`` (default) checks the exact mean;
``--gate-on low`` checks the lower end of the 95% interval, which fails only when the
suite is confidently below the bound (stricter, and noisier on small suites).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from eval.errors import SumbenchError
from eval.records import RunResult
from eval.scoring import ROUGE_TYPES, STATISTICS

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


def parse_gates(text: str | None) -> list[Gate]:
    if not text:
        return []
    gates = []
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        rouge_type, _, statistic = name.strip().partition(".")
        statistic = statistic or "fmeasure"
        statistic = {"f1": "fmeasure", "f": "fmeasure", "p": "precision", "r": "recall"}.get(
            statistic, statistic)
        if not sep or rouge_type not in ROUGE_TYPES or statistic not in STATISTICS:
            raise SumbenchError(
                f"--fail-under: cannot read {part.strip()!r}; write TYPE[.STAT]=BOUND with TYPE "
                f"in {', '.join(ROUGE_TYPES)} and STAT in {', '.join(STATISTICS)}")
        try:
            bound = float(value)
        except ValueError:
            raise SumbenchError(f"--fail-under: {value!r} is not a number") from None
        if not 0.0 <= bound <= 1.0:
            raise SumbenchError(f"--fail-under: bound {bound} must be between 0 and 1")
        gates.append(Gate(rouge_type, statistic, bound))
    return gates


def check_gates(result: RunResult, gates: list[Gate], gate_on: GateOn = "mean"
                ) -> list[GateResult]:
    if gate_on not in ("mean", "low"):
        raise SumbenchError(f"--gate-on must be mean or low, got {gate_on!r}")
    out = []
    for gate in gates:
        if gate.rouge_type not in result.scores:
            raise SumbenchError(f"--fail-under names {gate.rouge_type}, which this run did not "
                                "compute (see --rouge-types)")
        interval = result.scores[gate.rouge_type][gate.statistic]
        value = interval.mean if gate_on == "mean" else interval.low
        out.append(GateResult(gate, value, gate_on, value >= gate.bound))
    return out
