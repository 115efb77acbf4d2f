"""A run folder written and read back: the same result, and clear errors when damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sumbench.errors import InputError
from sumbench.references import load_jsonl
from sumbench.run import evaluate
from sumbench.runio import read_run, write_run
from sumbench.scoring import RougeSpec
from sumbench.summarizers.baselines import LeadSummarizer

from .conftest import CNNDM


@pytest.fixture(scope="module")
def lead_run():
    return evaluate(load_jsonl(CNNDM)[:5], LeadSummarizer(2), RougeSpec(),
                    data_source="cnndm-dev.jsonl")


def test_round_trip_gives_the_same_result(lead_run, tmp_path: Path):
    write_run(tmp_path, lead_run)
    back = read_run(tmp_path)
    assert back.scores == lead_run.scores
    assert back.spec == json.loads(json.dumps(lead_run.spec))
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
