"""Paired comparison of two runs over the same documents.

Per metric: per-document deltas (new - base), their mean with a paired bootstrap
interval, and a two-sided sign-flip permutation p-value. Verdict:
- ``regressed``: p < alpha, the mean dropped, and by more than ``max_drop``;
- ``regressed within tolerance``: significant, but no more than ``max_drop``;
- ``improved``: p < alpha and the mean rose;
- ``no significant change``: otherwise.
Diagnostics (``--metrics density,rep4``) are paired the same way; their verdict says
``increased`` or ``decreased`` and never counts as a regression.
Runs must agree on what makes scores comparable: the documents and references, and
the score-deciding fields of their signatures (signature.py). Models and generation
settings may differ, that is the point; every other spec difference is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sumbench import defaults
from sumbench.diagnostics import MEASURES
from sumbench.errors import IncomparableRunsError, SettingError
from sumbench.gates import NO_COLUMNS, STAT_ALIASES, is_rouge_type, parse_metric
from sumbench.metrics import Column, recorded_columns
from sumbench.records import DocumentResult, RunResult
from sumbench.signature import Signature
from sumbench.stats import PairedResult, paired_test
from sumbench.version import __version__

# spec entries that say how the runs were scored or launched, not what was evaluated:
# scoring is judged through the signature, the rest is noise between identical runs
NOT_SHOWN = ("rouge", "aggregation", "document_ids_and_references_sha256", "command")


@dataclass(frozen=True)
class MetricComparison:
    metric: str
    base_mean: float
    new_mean: float
    delta: PairedResult
    verdict: str


@dataclass(frozen=True)
class Drop:
    id: str
    delta: float
    base_prediction: str
    new_prediction: str
    references: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    base_label: str
    new_label: str
    n_documents: int
    alpha: float
    max_drop: float
    metrics: tuple[MetricComparison, ...]
    largest_drops: tuple[Drop, ...]
    differences: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    signatures: tuple[str, str] = ("", "")
    seed: int = defaults.SEED

    @property
    def regressed(self) -> bool:
        return any(m.verdict == "regressed" for m in self.metrics)

    def as_dict(self) -> dict[str, Any]:
        return {
            "base": self.base_label, "new": self.new_label, "n_documents": self.n_documents,
            "alpha": self.alpha, "max_drop": self.max_drop, "regressed": self.regressed,
            "test": "two-sided paired sign-flip permutation test; paired bootstrap interval",
            "seed": self.seed, "confidence": defaults.CONFIDENCE,
            "n_bootstrap_resamples": defaults.N_RESAMPLES,
            "n_permutations": defaults.N_PERMUTATIONS, "sumbench_version": __version__,
            "signatures": {"base": self.signatures[0], "new": self.signatures[1]},
            "metrics": [{"metric": m.metric, "base_mean": m.base_mean, "new_mean": m.new_mean,
                         **asdict(m.delta), "verdict": m.verdict} for m in self.metrics],
            "largest_drops": [asdict(d) for d in self.largest_drops],
            "differences": {k: list(v) for k, v in self.differences.items()},
            "notes": list(self.notes),
        }


def verdict(delta: PairedResult, alpha: float, max_drop: float) -> str:
    if delta.p_value >= alpha:
        return "no significant change"
    if delta.mean_delta > 0:
        return "improved"
    if -delta.mean_delta > max_drop:
        return "regressed"
    return "regressed within tolerance"


def check_comparable(base: RunResult, new: RunResult) -> list[str]:
    """What differs between the runs that would make their scores incomparable."""
    problems = []
    base_ids = [d.id for d in base.documents]
    new_ids = [d.id for d in new.documents]
    if base_ids != new_ids:
        only_base = sorted(set(base_ids) - set(new_ids))[:5]
        only_new = sorted(set(new_ids) - set(base_ids))[:5]
        order = ", or a different order" if not only_base and not only_new else ""
        problems.append(f"document ids differ (only in base: {only_base}, only in new: "
                        f"{only_new}{order})")
    else:
        changed = [b.id for b, n in zip(base.documents, new.documents, strict=True)
                   if b.references != n.references]
        if changed:
            problems.append(f"references differ for {len(changed)} document(s): {changed[:5]}")
    differing = Signature.parse(base.signature).score_differences(
        Signature.parse(new.signature))
    for key, (a, b) in differing.items():
        if key != "refs":  # the document-level check above names the documents
            problems.append(f"signature field {key!r} differs: {a!r} vs {b!r}")
    return problems


def parse_metrics(text: str, columns: Mapping[str, Column] = NO_COLUMNS
                  ) -> list[tuple[str, str]]:
    """``rouge1,rouge2.recall,density,wordcount`` to [(name, statistic)]: a bare ROUGE
    type means F1; a diagnostic (diagnostics.MEASURES) is paired per document as
    ("name", "mean"); another metric's column (``columns``) as (name, its statistic)."""
    metrics = []
    for part in (m.strip() for m in text.split(",") if m.strip()):
        name, _, statistic = part.partition(".")
        if part in MEASURES:
            metrics.append((part, "mean"))
        elif name in columns and not is_rouge_type(name):
            statistic = STAT_ALIASES.get(statistic, statistic) or columns[name].main
            if statistic not in columns[name].statistics:
                raise SettingError("metrics", f"cannot read {part!r}: {name} reports "
                                   f"{', '.join(columns[name].statistics)}")
            metrics.append((name, statistic))
        else:
            metrics.append(parse_metric(part, "metrics"))
    if not metrics:
        raise SettingError("metrics", "names no metric")
    return metrics


def compare_runs(base: RunResult, new: RunResult, *,
                 metrics: str | None = None, alpha: float = defaults.ALPHA,
                 max_drop: float = 0.0, seed: int = defaults.SEED, force: bool = False,
                 top: int = defaults.TOP_DROPS, base_dir: str = "base",
                 new_dir: str = "new") -> Comparison:
    if not 0 < alpha < 1:
        raise SettingError("alpha", f"must be between 0 and 1; got {alpha}")
    if max_drop < 0:
        raise SettingError("max_drop", f"must be >= 0; got {max_drop}")
    columns = recorded_columns(base.spec)
    chosen = parse_metrics(metrics if metrics is not None else ",".join(base.scores), columns)
    problems = check_comparable(base, new)
    notes = []
    if problems and not force:
        raise IncomparableRunsError(
            "the runs are not comparable: " + "; ".join(problems)
            + ". Re-run with the same suite and ROUGE settings, or pass --force")
    if problems:
        notes += [f"compared with --force although {p}" for p in problems]
    quant = (Signature.parse(base.signature).quant, Signature.parse(new.signature).quant)
    if quant[0] != quant[1]:
        notes.append(f"the models ran with different weights: quant:{quant[0]} (base) vs "
                     f"quant:{quant[1]} (new), so this measures the quantization too")
    new_by_id = {d.id: d for d in new.documents}
    pairs = [(b, new_by_id[b.id]) for b in base.documents if b.id in new_by_id]
    if not pairs:
        raise IncomparableRunsError("the runs share no document id")
    results = []
    for name, stat in chosen:
        if stat == "mean":
            results.append(_compare_diagnostic(name, base, new, pairs, alpha, seed))
        elif name in columns:
            results.append(_compare_column(columns[name], stat, base, new, pairs, alpha,
                                           max_drop, seed))
        else:
            results.append(_compare_scores(name, stat, pairs, "higher", alpha, max_drop, seed,
                                           both_have=name in base.scores and name in new.scores))
    rouge_chosen = [(t, s) for t, s in chosen if s != "mean" and t not in columns]
    drops = sorted(
        (Drop(b.id, getattr(n.scores[rouge_chosen[0][0]], rouge_chosen[0][1])
              - getattr(b.scores[rouge_chosen[0][0]], rouge_chosen[0][1]),
              b.generation.prediction, n.generation.prediction, b.references)
         for b, n in pairs), key=lambda d: d.delta) if rouge_chosen else []
    differences = {key: (base.spec.get(key), new.spec.get(key))
                   for key in sorted(set(base.spec) | set(new.spec))
                   if key not in NOT_SHOWN and base.spec.get(key) != new.spec.get(key)}
    return Comparison(base_label=_label(base, base_dir), new_label=_label(new, new_dir),
                      n_documents=len(pairs), alpha=alpha, max_drop=max_drop,
                      metrics=tuple(results),
                      largest_drops=tuple(d for d in drops[:top] if d.delta < 0),
                      differences=differences, notes=tuple(notes),
                      signatures=(base.signature, new.signature), seed=seed)


def _compare_scores(name: str, stat: str, pairs: list[tuple[DocumentResult, DocumentResult]],
                    direction: str | None, alpha: float, max_drop: float, seed: int, *,
                    both_have: bool) -> MetricComparison:
    """A score column, paired over the documents where both runs define it. Its verdict
    follows its direction: lower-is-better columns regress when they rise; a column with
    no direction only ``increased`` or ``decreased``."""
    if not both_have:
        raise SettingError("metrics", f"names {name}, which was not computed in both runs")
    both = [(getattr(b.scores[name], stat), getattr(n.scores[name], stat)) for b, n in pairs
            if name in b.scores and name in n.scores]
    both = [(x, y) for x, y in both if x is not None and y is not None]
    if not both:
        raise SettingError("metrics", f"names {name}.{stat}, which neither run defines on a "
                           "shared document")
    a, b = [x for x, _ in both], [y for _, y in both]
    delta = paired_test(base=a, new=b, seed=seed)
    if direction is None:
        change = ("no significant change" if delta.p_value >= alpha
                  else "increased" if delta.mean_delta > 0 else "decreased")
    elif direction == "lower":  # judged as the drop of its negation
        flipped = replace(delta, mean_delta=-delta.mean_delta)
        change = verdict(flipped, alpha, max_drop)
    else:
        change = verdict(delta, alpha, max_drop)
    return MetricComparison(f"{name}.{stat}", sum(a) / len(a), sum(b) / len(b), delta, change)


def _compare_column(column: Column, stat: str, base: RunResult, new: RunResult,
                    pairs: list[tuple[DocumentResult, DocumentResult]], alpha: float,
                    max_drop: float, seed: int) -> MetricComparison:
    """Another metric's column: compared only where both runs scored it the same way
    (the metric's signature token), then as its direction says."""
    tokens = (Signature.parse(base.signature).metric_tokens().get(column.metric),
              Signature.parse(new.signature).metric_tokens().get(column.metric))
    if tokens[0] != tokens[1]:
        raise IncomparableRunsError(f"the runs scored {column.metric} differently ({tokens[0]} "
                                    f"vs {tokens[1]}): {column.name} cannot be compared")
    return _compare_scores(column.name, stat, pairs, column.direction, alpha, max_drop, seed,
                           both_have=column.name in base.scores and column.name in new.scores)


def _compare_diagnostic(name: str, base: RunResult, new: RunResult,
                        pairs: list[tuple[DocumentResult, DocumentResult]], alpha: float,
                        seed: int) -> MetricComparison:
    """A diagnostic, paired over the documents where both runs define it. Neither
    direction is a regression (more copying is not worse in itself): the verdict says
    ``increased`` or ``decreased``, and never fails the comparison."""
    versions = (Signature.parse(base.signature).diag, Signature.parse(new.signature).diag)
    if versions[0] != versions[1]:
        raise IncomparableRunsError(f"the diagnostics differ in definition ({versions[0]} vs "
                                    f"{versions[1]}): {name} cannot be compared")
    both = [(b.diagnostics.get(name), n.diagnostics.get(name)) for b, n in pairs
            if b.diagnostics and n.diagnostics]
    both = [(x, y) for x, y in both if x is not None and y is not None]
    if not both:
        raise SettingError("metrics", f"names {name}, which neither run defines on a shared "
                           "document")
    a, b = [x for x, _ in both], [y for _, y in both]
    delta = paired_test(base=a, new=b, seed=seed)
    change = ("no significant change" if delta.p_value >= alpha
              else "increased" if delta.mean_delta > 0 else "decreased")
    return MetricComparison(name, sum(a) / len(a), sum(b) / len(b), delta, change)


def _label(run: RunResult, folder: str) -> str:
    what = run.spec.get("model") or run.spec.get("predictions_file") or run.spec.get(
        "summarizer", "?")
    return f"{folder} ({what})"
