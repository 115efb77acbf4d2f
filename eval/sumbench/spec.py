"""What decides a run's results, as one typed, versioned value: ``RunSpec``.

results.json's ``spec`` is ``RunSpec.as_dict()``; the signature, ``merge``'s and
``compare``'s checks, reports and history read the typed fields, never the dict. Run
folders written before the spec had a version (``spec_version`` absent: version 1) read
back the same way: what is not a field of its own is the summarizer's description.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sumbench import defaults
from sumbench.defaults import BUILTIN_METRICS
from sumbench.signature import Signature, from_parts

SPEC_VERSION = 2  # 1: results.json before the spec was typed (no spec_version)


@dataclass(frozen=True)
class Aggregation:
    """How per-document scores become a run's: the exact mean and a seeded bootstrap."""

    n_resamples: int = defaults.N_RESAMPLES
    seed: int = defaults.SEED
    confidence: float = defaults.CONFIDENCE

    def as_dict(self) -> dict[str, Any]:
        return {"mean": "exact mean over documents",
                "interval": f"{round(self.confidence * 100)}% percentile bootstrap",
                "n_resamples": self.n_resamples, "seed": self.seed}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Aggregation:
        level = str(data.get("interval", "95%")).split("%", 1)[0]
        return cls(int(data["n_resamples"]), int(data["seed"]), float(level) / 100)


# results.json's spec keys, in the order they are written, by RunSpec field
_KEYS = {"data": "data", "references_sha256": "document_ids_and_references_sha256",
         "rouge": "rouge", "diagnostics": "diagnostics", "metrics": "metrics",
         "aggregation": "aggregation", "limit": "limit", "command": "command",
         "label": "label", "fields": "fields", "shard": "shard", "git_commit": "git_commit"}
_OPTIONAL = ("diagnostics", "label", "fields", "shard", "git_commit")  # absent when None


@dataclass(frozen=True)
class RunSpec:
    """Everything that decides a run's numbers, and where they came from.

    ``summarizer`` is what the summarizer describes of itself (its name, model, weights'
    sha256, generation settings...); ``rouge`` is ``RougeSpec.as_dict()``; ``metrics``
    maps each metric to its signature token, columns and settings (metrics/apply.py).
    """

    rouge: Mapping[str, Any]
    aggregation: Aggregation = field(default_factory=Aggregation)
    data: str = ""
    references_sha256: str = ""
    summarizer: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: Mapping[str, Any] | None = None
    metrics: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    limit: int | None = None
    command: tuple[str, ...] = ()
    label: str | None = None  # names the run in history and reports; decides no score
    fields: Mapping[str, Any] | None = None  # a table's columns, as read
    shard: Mapping[str, Any] | None = None  # shards.select's marker
    git_commit: str | None = None  # the evaluated project's commit
    version: int = SPEC_VERSION

    def as_dict(self) -> dict[str, Any]:
        """results.json's ``spec``."""
        out: dict[str, Any] = {"spec_version": self.version, "data": self.data,
                               "document_ids_and_references_sha256": self.references_sha256,
                               **self.summarizer}
        for name, key in _KEYS.items():
            if name in ("data", "references_sha256"):
                continue
            value = getattr(self, name)
            if name in _OPTIONAL and value is None:
                continue
            out[key] = (value.as_dict() if isinstance(value, Aggregation)
                        else list(value) if isinstance(value, tuple) else value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSpec:
        """The spec as results.json holds it, of any version; KeyError or TypeError when
        a field the signature needs is missing or malformed."""
        known = set(_KEYS.values()) | {"spec_version"}
        rouge = data["rouge"]
        if not isinstance(rouge, Mapping):
            raise TypeError("spec.rouge must be an object")
        return cls(
            rouge=dict(rouge), aggregation=Aggregation.from_dict(data["aggregation"]),
            data=str(data.get("data", "")),
            references_sha256=str(data.get("document_ids_and_references_sha256", "")),
            summarizer={k: v for k, v in data.items() if k not in known},
            diagnostics=data.get("diagnostics"), metrics=dict(data.get("metrics") or {}),
            limit=data.get("limit"), command=tuple(data.get("command") or ()),
            label=data.get("label"), fields=data.get("fields"), shard=data.get("shard"),
            git_commit=data.get("git_commit"), version=int(data.get("spec_version", 1)))

    # -- what the rest of the pipeline reads ------------------------------------------
    @property
    def summarizer_name(self) -> str:
        return str(self.summarizer.get("summarizer", "?"))

    @property
    def what_ran(self) -> str:
        """The model, the predictions file, or the summarizer's name."""
        return str(self.summarizer.get("model") or self.summarizer.get("predictions_file")
                   or self.summarizer_name)

    def signature(self, versions: Mapping[str, str]) -> Signature:
        """The one-line signature of what decides these scores."""
        return from_parts(
            rouge=self.rouge, confidence=self.aggregation.confidence,
            n_resamples=self.aggregation.n_resamples, seed=self.aggregation.seed,
            references_sha256=self.references_sha256, versions=versions,
            diagnostics_version=(self.diagnostics or {}).get("version", "none"),
            quantize=(self.summarizer.get("generation") or {}).get("quantize", "none"),
            metric_tokens=[entry["signature"] for name, entry in self.metrics.items()
                           if name not in BUILTIN_METRICS])

    def differences(self, other: RunSpec, ignore: tuple[str, ...] = ()
                    ) -> dict[str, tuple[Any, Any]]:
        """results.json keys whose values differ (this spec's, the other's), but for
        ``ignore`` and the version."""
        mine, theirs = self.as_dict(), other.as_dict()
        return {key: (mine.get(key), theirs.get(key))
                for key in sorted(set(mine) | set(theirs))
                if key not in (*ignore, "spec_version") and mine.get(key) != theirs.get(key)}

    def but(self, **changes: Any) -> RunSpec:
        """A copy with ``changes`` (``dataclasses.replace``)."""
        return replace(self, **changes)
