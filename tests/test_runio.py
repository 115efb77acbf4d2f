"""A run folder written and read back: the same result, and clear errors when damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sumbench.errors import InputError
from sumbench.run import evaluate_suite
from sumbench.runio import read_run, write_run
from sumbench.scoring import RougeSpec
from sumbench.spec import SPEC_VERSION, RunSpec
from sumbench.suites.jsonl import load_jsonl
from sumbench.summarizers.baselines import LeadSummarizer

from .conftest import CNNDM


@pytest.fixture(scope="module")
def lead_run():
    return evaluate_suite(load_jsonl(CNNDM)[:5], LeadSummarizer(2), RougeSpec(),
                    data_source="cnndm-dev.jsonl")


def test_round_trip_gives_the_same_result(lead_run, tmp_path: Path):
    write_run(tmp_path, lead_run)
    back = read_run(tmp_path)
    assert back.scores == lead_run.scores
    assert back.spec.as_dict() == json.loads(json.dumps(lead_run.spec.as_dict()))
    assert back.counts == lead_run.counts and back.warnings == lead_run.warnings
    assert back.timings == lead_run.timings and back.versions == lead_run.versions
    for got, want in zip(back.documents, lead_run.documents, strict=True):
        assert got.id == want.id and got.references == want.references
        assert got.scores == want.scores and got.scored_prediction == want.scored_prediction
        g, w = got.generation, want.generation
        assert (g.prediction, g.raw_prediction, g.input_tokens, g.output_tokens,
                g.truncated) == (w.prediction, w.raw_prediction, w.input_tokens,
                                 w.output_tokens, w.truncated)
    lines = (tmp_path / "samples.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [d.id for d in lead_run.documents]


@pytest.mark.parametrize(("damage", "message"), [
    (lambda d: (d / "results.json").unlink(), "not a run folder"),
    (lambda d: (d / "samples.jsonl").unlink(), "missing samples.jsonl"),
    (lambda d: (d / "results.json").write_text("{oops"), "results.json: not valid JSON"),
    (lambda d: (d / "samples.jsonl").write_text('{"id": "x"}\n'), "samples.jsonl:1: unreadable"),
    (lambda d: (d / "samples.jsonl").write_text("\n\n{bad\n"), "samples.jsonl:3: unreadable"),
])
def test_a_damaged_run_folder_is_named(lead_run, tmp_path: Path, damage, message: str):
    write_run(tmp_path, lead_run)
    damage(tmp_path)
    with pytest.raises(InputError, match=message):
        read_run(tmp_path)


def test_sample_fields_read_back_and_their_defaults(lead_run, tmp_path: Path):
    from dataclasses import replace

    from sumbench.records import Generation

    first = lead_run.documents[0]
    gen = Generation(first.id, "p", "raw p", input_tokens=120, output_tokens=7, truncated=True)
    write_run(tmp_path, replace(lead_run, documents=(replace(first, generation=gen),)))
    [doc] = read_run(tmp_path).documents
    assert (doc.generation.input_tokens, doc.generation.output_tokens,
            doc.generation.truncated) == (120, 7, True)
    row = json.loads((tmp_path / "samples.jsonl").read_text())
    for key in ("truncated", "output_tokens", "raw_prediction"):
        row.pop(key)
    (tmp_path / "samples.jsonl").write_text(json.dumps(row) + "\n")
    [doc] = read_run(tmp_path).documents  # older or hand-made files lack some fields
    assert doc.generation.truncated is False and doc.generation.output_tokens is None
    assert doc.generation.raw_prediction == ""


def _edit_results(run_dir: Path, change) -> None:
    path = run_dir / "results.json"
    results = json.loads(path.read_text())
    change(results)
    path.write_text(json.dumps(results))


def test_each_damage_is_named_with_its_file(lead_run, tmp_path: Path):
    write_run(tmp_path, lead_run)
    results = tmp_path / "results.json"
    results.write_bytes(b"\xff\xfe{}")
    with pytest.raises(InputError) as err:
        read_run(tmp_path)
    assert str(err.value) == f"{results}: not UTF-8 text"
    results.write_text("[1, 2]")
    with pytest.raises(InputError) as err:
        read_run(tmp_path)
    assert str(err.value) == f"{results}: not a results object (expected a JSON object)"
    write_run(tmp_path, lead_run)
    _edit_results(tmp_path, lambda r: r.update(warnings="oops"))
    with pytest.raises(InputError) as err:
        read_run(tmp_path)
    assert str(err.value) == f"{results}: 'warnings' must be a list"
    write_run(tmp_path, lead_run)
    _edit_results(tmp_path, lambda r: r["scores"]["rouge1"]["recall"].pop("low"))
    with pytest.raises(InputError) as err:
        read_run(tmp_path)
    assert str(err.value).endswith("each is TYPE -> STAT -> {mean, low, high}")
    (tmp_path / "results.json").unlink()
    with pytest.raises(InputError) as err:
        read_run(tmp_path)
    assert str(err.value).startswith(f"{tmp_path}: not a run folder (no results.json)")


def test_an_older_run_migrates_without_optional_fields(lead_run, tmp_path: Path):
    write_run(tmp_path, lead_run)

    def to_version_1(r: dict) -> None:
        for key in ("schema_version", "signature", "versions", "timings", "counts", "warnings"):
            r.pop(key)

    _edit_results(tmp_path, to_version_1)
    run = read_run(tmp_path)
    assert run.signature.startswith("sumbench:?|rouge:rouge-score-?|types:rouge1")
    assert run.versions == {} and run.timings == {} and run.warnings == ()

    def broken_version_1(r: dict) -> None:
        r["spec"].pop("aggregation")

    _edit_results(tmp_path, broken_version_1)
    with pytest.raises(InputError) as err:
        read_run(tmp_path)
    assert "spec lacks 'aggregation' needed to read this run" in str(err.value)


def test_the_spec_is_typed_and_versioned_and_older_specs_read_the_same(lead_run, tmp_path):
    """results.json's spec is RunSpec.as_dict(), with its version; a spec written before
    the version (1) reads back to the same fields, the signature built from them."""
    spec = lead_run.spec
    recorded = spec.as_dict()
    assert recorded["spec_version"] == SPEC_VERSION == 2
    assert list(recorded)[:4] == ["spec_version", "data", "document_ids_and_references_sha256",
                                  "summarizer"]
    assert recorded["summarizer"] == spec.summarizer_name == "lead"
    assert RunSpec.from_dict(json.loads(json.dumps(recorded))).as_dict() == recorded
    assert str(spec.signature(lead_run.versions)) == lead_run.signature

    write_run(tmp_path, lead_run)
    _edit_results(tmp_path, lambda r: r["spec"].pop("spec_version"))
    older = read_run(tmp_path).spec
    assert older.version == 1 and older.but(version=2) == RunSpec.from_dict(recorded)
    assert older.differences(spec) == {}  # the version alone is no difference
    assert spec.differences(spec.but(label="x")) == {"label": (None, "x")}


def test_a_run_folder_is_made_with_its_parents(lead_run, tmp_path: Path):
    write_run(tmp_path / "a" / "b" / "run", lead_run)
    assert read_run(tmp_path / "a" / "b" / "run").signature == lead_run.signature
