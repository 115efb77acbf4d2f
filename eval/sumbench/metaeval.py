"""Meta-evaluation: which metric tracks human judgment, with intervals.

Input: JSONL as ``../shared/data/summeval.jsonl``: per line ``id``, ``references``,
optional ``article``, and ``systems: {name: {summary, human: {dimension: score}}}``;
every document has the same systems and dimensions.

For each metric (ROUGE type x precision/recall/F1 with the chosen settings, and each
diagnostic when articles are given) and each human dimension:
- system level: the correlation across systems of the per-system means over documents;
- summary level: per document, the correlation across systems, averaged over documents;
  documents where either side is constant are skipped and counted.
Kendall's tau-b, Spearman and Pearson, each with a seeded 95% percentile bootstrap
interval that resamples documents, systems or both (Deutsch et al. 2021 recommend
both). ``correlation_paired_test`` asks whether metric A correlates better than metric B
(Deutsch et al.'s permutation test: scores of A and B, each z-normalised, are swapped
at random per document, per system or per cell, and the one-sided p-value is the share
of permutations whose difference is at least the observed one).

Everything is vectorised over resamples with numpy: Kendall's tau-b from the signs of
all system pairs, (P - Q) / sqrt(pairs untied in x * pairs untied in y), which equals
scipy's tau-b (tested). Values equal to 10 decimals are ties: a mean of ratings must not
rank two systems apart because of the order its sum was taken in.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sumbench import defaults
from sumbench.errors import InputError, SettingError, check_at_least, check_choice
from sumbench.metaeval_result import CorrelationRow, Estimate, PairedTest
from sumbench.metrics import BUILTIN, Metric
from sumbench.metrics.apply import score_metric
from sumbench.records import Example

COEFFICIENTS = ("kendall", "spearman", "pearson")
LEVELS = ("system", "summary")
RESAMPLE = ("both", "documents", "systems")
PERMUTE = RESAMPLE  # the unit the paired test swaps: a document's row, a system's column, a cell
CHUNK = 50  # resamples computed at once (bounded memory)


@dataclass(frozen=True)
class HumanData:
    """The suite as matrices: documents x systems."""

    ids: tuple[str, ...]
    systems: tuple[str, ...]
    dimensions: tuple[str, ...]
    summaries: tuple[tuple[str, ...], ...]  # [document][system]
    references: tuple[tuple[str, ...], ...]
    articles: tuple[str, ...] | None
    human: dict[str, np.ndarray]  # dimension -> (documents, systems)
    sha256: str


def load_human(path: Path) -> HumanData:
    """Read and check the file; every problem names the file and line."""
    from sumbench.downloads import sha256_file
    from sumbench.suites.checks import iter_jsonl

    rows = []
    for where, row in iter_jsonl(path):  # names the file and line of bad JSON
        if not isinstance(row.get("id"), str):
            raise InputError(where, "each line must be an object with a string 'id'")
        refs = row.get("references")
        if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
            raise InputError(where, f"document {row['id']!r}: 'references' must be a non-empty "
                             "list of strings")
        systems = row.get("systems")
        if not isinstance(systems, dict) or len(systems) < 2:
            raise InputError(where, f"document {row['id']!r}: 'systems' must map at least two "
                             "system names to {summary, human}")
        for name, entry in systems.items():
            if (not isinstance(entry, dict) or not isinstance(entry.get("summary"), str)
                    or not isinstance(entry.get("human"), dict)
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                               for v in entry["human"].values())):
                raise InputError(where, f"document {row['id']!r}, system {name!r}: needs "
                                 "'summary' (a string) and 'human' (dimension -> number)")
        rows.append((where, row))
    if len(rows) < 2:
        raise InputError(str(path), f"needs at least two documents; found {len(rows)}")
    first_where, first = rows[0]
    systems = tuple(sorted(first["systems"]))
    dimensions = tuple(sorted(next(iter(first["systems"].values()))["human"]))
    has_articles = all(isinstance(r.get("article"), str) for _, r in rows)
    seen: set[str] = set()
    for where, row in rows:
        if row["id"] in seen:
            raise InputError(where, f"duplicate id {row['id']!r}")
        seen.add(row["id"])
        if tuple(sorted(row["systems"])) != systems:
            raise InputError(where, f"document {row['id']!r} has systems "
                             f"{sorted(row['systems'])}, not the {list(systems)} of "
                             f"{first_where}: every document needs every system")
        for name in systems:
            if tuple(sorted(row["systems"][name]["human"])) != dimensions:
                raise InputError(where, f"document {row['id']!r}, system {name!r}: human "
                                 f"dimensions must be {list(dimensions)}")
    human = {dim: np.array([[float(r["systems"][s]["human"][dim]) for s in systems]
                            for _, r in rows]) for dim in dimensions}
    return HumanData(
        ids=tuple(r["id"] for _, r in rows), systems=systems, dimensions=dimensions,
        summaries=tuple(tuple(r["systems"][s]["summary"] for s in systems) for _, r in rows),
        references=tuple(tuple(r["references"]) for _, r in rows),
        articles=tuple(r["article"] for _, r in rows) if has_articles else None,
        human=human, sha256=sha256_file(path))


def metric_scores(data: HumanData, spec: Any, *, engine: str = "auto", seed: int = 0,
                  metrics: Sequence[Metric] | None = None) -> dict[str, np.ndarray]:
    """Each metric's (documents, systems) matrix: ROUGE types x statistics, then each
    diagnostic where articles are given (and ``metrics`` include them: None means ROUGE
    and the diagnostics), then each other metric's columns (``name`` or ``name.stat``)."""
    from sumbench import diagnostics, scoring

    n_docs, n_sys = len(data.ids), len(data.systems)
    flat_refs = [refs for refs in data.references for _ in data.systems]
    flat_preds = [s for row in data.summaries for s in row]
    per_summary = scoring.score_batch(references=flat_refs, predictions=flat_preds,
                                      spec=spec, engine=engine, seed=seed)  # type: ignore
    out: dict[str, np.ndarray] = {}
    for rouge_type in spec.rouge_types:
        for stat in defaults.STATISTICS:
            values = [getattr(s[rouge_type], stat) for s in per_summary]
            out[f"{rouge_type}.{stat}"] = np.array(values).reshape(n_docs, n_sys)
    names = [m.name for m in metrics] if metrics is not None else ["diagnostics"]
    if data.articles is not None and "diagnostics" in names:
        flat_articles = [a for a in data.articles for _ in data.systems]
        diagnosed = diagnostics.diagnose_all(
            flat_articles, flat_preds, [None] * len(flat_preds),
            [len(scoring.sentence_lines(p).split("\n")) if p.strip() else 0
             for p in flat_preds])
        for name in diagnostics.MEASURES:
            values = [d.measures[name] for d in diagnosed]
            out[name] = np.array([np.nan if v is None else float(v) for v in values]
                                 ).reshape(n_docs, n_sys)
    for metric in metrics or ():
        if metric.name not in BUILTIN:
            out.update(_other_metric(metric, data, flat_refs, flat_preds))
    return out


def _other_metric(metric: Metric, data: HumanData, references: list[tuple[str, ...]],
                  predictions: list[str]) -> dict[str, np.ndarray]:
    """A plugin's columns over every system's summaries, as (documents, systems)."""
    if "article" in metric.needs and data.articles is None:
        raise SettingError("metrics", f"names {metric.name}, which reads the article, and "
                           "the human-judged file has none")
    articles = [a for a in (data.articles or [""] * len(data.ids)) for _ in data.systems]
    ids = [f"{doc}/{system}" for doc in data.ids for system in data.systems]
    examples = [Example(i, a, tuple(r)) for i, a, r in zip(ids, articles, references,
                                                           strict=True)]
    per_summary = score_metric(metric, examples, predictions, articles)
    shape = (len(data.ids), len(data.systems))
    out = {}
    for column in metric.columns():
        for stat in column.statistics:
            label = column.name if len(column.statistics) == 1 else f"{column.name}.{stat}"
            values = [getattr(s[column.name], stat) for s in per_summary]
            out[label] = np.array([np.nan if v is None else v for v in values],
                                  dtype=float).reshape(shape)
    return out


# -- correlations over the last axis, vectorised --------------------------------------
def _pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    den = np.sqrt((xc * xc).sum(-1) * (yc * yc).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (xc * yc).sum(-1) / np.where(den > 0, den, 1), np.nan)


def _ranks(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    # ties get their average rank, as Spearman needs
    return rankdata(np.round(x, TIE_DECIMALS), axis=-1)


def _kendall_from_signs(sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    """tau-b from the signs of every pair: (P - Q) / sqrt(untied-in-x * untied-in-y)."""
    num = (sx * sy).sum(-1)
    den = np.sqrt(np.count_nonzero(sx, axis=-1).astype(float)
                  * np.count_nonzero(sy, axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


TIE_DECIMALS = 10  # means that agree to 10 decimals are ties, whatever the summation order


def _pair_signs(x: np.ndarray) -> np.ndarray:
    """sign(x_i - x_j) for every pair i < j of the last axis."""
    i, j = np.triu_indices(x.shape[-1], k=1)
    x = np.round(x, TIE_DECIMALS)
    return np.sign(x[..., i] - x[..., j])


def correlate(x: np.ndarray, y: np.ndarray, coefficient: str) -> np.ndarray:
    """The coefficient over the last axis; nan where either side is constant."""
    if coefficient == "pearson":
        return _pearson(x, y)
    if coefficient == "spearman":
        return _pearson(_ranks(x), _ranks(y))
    return _kendall_from_signs(_pair_signs(x), _pair_signs(y))


def level_value(x: np.ndarray, y: np.ndarray, level: str, coefficient: str) -> np.ndarray:
    """System or summary level for arrays shaped (..., documents, systems)."""
    if level == "system":
        return correlate(np.nanmean(x, axis=-2), y.mean(axis=-2), coefficient)
    per_doc = correlate(x, y, coefficient)
    with np.errstate(invalid="ignore"):
        return np.nanmean(np.where(np.isfinite(per_doc), per_doc, np.nan), axis=-1)


def _constant(row: np.ndarray) -> bool:
    finite = row[np.isfinite(row)]
    return finite.size < 2 or bool(np.all(finite == finite[0]))


@dataclass(frozen=True)
class Correlation:
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float | None]:
        return {k: (None if np.isnan(v) else round(float(v), 6))
                for k, v in (("value", self.value), ("low", self.low), ("high", self.high))}


def resample_documents_and_systems(n_docs: int, n_sys: int, how: str, n: int, seed: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(n, documents) and (n, systems) index arrays; identity where not resampled."""
    rng = np.random.default_rng(seed)
    docs = (rng.integers(0, n_docs, size=(n, n_docs)) if how in ("both", "documents")
            else np.tile(np.arange(n_docs), (n, 1)))
    systems = (rng.integers(0, n_sys, size=(n, n_sys)) if how in ("both", "systems")
               else np.tile(np.arange(n_sys), (n, 1)))
    return docs, systems


class _Prepared:
    """One side of a correlation for a stack of resamples shaped (k, documents, systems):
    what each coefficient needs at each level, computed once and reused against every
    human dimension (or every metric)."""

    def __init__(self, arr: np.ndarray) -> None:
        with np.errstate(invalid="ignore"), _quiet_nanmean():
            by_system = np.nanmean(arr, axis=-2)  # (k, systems)
        self.parts = {"system": self._parts(by_system), "summary": self._parts(arr)}

    @staticmethod
    def _parts(x: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        def centred(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            c = v - v.mean(axis=-1, keepdims=True)
            return c, np.sqrt((c * c).sum(-1))

        signs = _pair_signs(x)
        return {"pearson": centred(x), "spearman": centred(_ranks(x)),
                "kendall": (signs, np.sqrt(np.count_nonzero(signs, axis=-1).astype(float)))}


@contextlib.contextmanager
def _quiet_nanmean() -> Iterator[None]:
    """np.nanmean of an all-nan slice warns; here it means "undefined", which is fine."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _combine(x: _Prepared, y: _Prepared, level: str, coefficient: str) -> np.ndarray:
    a, an = x.parts[level][coefficient]
    b, bn = y.parts[level][coefficient]
    den = an * bn
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(den > 0, (a * b).sum(-1) / np.where(den > 0, den, 1), np.nan)
    if level == "system":
        return r
    with np.errstate(invalid="ignore"), _quiet_nanmean():
        return np.nanmean(r, axis=-1)


def correlation_rows(scores: dict[str, np.ndarray], human: dict[str, np.ndarray],
                     docs: np.ndarray, systems: np.ndarray, confidence: float
                     ) -> dict[tuple[str, str, str, str], Correlation]:
    """(metric, dimension, level, coefficient) -> the estimate on the data and its
    percentile bootstrap interval, computed a chunk of resamples at a time."""
    point = {name: _Prepared(arr[None]) for name, arr in scores.items()}
    point_h = {dim: _Prepared(arr[None]) for dim, arr in human.items()}
    samples: dict[tuple[str, str, str, str], list[np.ndarray]] = {}
    for start in range(0, len(docs), CHUNK):
        d = docs[start:start + CHUNK][:, :, None]
        s = systems[start:start + CHUNK][:, None, :]
        humans = {dim: _Prepared(arr[d, s]) for dim, arr in human.items()}
        for name, arr in scores.items():
            x = _Prepared(arr[d, s])
            for dim, y in humans.items():
                for level in LEVELS:
                    for coefficient in COEFFICIENTS:
                        samples.setdefault((name, dim, level, coefficient), []).append(
                            _combine(x, y, level, coefficient))
    tail = (1 - confidence) / 2 * 100
    out = {}
    for key, parts in samples.items():
        name, dim, level, coefficient = key
        value = float(_combine(point[name], point_h[dim], level, coefficient)[0])
        values = np.concatenate(parts)
        values = values[np.isfinite(values)]
        if values.size:
            low, high = np.percentile(values, [tail, 100 - tail])
            out[key] = Correlation(value, float(low), float(high))
        else:
            out[key] = Correlation(value, np.nan, np.nan)
    return out


def correlation_paired_test(a: np.ndarray, b: np.ndarray, human: np.ndarray, *, level: str,
                            coefficient: str = "kendall", permute: str = "both",
                            n_permutations: int = defaults.META_EVAL_RESAMPLES, seed: int = 0
                            ) -> dict[str, Any]:
    """Does metric A correlate better than B with the human scores? One-sided
    permutation test (Deutsch et al. 2021) on z-normalised scores."""
    def z(m: np.ndarray) -> np.ndarray:
        finite = m[np.isfinite(m)]
        sd = finite.std() or 1.0
        return (m - finite.mean()) / sd

    za, zb = z(a), z(b)
    observed = float(level_value(za, human, level, coefficient)
                     - level_value(zb, human, level, coefficient))
    rng = np.random.default_rng(seed)
    n_docs, n_sys = a.shape
    shape = {"documents": (n_docs, 1), "systems": (1, n_sys), "both": (n_docs, n_sys)}[permute]
    at_least = 0
    for start in range(0, n_permutations, CHUNK):
        k = min(CHUNK, n_permutations - start)
        swap = rng.random((k, *shape)) < 0.5
        pa, pb = np.where(swap, zb, za), np.where(swap, za, zb)
        diff = level_value(pa, human, level, coefficient) - level_value(pb, human, level,
                                                                        coefficient)
        at_least += int(np.sum(diff >= observed - 1e-12))
    return {"r_a": float(level_value(za, human, level, coefficient)),
            "r_b": float(level_value(zb, human, level, coefficient)),
            "delta": observed, "p_value": (at_least + 1) / (n_permutations + 1)}


@dataclass(frozen=True)
class MetaEvalOptions:
    resample: str = "both"
    n_resamples: int = defaults.META_EVAL_RESAMPLES
    seed: int = defaults.SEED
    confidence: float = defaults.CONFIDENCE
    paired: tuple[tuple[str, str], ...] = ()  # (A, B): does A correlate better than B?
    permute: str = "both"

    def __post_init__(self) -> None:
        check_choice("resample", self.resample, RESAMPLE)
        check_choice("permute", self.permute, PERMUTE)
        check_at_least("n_resamples", self.n_resamples, 10)


def meta_evaluate(data: HumanData, scores: dict[str, np.ndarray], options: MetaEvalOptions
                  ) -> tuple[tuple[CorrelationRow, ...], tuple[PairedTest, ...]]:
    """Every metric x dimension x level row, and the paired tests asked for."""
    for a, b in options.paired:
        for name in (a, b):
            if name not in scores:
                raise SettingError("paired", f"names {name!r}, which is not one of the "
                                   f"metrics: {', '.join(scores)}")
    n_docs, n_sys = len(data.ids), len(data.systems)
    docs, systems = resample_documents_and_systems(n_docs, n_sys, options.resample,
                                                   options.n_resamples, options.seed)
    table = correlation_rows(scores, data.human, docs, systems, options.confidence)
    rows = []
    for metric, x in scores.items():
        for dim in data.dimensions:
            y = data.human[dim]
            skipped = sum(_constant(x[d]) or _constant(y[d]) for d in range(n_docs))
            for level in LEVELS:
                found = {c: table[metric, dim, level, c] for c in COEFFICIENTS}
                rows.append(CorrelationRow(
                    metric, dim, level, **{c: Estimate.of(e.value, e.low, e.high)
                                           for c, e in found.items()},
                    n_systems=n_sys, n_documents=n_docs,
                    n_skipped=skipped if level == "summary" else 0))
    tests = []
    for a, b in options.paired:
        for dim in data.dimensions:
            for level in LEVELS:
                result = correlation_paired_test(scores[a], scores[b], data.human[dim], level=level,
                                     permute=options.permute,
                                     n_permutations=options.n_resamples, seed=options.seed)
                tests.append(PairedTest(a, b, dim, level, r_a=round(result["r_a"], 6),
                                        r_b=round(result["r_b"], 6),
                                        delta=round(result["delta"], 6),
                                        p_value=result["p_value"]))
    return tuple(rows), tuple(tests)


def system_means(data: HumanData, scores: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Each system's mean of every metric and dimension, for the record."""
    out = {}
    for k, name in enumerate(data.systems):
        out[name] = {**{m: round(float(np.nanmean(v[:, k])), 6) for m, v in scores.items()},
                     **{f"human.{d}": round(float(h[:, k].mean()), 6)
                        for d, h in data.human.items()}}
    return out

