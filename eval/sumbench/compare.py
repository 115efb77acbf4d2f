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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sumbench import defaults
from sumbench.diagnostics import MEASURES
from sumbench.errors import IncomparableRunsError, SettingError
from sumbench.gates import NO_COLUMNS, column_statistic, is_rouge_type, parse_metric
from sumbench.metrics import Column, recorded_columns
from sumbench.records import DocumentResult, RunResult
from sumbench.signature import Signature
from sumbench.stats import PairedResult, paired_tests
from sumbench.version import __version__

# spec entries that say how the runs were scored or launched, not what was evaluated:
# scoring is judged through the signature, the rest is noise between identical runs
# (a run's label and its project's git commit name the run; history shows them)
NOT_SHOWN = ("rouge", "aggregation", "document_ids_and_references_sha256", "command",
             "label", "git_commit")


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
        name = part.partition(".")[0]
        if part in MEASURES:
            metrics.append((part, "mean"))
        elif name in columns and not is_rouge_type(name):
            metrics.append((name, column_statistic(columns[name], part, "metrics")))
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
    [comparison] = compare_pairs([(base, new, base_dir, new_dir)], metrics=metrics,
                                 alpha=alpha, max_drop=max_drop, seed=seed, force=force,
                                 top=top)
    return comparison


Pair = tuple[RunResult, RunResult, str, str]  # base, new, and the folders they came from


def compare_pairs(runs: Sequence[Pair], *, metrics: str | None = None,
                  alpha: float = defaults.ALPHA, max_drop: float = 0.0,
                  seed: int = defaults.SEED, force: bool = False,
                  top: int = defaults.TOP_DROPS) -> list[Comparison]:
    """``compare_runs`` of several pairs (``history`` compares every consecutive pair),
    with all their paired tests in one batch: the same numbers, drawn once."""
    if not 0 < alpha < 1:
        raise SettingError("alpha", f"must be between 0 and 1; got {alpha}")
    if max_drop < 0:
        raise SettingError("max_drop", f"must be >= 0; got {max_drop}")
    plans = [_plan(base, new, metrics, force) for base, new, _, _ in runs]
    tests = paired_tests({(i, name): (a, b) for i, (_, columns, _) in enumerate(plans)
                          for name, (a, b, _) in columns.items()}, seed=seed)
    comparisons = []
    for i, ((base, new, base_dir, new_dir), (pairs, columns, notes)) in enumerate(
            zip(runs, plans, strict=True)):
        results = []
        for name, (a, b, direction) in columns.items():
            delta = tests[i, name]
            change = directed_verdict(delta, direction, alpha, max_drop)
            results.append(MetricComparison(name, sum(a) / len(a), sum(b) / len(b), delta,
                                            change))
        comparisons.append(Comparison(
            base_label=_label(base, base_dir), new_label=_label(new, new_dir),
            n_documents=len(pairs), alpha=alpha, max_drop=max_drop, metrics=tuple(results),
            largest_drops=_largest_drops(pairs, columns, top),
            differences=differences(base, new), notes=tuple(notes),
            signatures=(base.signature, new.signature), seed=seed))
    return comparisons


def directed_verdict(delta: PairedResult, direction: str | None, alpha: float,
                     max_drop: float) -> str:
    """The verdict for a column by its direction: higher is better (ROUGE), lower is
    better (judged as the change of its negation), or none (diagnostics: more copying
    is not worse in itself), which only ``increased`` or ``decreased``."""
    if direction is None:
        return ("no significant change" if delta.p_value >= alpha
                else "increased" if delta.mean_delta > 0 else "decreased")
    if direction == "lower":
        return verdict(replace(delta, mean_delta=-delta.mean_delta), alpha, max_drop)
    return verdict(delta, alpha, max_drop)


def differences(base: RunResult, new: RunResult) -> dict[str, tuple[Any, Any]]:
    """Spec entries that differ, but for those in NOT_SHOWN."""
    return base.spec.differences(new.spec, ignore=NOT_SHOWN)


# metric: base's values, new's values, and the direction (None: neither is better)
Columns = dict[str, tuple[list[float], list[float], str | None]]


def _plan(base: RunResult, new: RunResult, metrics: str | None, force: bool
          ) -> tuple[list[tuple[DocumentResult, DocumentResult]], Columns, list[str]]:
    """The paired documents, each metric's per-document values in both runs, and the
    notes; refuses incomparable runs unless forced."""
    recorded = recorded_columns(base.spec)
    chosen = parse_metrics(metrics if metrics is not None else ",".join(base.scores), recorded)
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
    columns: Columns = {}
    for name, stat in chosen:
        if stat == "mean":
            a, b = _diagnostic_columns(name, base, new, pairs)
            columns[name] = (a, b, None)
        elif name in recorded:
            _check_same_metric(recorded[name], base, new)
            a, b = _score_columns(name, stat, base, new, pairs)
            columns[f"{name}.{stat}"] = (a, b, recorded[name].direction)
        else:
            a, b = _score_columns(name, stat, base, new, pairs)
            columns[f"{name}.{stat}"] = (a, b, "higher")
    return pairs, columns, notes


def _score_columns(name: str, stat: str, base: RunResult, new: RunResult,
                   pairs: list[tuple[DocumentResult, DocumentResult]]
                   ) -> tuple[list[float], list[float]]:
    """A score column, paired over the documents where both runs define it."""
    if name not in base.scores or name not in new.scores:
        raise SettingError("metrics", f"names {name}, which was not computed in both runs")
    return _defined_in_both(
        ((getattr(b.scores[name], stat), getattr(n.scores[name], stat)) for b, n in pairs
         if name in b.scores and name in n.scores), f"{name}.{stat}")


def _defined_in_both(values: Iterable[tuple[float | None, float | None]], label: str
                     ) -> tuple[list[float], list[float]]:
    """The (base, new) values where neither is missing, as two columns; a SettingError
    names ``label`` when no shared document defines it."""
    both = [(x, y) for x, y in values if x is not None and y is not None]
    if not both:
        raise SettingError("metrics", f"names {label}, which neither run defines on a "
                           "shared document")
    return [x for x, _ in both], [y for _, y in both]


def _check_same_metric(column: Column, base: RunResult, new: RunResult) -> None:
    """Another metric's column compares only where both runs scored it the same way
    (the metric's signature token)."""
    tokens = (Signature.parse(base.signature).metric_tokens().get(column.metric),
              Signature.parse(new.signature).metric_tokens().get(column.metric))
    if tokens[0] != tokens[1]:
        raise IncomparableRunsError(f"the runs scored {column.metric} differently ({tokens[0]} "
                                    f"vs {tokens[1]}): {column.name} cannot be compared")


def _largest_drops(pairs: list[tuple[DocumentResult, DocumentResult]], columns: Columns,
                   top: int) -> tuple[Drop, ...]:
    """The documents that dropped most on the first higher-is-better metric named (a
    column defined on every paired document)."""
    first = next((name for name, (a, _, direction) in columns.items()
                  if direction == "higher" and len(a) == len(pairs)), None)
    if first is None or top <= 0:
        return ()
    a, b, _ = columns[first]
    worst = sorted(range(len(pairs)), key=lambda i: b[i] - a[i])[:top]
    return tuple(Drop(pairs[i][0].id, b[i] - a[i], pairs[i][0].generation.prediction,
                      pairs[i][1].generation.prediction, pairs[i][0].references)
                 for i in worst if b[i] - a[i] < 0)


def _diagnostic_columns(name: str, base: RunResult, new: RunResult,
                        pairs: list[tuple[DocumentResult, DocumentResult]]
                        ) -> tuple[list[float], list[float]]:
    """A diagnostic, paired over the documents where both runs define it. Neither
    direction is a regression: its verdict says ``increased`` or ``decreased``."""
    versions = (Signature.parse(base.signature).diag, Signature.parse(new.signature).diag)
    if versions[0] != versions[1]:
        raise IncomparableRunsError(f"the diagnostics differ in definition ({versions[0]} vs "
                                    f"{versions[1]}): {name} cannot be compared")
    return _defined_in_both(((b.diagnostics.get(name), n.diagnostics.get(name))
                             for b, n in pairs if b.diagnostics and n.diagnostics), name)


def _label(run: RunResult, folder: str) -> str:
    return f"{folder} ({run.spec.what_ran})"
