"""Split a suite across machines (``--shard I/N``) and merge the run folders back.

A document belongs to shard ``1 + int(sha256(id)[:16], 16) mod N``: stable across
machines, Python versions and suite order, so every job agrees without talking. Each
shard records which suite positions it holds and a digest of the whole suite; ``merge``
refuses shards that differ in anything but the shard, overlap, or leave a document out,
then rebuilds the run exactly as an unsharded run writes it: the same samples.jsonl
byte for byte, and the same results.json but for timings and the command.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sumbench.errors import InputError, SettingError
from sumbench.records import Example, RunResult
from sumbench.signature import Signature

_SHARD = re.compile(r"^(\d+)/(\d+)$")
# spec entries a shard may hold differently from its siblings
PER_SHARD = ("shard", "command", "document_ids_and_references_sha256")


def parse_shard(text: str) -> tuple[int, int]:
    """"I/N" with 1 <= I <= N, as (I, N)."""
    match = _SHARD.match(text.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise SettingError("shard", f"must be I/N with 1 <= I <= N, e.g. 2/8; got {text!r}")
    return int(match.group(1)), int(match.group(2))


def shard_of(document_id: str, count: int) -> int:
    """The shard (1-based) a document id belongs to."""
    return 1 + int(hashlib.sha256(document_id.encode()).hexdigest()[:16], 16) % count


def select(examples: Sequence[Example], shard: str, suite_digest: str
           ) -> tuple[list[Example], dict[str, Any]]:
    """This shard's examples, in suite order, and the spec entry that marks the run."""
    index, count = parse_shard(shard)
    positions = [i for i, ex in enumerate(examples) if shard_of(ex.id, count) == index]
    if not positions:
        raise SettingError("shard", f"{shard} holds none of the suite's {len(examples)} "
                           "document(s): use fewer shards")
    marker = {"index": index, "count": count, "suite_documents": len(examples),
              "suite_sha256": suite_digest, "positions": positions}
    return [examples[i] for i in positions], marker


def merge(runs: Sequence[tuple[Path, RunResult]], argv: list[str]) -> RunResult:
    """One run from all shards of a suite; InputError names what does not fit."""
    from sumbench import results
    from sumbench.scoring import RougeSpec

    if not runs:
        raise InputError("merge", "no shard folders given")
    markers = []
    for path, result in runs:
        marker = result.spec.shard
        if not isinstance(marker, dict):
            raise InputError(str(path), "is not a shard (its run had no --shard I/N)")
        markers.append(marker)
    first = runs[0][1]
    count = markers[0]["count"]
    _check_same(runs, markers)
    seen: dict[int, Path] = {}
    for (path, _), marker in zip(runs, markers, strict=True):
        if marker["index"] in seen:
            raise InputError(str(path), f"is shard {marker['index']} of {count}, as is "
                             f"{seen[marker['index']]}: the shards overlap")
        seen[marker["index"]] = path
    missing = sorted(set(range(1, count + 1)) - set(seen))
    if missing:
        raise InputError("merge", f"shard(s) {', '.join(map(str, missing))} of {count} are "
                         f"missing (have {', '.join(map(str, sorted(seen)))})")

    by_position: dict[int, Any] = {}
    owner: dict[str, Path] = {}
    for (path, result), marker in zip(runs, markers, strict=True):
        if len(marker["positions"]) != len(result.documents):
            raise InputError(str(path), f"lists {len(marker['positions'])} positions for "
                             f"{len(result.documents)} documents")
        for position, document in zip(marker["positions"], result.documents, strict=True):
            if document.id in owner:
                raise InputError(str(path), f"document {document.id!r} is also in "
                                 f"{owner[document.id]}: the shards overlap")
            owner[document.id] = path
            by_position[position] = document
    total = markers[0]["suite_documents"]
    absent = [p for p in range(total) if p not in by_position]
    if absent or len(by_position) != total:
        raise InputError("merge", f"{len(absent)} of the suite's {total} documents are in no "
                         f"shard (suite positions {absent[:10]})")
    documents = tuple(by_position[p] for p in range(total))
    examples = [Example(d.id, "", d.references) for d in documents]
    digest = results.references_digest(examples)
    if digest != markers[0]["suite_sha256"]:
        raise InputError("merge", "the merged documents and references do not hash to the "
                         "suite the shards were cut from")

    spec = first.spec.but(shard=None, references_sha256=digest, command=tuple(argv))
    rouge = RougeSpec.from_dict(spec.rouge)
    seed = spec.aggregation.seed
    derived = results.tally(documents, rouge, seed)
    derived["counts"].update(_merged_metric_counts(runs))
    order = {d.id: i for i, d in enumerate(documents)}
    records = {name: sorted((r for _, run in runs for r in run.metric_records.get(name, [])),
                            key=lambda r: order.get(str(r.get("id")), len(order)))
               for name in dict.fromkeys(n for _, run in runs for n in run.metric_records)}
    return RunResult(spec=spec, versions=first.versions, documents=documents,
                     signature=str(spec.signature(first.versions)),
                     timings=_merged_timings(runs),
                     diagnostics=results.aggregate_diagnostics(documents, seed),
                     metric_records=records, **derived)


def _merged_metric_counts(runs: Sequence[tuple[Path, RunResult]]) -> dict[str, Any]:
    """The shards' metric counts as one: numbers add up, lists and tables join."""
    def join(a: Any, b: Any) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            return {k: join(a[k], b[k]) if k in a and k in b else a.get(k, b.get(k))
                    for k in dict.fromkeys([*a, *b])}
        if isinstance(a, list) and isinstance(b, list):
            return a + b
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a + b
        return a if a == b else [a, b]

    merged: dict[str, Any] = {}
    for _, run in runs:
        for key in ("metrics", "n_metric_failed", "metric_failed"):
            if key in run.counts:
                merged[key] = join(merged[key], run.counts[key]) if key in merged \
                    else run.counts[key]
    return merged


def _first_difference(key: str, values: tuple[Any, Any]) -> tuple[str, Any, Any]:
    """The dotted path to the first differing value inside two spec entries, e.g.
    ``metrics.bertscore.settings.idf_references``, and the two values there."""
    a, b = values
    absent = object()  # a key missing on one side differs even from a None on the other
    while isinstance(a, dict) and isinstance(b, dict):
        inner = next((k for k in sorted(set(a) | set(b), key=str)
                      if a.get(k, absent) != b.get(k, absent)), absent)
        if inner is absent:
            break
        key, a, b = f"{key}.{inner}", a.get(inner, "(absent)"), b.get(inner, "(absent)")
    return key, a, b


def _check_same(runs: Sequence[tuple[Path, RunResult]], markers: list[dict[str, Any]]) -> None:
    """Every shard was cut from the same suite with the same spec and scoring."""
    first_path, first = runs[0]
    base_sig = Signature.parse(first.signature)
    for (path, result), marker in zip(runs, markers, strict=True):
        for key in ("count", "suite_documents", "suite_sha256"):
            if marker[key] != markers[0][key]:
                raise InputError(str(path), f"was cut from another suite or shard count than "
                                 f"{first_path} (shard {key}: {marker[key]!r} vs "
                                 f"{markers[0][key]!r})")
        differ = result.spec.differences(first.spec, ignore=PER_SHARD)
        if differ:
            key, theirs, mine = _first_difference(*next(iter(differ.items())))
            raise InputError(str(path), f"has a different spec from {first_path} in {key!r}: "
                             f"{theirs!r} vs {mine!r}")
        sig = Signature.parse(result.signature)
        differs = {k: v for k, v in base_sig.score_differences(sig).items() if k != "refs"}
        if sig.sumbench != base_sig.sumbench:
            differs["sumbench"] = (base_sig.sumbench, sig.sumbench)
        if differs:
            key, (mine, theirs) = next(iter(differs.items()))
            raise InputError(str(path), f"was scored differently from {first_path}: {key} is "
                             f"{theirs!r} vs {mine!r}")


def _merged_timings(runs: Sequence[tuple[Path, RunResult]]) -> dict[str, Any]:
    def total(key: str) -> float:
        return round(sum(float(r.timings.get(key) or 0) for _, r in runs), 3)

    created = [str(r.timings["created_at"]) for _, r in runs if r.timings.get("created_at")]
    return {"merged_from": [str(p) for p, _ in runs],
            **({"created_at": max(created)} if created else {}),  # the last shard's
            "shard_generation_s": total("generation_s"), "shard_total_s": total("total_s"),
            "cache_hits": int(total("cache_hits"))}


def check_language(rouge: Mapping[str, Any], lang: str, first: Path) -> None:
    """``merge --lang``: the shards (which agree, ``_check_same``) were scored for it;
    ``rouge`` is the merged spec's ROUGE settings."""
    from sumbench.multilingual import canonical

    wanted, recorded = canonical(lang), rouge.get("lang")
    if recorded != wanted:
        scored = f"with --lang {recorded}" if recorded else "without --lang"
        raise InputError(str(first), f"was scored {scored}, not --lang {wanted}; merge takes "
                         "the shards' recorded settings: rerun them with --lang "
                         f"{wanted}, or merge without --lang")
