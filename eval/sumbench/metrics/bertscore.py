"""BERTScore (Zhang et al. 2020) on a local encoder, equal to bert-score 0.3.13.

Each token of the summary is matched to its most similar token of a reference (cosine of
contextual embeddings at one layer of the encoder) and the other way round; precision
and recall average those best similarities, weighted by idf when asked (weights 1
otherwise, 0 for the [CLS]/[SEP]-like special tokens), and F1 is their harmonic mean.
With several references, precision, recall and F1 are each the maximum over the
references, taken separately (bert-score's ``score``). An empty summary (only special
tokens once encoded) scores 0, as in bert-score, and is counted. A baseline file in
bert-score's format (``LAYER,P,R,F``; the row at the layer's position) rescales each
value as ``(x - b) / (1 - b)``, after the maximum over references.

Speed: every distinct text of the run (a reference shared by several summaries, a
summary repeated) is tokenized and encoded once, in batches of similar token lengths,
under ``torch.inference_mode``; each summary is matched against all its references in
one batched product.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sumbench.errors import SettingError, check_at_least, check_device
from sumbench.metrics.base import Column, DocumentValues, Metric
from sumbench.metrics.encoders import DEFAULT_ENCODER, WEIGHTS_SHA256, ResolvedEncoder

DEFAULT_LAYER = 5  # of all-MiniLM-L6-v2: best in SummEval's meta-evaluation (README)
STATISTICS = ("precision", "recall", "fmeasure")


@dataclass(frozen=True)
class BertScoreOptions:
    """BERTScore's own settings (``--bertscore-*``)."""

    bertscore_model: str | None = None  # folder or Hub id; None: all-MiniLM-L6-v2
    bertscore_layer: int | None = None  # None: DEFAULT_LAYER for MiniLM, else the last
    bertscore_idf: bool = False  # idf weights computed over the run's references
    bertscore_baseline: Path | None = None  # rescaling file in bert-score's format
    bertscore_device: str = "auto"  # where the encoder runs: auto is a CUDA GPU if any

    def __post_init__(self) -> None:
        check_at_least("bertscore_layer", self.bertscore_layer, 0)
        check_device("bertscore_device", self.bertscore_device)
        if self.bertscore_baseline is not None:
            path = Path(self.bertscore_baseline)
            object.__setattr__(self, "bertscore_baseline", path)
            if not path.is_file():
                raise SettingError("bertscore_baseline", f"{path}: no such file (give a "
                                   "baseline file in bert-score's format: LAYER,P,R,F)")


@dataclass(frozen=True)
class Setup:
    """The settings resolved: the encoder folder, its layer, and the baseline's values."""

    encoder: ResolvedEncoder
    layer: int
    device: str  # auto resolved: cpu, cuda, cuda:N or mps
    baseline: tuple[float, float, float] | None
    baseline_sha256: str | None


def read_baseline(path: Path, layer: int) -> tuple[float, float, float]:
    """P, R and F of the row at position ``layer`` (bert-score reads ``.iloc[layer]``)."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise SettingError("bertscore_baseline", f"{path}: cannot be read ({err})") from None
    if not rows or not {"P", "R", "F"} <= set(rows[0]):
        raise SettingError("bertscore_baseline", f"{path}: needs a header with P, R and F "
                           "(bert-score's format: LAYER,P,R,F, one row per layer)")
    if layer >= len(rows):
        raise SettingError("bertscore_baseline", f"{path}: has {len(rows)} rows, none for "
                           f"layer {layer}")
    try:
        values = tuple(float(rows[layer][k]) for k in ("P", "R", "F"))
    except (TypeError, ValueError):
        raise SettingError("bertscore_baseline", f"{path}: row {layer} is not three "
                           "numbers") from None
    if any(not math.isfinite(v) or v == 1.0 for v in values):
        raise SettingError("bertscore_baseline", f"{path}: row {layer} holds {values}; each "
                           "must be a finite number other than 1")
    return values  # type: ignore[return-value]


class BertScore(Metric):
    """``--metrics bertscore``: one column, ``bertscore``, with precision, recall, F1."""

    name = "bertscore"
    needs = frozenset({"prediction", "references"})
    Options: ClassVar[type] = BertScoreOptions

    def __init__(self, settings: BertScoreOptions | None = None) -> None:
        self.settings = settings or BertScoreOptions()
        self._setup: Setup | None = None
        self._encoder: Any = None
        self._counts: dict[str, Any] = {}
        self._timings: dict[str, Any] = {}
        self._idf_references: list[list[str]] | None = None  # the suite's, from prepare()
        self._idf_basis: dict[str, Any] = {}  # what the idf was computed over, for the spec

    @classmethod
    def from_options(cls, options: Any) -> BertScore:
        """With a run's options, the encoder is found and checked now, before any work
        (without: the defaults, resolved when first needed)."""
        if options is None:
            return cls()
        metric = cls(options.metric_settings(cls.name))
        metric.setup()
        return metric

    def setup(self) -> Setup:
        """Resolve (once) the encoder, the layer and the baseline; SettingError or
        ModelError naming the setting when one cannot be used."""
        if self._setup is None:
            from sumbench.downloads import sha256_file
            from sumbench.metrics.encoders import check_device_present, resolve_encoder
            from sumbench.models import resolve_device

            s = self.settings
            encoder = resolve_encoder(s.bertscore_model)
            layer = s.bertscore_layer
            if layer is None:
                default = encoder.weights_sha256 == WEIGHTS_SHA256  # also as a folder
                layer = DEFAULT_LAYER if default else encoder.n_layers
            if layer > encoder.n_layers:
                raise SettingError("bertscore_layer", f"is {layer}, but {encoder.name} has "
                                   f"{encoder.n_layers} layers: choose 0 to {encoder.n_layers}")
            baseline = sha = None
            if s.bertscore_baseline is not None:
                baseline = read_baseline(s.bertscore_baseline, layer)
                sha = sha256_file(s.bertscore_baseline)
            device = resolve_device(s.bertscore_device)
            check_device_present(device)
            self._setup = Setup(encoder, layer, device, baseline, sha)
        return self._setup

    def columns(self) -> tuple[Column, ...]:
        return (Column("bertscore", STATISTICS, "higher", self.name),)

    def signature(self) -> str:
        setup = self.setup()
        enc = setup.encoder
        label = (enc.name if enc.name == DEFAULT_ENCODER
                 else f"{re.sub(r'[^A-Za-z0-9._-]+', '_', Path(enc.name).name)}-"
                      f"{enc.weights_sha256[:8]}")
        idf = "yes" if self.settings.bertscore_idf else "no"
        token = f"{self.name}-{label}-L{setup.layer}-idf-{idf}"
        if setup.baseline_sha256:
            token += f"-rescaled-{setup.baseline_sha256[:8]}"
        return token

    def describe(self) -> dict[str, Any]:
        setup = self.setup()
        enc = setup.encoder
        return {"model": enc.name, "model_path": str(enc.path), "model_source": enc.source,
                "model_sha256": enc.weights_sha256, "layer": setup.layer,
                "idf": self.settings.bertscore_idf, **(self._idf_basis or {"idf_from": None}),
                "baseline": str(self.settings.bertscore_baseline)
                if self.settings.bertscore_baseline else None,
                "baseline_sha256": setup.baseline_sha256,
                "baseline_values": list(setup.baseline) if setup.baseline else None,
                "multi_reference": "max of precision, recall and F1, each separately",
                "truncation": "at the tokenizer's model_max_length, as bert-score",
                "reference": "bert-score 0.3.13"}

    def prepare(self, *, references: Sequence[Sequence[str]]) -> None:
        """With idf, keep the whole suite's references: a shard's idf is then the whole
        run's, and merged shards equal the unsharded run."""
        if self.settings.bertscore_idf:
            self._idf_references = [list(refs) for refs in references]
            self._idf_basis = idf_basis(self._idf_references, "the suite's references")

    def counts(self) -> dict[str, Any]:
        return dict(self._counts)

    def timings(self) -> dict[str, Any]:
        return dict(self._timings)

    def _load(self) -> Any:
        if self._encoder is None:
            from sumbench.metrics.encoders import Encoder

            setup = self.setup()
            self._encoder = Encoder(setup.encoder.path, setup.layer, setup.device)
        return self._encoder

    def score(self, *, predictions: Sequence[str], references: Sequence[Sequence[str]],
              articles: Sequence[str]) -> list[DocumentValues]:
        t0 = time.perf_counter()
        encoder = self._load()
        t1 = time.perf_counter()
        texts = list(dict.fromkeys([*predictions, *(r for refs in references for r in refs)]))
        index = {text: i for i, text in enumerate(texts)}
        encoded = [encoder.token_ids(text) for text in texts]
        ids = [e[0] for e in encoded]
        weights = self._weights(ids, index, encoder, references)
        t2 = time.perf_counter()
        vectors = encoder.embed(ids)
        t3 = time.perf_counter()
        rows = match_all(predictions, references, index, ids, vectors, weights,
                         self.setup().baseline)
        t4 = time.perf_counter()
        self._record(predictions, references, index, encoded, ids)
        self._timings = {"device": encoder.device, "kernel": encoder.kernel,
                         "load_s": round(t1 - t0, 3),
                         "tokenize_s": round(t2 - t1, 3), "encode_s": round(t3 - t2, 3),
                         "match_s": round(t4 - t3, 3), "n_texts": len(texts),
                         "n_tokens": sum(map(len, ids)), "n_padded_tokens": padded_tokens(ids)}
        return rows

    def _weights(self, ids: list[list[int]], index: dict[str, int], encoder: Any,
                 references: Sequence[Sequence[str]]) -> list[list[float]]:
        """Per distinct text, the weight of each token: idf over the suite's references
        (from ``prepare``; else the ones scored), every reference of every document,
        repeats included, as bert-score counts them; or 1, with 0 for special tokens."""
        if not self.settings.bertscore_idf:
            return [[0.0 if t in encoder.special else 1.0 for t in toks] for toks in ids]
        over = self._idf_references
        if over is None:
            over = [list(refs) for refs in references]
            self._idf_basis = idf_basis(over, "the scored references")
        n_refs = sum(len(refs) for refs in over)
        times = Counter(r for refs in over for r in refs)
        documents: Counter[int] = Counter()
        for text, k in times.items():  # a reference of another shard: tokenized here
            toks = ids[index[text]] if text in index else encoder.token_ids(text)[0]
            for token in set(toks):
                documents[token] += k
        unseen = math.log(n_refs + 1)
        idf = {t: math.log((n_refs + 1) / (c + 1)) for t, c in documents.items()}
        return [[idf.get(t, unseen) for t in toks] for toks in ids]

    def _record(self, predictions: Sequence[str], references: Sequence[Sequence[str]],
                index: dict[str, int], encoded: list[tuple[list[int], bool]],
                ids: list[list[int]]) -> None:
        """Counts: summaries that are empty once encoded, documents with a cut text."""
        names = list(self.document_ids) or [str(i) for i in range(len(predictions))]
        empty = [names[d] for d, p in enumerate(predictions) if len(ids[index[p]]) <= 2]
        cut = [names[d] for d, (p, refs) in enumerate(zip(predictions, references, strict=True))
               if any(encoded[index[t]][1] for t in (p, *refs))]
        self._counts = {"n_empty": len(empty), "empty_ids": empty,
                        "n_truncated": len(cut), "truncated_ids": cut}


def idf_basis(references: list[list[str]], source: str) -> dict[str, Any]:
    """What idf was computed over, for the spec: where from, how many references, and
    their digest (shards whose idf came from different references are not merged)."""
    digest = hashlib.sha256(json.dumps(references, ensure_ascii=False).encode()).hexdigest()
    return {"idf_from": source, "idf_references": sum(len(refs) for refs in references),
            "idf_references_sha256": digest}


def padded_tokens(ids: Sequence[Sequence[int]]) -> int:
    """Tokens the encoder is fed, padding included (``encoders.length_batches``)."""
    from sumbench.metrics.encoders import length_batches

    return sum(len(b) * max(len(ids[i]) for i in b)
               for b in length_batches([len(t) for t in ids]))


def match_all(predictions: Sequence[str], references: Sequence[Sequence[str]],
              index: dict[str, int], ids: list[list[int]], vectors: list[Any],
              weights: list[list[float]], baseline: tuple[float, float, float] | None
              ) -> list[DocumentValues]:
    """Greedy matching of each summary against each of its references; P, R and F1
    each the maximum over references, then rescaled by the baseline."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # products this small only lose time to thread hand-offs
    try:
        return _match(predictions, references, index, ids, vectors, weights, baseline)
    finally:
        torch.set_num_threads(threads)


def _match(predictions: Sequence[str], references: Sequence[Sequence[str]],
           index: dict[str, int], ids: list[list[int]], vectors: list[Any],
           weights: list[list[float]], baseline: tuple[float, float, float] | None
           ) -> list[DocumentValues]:
    import torch

    groups: dict[tuple[str, ...], References] = {}  # SummEval: 16 summaries share 11
    rows: list[DocumentValues] = []
    with torch.inference_mode():
        for prediction, refs in zip(predictions, references, strict=True):
            key = tuple(refs)
            if key not in groups:
                groups[key] = References([index[r] for r in key], ids, vectors, weights)
            c = index[prediction]
            if len(ids[c]) <= 2:  # only special tokens: bert-score's 0, with its warning
                best = [0.0, 0.0, 0.0]
            else:
                best = groups[key].best(vectors[c], torch.tensor(weights[c]))
            if baseline is not None:
                best = [(v - b) / (1 - b) for v, b in zip(best, baseline, strict=True)]
            rows.append({"bertscore": dict(zip(STATISTICS, best, strict=True))})
    return rows


class References:
    """A document's references, their token vectors end to end (no padding), which
    reference each token belongs to, and each token's share of its reference's weight."""

    def __init__(self, chosen: list[int], ids: list[list[int]], vectors: list[Any],
                 weights: list[list[float]]) -> None:
        import torch

        self.n = len(chosen)
        self.vectors = torch.cat([vectors[i] for i in chosen])
        self.owner = torch.cat([torch.full((len(ids[i]),), k, dtype=torch.long)
                                for k, i in enumerate(chosen)])
        shares = []
        for i in chosen:
            w = torch.tensor(weights[i])
            shares.append(w / w.sum())
        self.share = torch.cat(shares)
        self.empty = torch.tensor([len(ids[i]) <= 2 for i in chosen])

    def best(self, cand: Any, cand_weights: Any) -> list[float]:
        """P, R and F1 of one summary against each reference; the maximum of each."""
        import torch

        sim = cand @ self.vectors.T  # summary tokens x all reference tokens
        per_ref = torch.full((sim.shape[0], self.n), -math.inf).scatter_reduce(
            1, self.owner.expand(sim.shape[0], -1), sim, "amax")
        precision = (per_ref * (cand_weights / cand_weights.sum())[:, None]).sum(0)
        recall = torch.zeros(self.n).index_add(0, self.owner,
                                               sim.max(dim=0).values * self.share)
        f1 = 2 * precision * recall / (precision + recall)
        values = torch.stack((precision, recall, f1), dim=-1).nan_to_num(0.0)
        values[self.empty] = 0.0  # an empty reference scores 0, as in bert-score
        return [float(v) for v in values.max(dim=0).values]
