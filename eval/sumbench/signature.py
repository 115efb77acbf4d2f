"""The reproducibility signature: one compact line of everything that decides a score,
printed with every results table, as sacrebleu prints one with every BLEU.

    sumbench:0.1.0|rouge:rouge-score-0.1.2|types:rouge1,rouge2,rougeL,rougeLsum|stem:porter|
    tok:default|split:pysbd-0.3|multiref:max|agg:mean+boot95%-2000-seed0|refs:3f2a9c1d04b7|
    diag:diag-v1

``compare`` reads the fields back: runs whose ROUGE implementation, types, stemmer,
tokenizer, splitter, multi-reference policy or references differ are not comparable.
The version, aggregation and seed are shown but do not change per-document scores.
``quant`` says how the model ran (int8 weights or not): comparing such runs is how the
quantization is measured, so it does not block ``compare``, which notes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any

# fields that decide per-document scores; two runs compare only if these match (the
# extra metrics are compared one by one, on the metrics both runs have: compare.py)
SCORE_FIELDS = ("rouge", "types", "stem", "tok", "split", "multiref", "refs")
OMITTED_WHEN_NONE = ("metrics",)


@dataclass(frozen=True)
class Signature:
    sumbench: str  # the version that computed the scores
    rouge: str  # implementation and version, e.g. rouge-score-0.1.2
    types: str  # ROUGE types, comma-separated
    stem: str  # porter or none; with --lang, the language's stemmer (e.g. xlsum-hindi)
    tok: str  # default or unicode; with --lang, xlsum-CODE (e.g. xlsum-zh)
    split: str  # Lsum's sentences: pysbd-0.3 (auto), newline, pysbd-0.3-always, pysbd-0.3-CODE
    multiref: str  # max or mean
    agg: str  # aggregate: exact mean + bootstrap level, resamples and seed
    refs: str  # the first 12 hex digits of the digest over document ids and references
    diag: str = "none"  # the diagnostics' definitions (diagnostics.VERSION); none before them
    quant: str = "none"  # the model's weights as run: int8 (--quantize) or none
    # metrics beyond ROUGE and the diagnostics, each by its own signature token; printed
    # only when there are some, so the signature of a ROUGE run reads as it always has
    metrics: str = "none"

    def __str__(self) -> str:
        return "|".join(f"{f.name}:{getattr(self, f.name)}" for f in fields(self)
                        if f.name not in OMITTED_WHEN_NONE or getattr(self, f.name) != "none")

    def metric_tokens(self) -> dict[str, str]:
        """Each extra metric's signature token, by the metric's name (its first part)."""
        if self.metrics == "none":
            return {}
        return {token.split("-", 1)[0]: token for token in self.metrics.split(",")}

    @classmethod
    def parse(cls, text: str) -> Signature:
        """The inverse of ``str``; ValueError names what is wrong."""
        values = {}
        for part in text.split("|"):
            key, sep, value = part.partition(":")
            if not sep:
                raise ValueError(f"signature field {part!r} has no ':'")
            values[key] = value
        required = [f.name for f in fields(cls) if f.default is MISSING]
        missing = [n for n in required if n not in values]
        if missing:
            raise ValueError(f"signature lacks {missing}")
        return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})

    def score_differences(self, other: Signature) -> dict[str, tuple[str, str]]:
        """The fields that decide scores and differ: (this run's, the other's)."""
        mine, theirs = asdict(self), asdict(other)
        return {k: (mine[k], theirs[k]) for k in SCORE_FIELDS if mine[k] != theirs[k]}


def short_splitter(splitter: str) -> str:
    """The recorded splitter's name and version, without its explanation."""
    return splitter.split(" ", 1)[0]


def split_label(rouge: Mapping[str, Any]) -> str:
    """The split mode as the signature names it. ``auto`` keeps the name runs had before
    the modes (the splitter's), so their signatures, and today's default, are unchanged."""
    from sumbench.text import SPLIT_LABELS

    mode = rouge.get("split", "auto")
    if mode == "auto":
        return short_splitter(str(rouge["splitter"]))
    return SPLIT_LABELS[mode]


def from_parts(*, rouge: Mapping[str, Any], confidence: float, n_resamples: int, seed: int,
               references_sha256: str, versions: Mapping[str, str],
               diagnostics_version: str = "none", quantize: str = "none",
               metric_tokens: Sequence[str] = ()) -> Signature:
    """The signature of a run's settings (``spec.RunSpec.signature`` gives them), so older
    run folders get one the same way new runs do."""
    implementation = f"rouge-score-{versions.get('rouge-score', '?')}"
    if rouge.get("implementation") == "rouge155":  # ROUGE-1.5.5 and its flags, no spaces
        implementation = "rouge155[" + ",".join(str(rouge["rouge155_flags"]).split()) + "]"
    for tool, version in (rouge.get("tools") or {}).items():  # --lang: what makes the tokens
        implementation += f"+{tool}-{version}"
    return Signature(
        sumbench=str(versions.get("sumbench", "?")),
        rouge=implementation,
        types=",".join(rouge["rouge_types"]),
        stem=str(rouge.get("stemmer") or ("porter" if rouge["use_stemmer"] else "none")),
        tok=str(rouge["tokenizer"]),
        split=split_label(rouge),
        multiref=str(rouge["multi_reference"]),
        agg=f"mean+boot{round(confidence * 100)}%-{n_resamples}-seed{seed}",
        refs=str(references_sha256)[:12],
        diag=str(diagnostics_version),
        quant=str(quantize),
        metrics=",".join(metric_tokens) or "none",
    )
