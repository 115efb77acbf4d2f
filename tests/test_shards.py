"""--shard I/N and `sumbench merge`: shards merged equal an unsharded run byte for byte;
shards that overlap, miss a piece or differ are refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sumbench.cli import app
from sumbench.errors import EXIT_BAD_INPUT
from sumbench.shards import parse_shard, shard_of

from .conftest import CNNDM, read_jsonl
from .openai_stub import StubServer

runner = CliRunner()


def sumbench(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def lead(out: Path, *extra: object) -> None:
    code, output = sumbench("run", "--summarizer", "lead", "--data", CNNDM, "--out", out,
                            "--quiet", *extra)
    assert code == 0, output


def without_run_details(results: dict) -> dict:
    """results.json less what may differ between runs of the same suite."""
    out = {k: v for k, v in results.items() if k != "timings"}
    out["spec"] = {k: v for k, v in results["spec"].items() if k != "command"}
    return out


@pytest.fixture(scope="module")
def lead_shards(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("shards")
    lead(root / "whole")
    shards = []
    for i in (1, 2, 3):
        lead(root / f"shard{i}", "--shard", f"{i}/3")
        shards.append(root / f"shard{i}")
    return root, shards


def test_three_shards_merged_equal_the_unsharded_run(lead_shards, tmp_path: Path):
    root, shards = lead_shards
    sizes = [len(read_jsonl(s / "samples.jsonl")) for s in shards]
    assert sum(sizes) == 100 and min(sizes) > 0
    code, output = sumbench("merge", *shards, "--out", tmp_path / "merged", "--report", "md")
    assert code == 0, output
    merged, whole = tmp_path / "merged", root / "whole"
    assert (merged / "samples.jsonl").read_bytes() == (whole / "samples.jsonl").read_bytes()
    got = json.loads((merged / "results.json").read_text())
    expected = json.loads((whole / "results.json").read_text())
    assert without_run_details(got) == without_run_details(expected)
    assert got["timings"]["merged_from"] == [str(s) for s in shards]
    assert got["timings"]["created_at"] == max(  # when the last shard was complete
        json.loads((s / "results.json").read_text())["timings"]["created_at"] for s in shards)
    assert (merged / "summary.md").is_file()
    # the merged run is an ordinary run: compare accepts it against the unsharded one
    code, output = sumbench("compare", whole, merged, "--out", tmp_path / "cmp")
    assert code == 0, output


def test_shard_order_on_the_command_line_does_not_matter(lead_shards, tmp_path: Path):
    root, shards = lead_shards
    code, output = sumbench("merge", *reversed(shards), "--out", tmp_path / "m")
    assert code == 0, output
    assert (tmp_path / "m" / "samples.jsonl").read_bytes() == \
        (root / "whole" / "samples.jsonl").read_bytes()


def test_overlapping_missing_and_foreign_shards_are_refused(lead_shards, tmp_path: Path):
    root, (one, two, three) = lead_shards
    code, output = sumbench("merge", one, two, one, three, "--out", tmp_path / "a")
    assert code == EXIT_BAD_INPUT and "is shard 1 of 3, as is" in output
    assert "overlap" in output
    code, output = sumbench("merge", one, three, "--out", tmp_path / "b")
    assert code == EXIT_BAD_INPUT and "shard(s) 2 of 3 are missing (have 1, 3)" in output
    code, output = sumbench("merge", one, two, three, root / "whole", "--out", tmp_path / "c")
    assert code == EXIT_BAD_INPUT and "is not a shard" in output
    lead(tmp_path / "other2", "--shard", "2/3", "--lead-sentences", "2")
    code, output = sumbench("merge", one, tmp_path / "other2", three, "--out", tmp_path / "d")
    assert code == EXIT_BAD_INPUT
    assert "has a different spec" in output and "'lead_sentences': 2 vs 3" in output
    lead(tmp_path / "unstemmed2", "--shard", "2/3", "--no-stemmer")
    code, output = sumbench("merge", one, tmp_path / "unstemmed2", three, "--out",
                            tmp_path / "e")
    assert code == EXIT_BAD_INPUT and "different spec" in output
    lead(tmp_path / "four", "--shard", "2/4")
    code, output = sumbench("merge", one, tmp_path / "four", three, "--out", tmp_path / "f")
    assert code == EXIT_BAD_INPUT and "shard count" in output
    assert not any((tmp_path / x).exists() for x in "abcdef")


def test_shards_of_a_served_model_merge_exactly(tmp_path: Path):
    rows = read_jsonl(CNNDM)[:12]
    data = tmp_path / "suite.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with StubServer() as server:
        def api(out: Path, *extra: str) -> None:
            code, output = sumbench("run", "--summarizer", "api", "--base-url", server.url,
                                    "--model", server.model, "--data", data, "--out", out,
                                    "--quiet", "--no-cache", *extra)
            assert code == 0, output

        api(tmp_path / "whole")
        for i in (1, 2):
            api(tmp_path / f"s{i}", "--shard", f"{i}/2")
    code, output = sumbench("merge", tmp_path / "s1", tmp_path / "s2", "--out", tmp_path / "m")
    assert code == 0, output
    assert (tmp_path / "m" / "samples.jsonl").read_bytes() == \
        (tmp_path / "whole" / "samples.jsonl").read_bytes()
    merged_log = read_jsonl(tmp_path / "m" / "requests.jsonl")
    assert [r["id"] for r in merged_log] == [r["id"] for r in rows]


def test_shard_assignment_is_a_stable_hash():
    # sha256("a") starts ca978112ca1bbdca: 0xca978112ca1bbdca mod 3 = 1, so shard 2 of 3
    assert shard_of("a", 3) == int("ca978112ca1bbdca", 16) % 3 + 1 == 2
    ids = [f"doc-{i}" for i in range(300)]
    counts = [sum(shard_of(i, 3) == k for i in ids) for k in (1, 2, 3)]
    assert sum(counts) == 300 and min(counts) > 70  # every id in exactly one, roughly even


@pytest.mark.parametrize("text", ["0/3", "4/3", "1", "a/b", "1/0", "-1/2"])
def test_malformed_shards_are_refused(text: str):
    from sumbench.errors import SettingError

    with pytest.raises(SettingError, match="must be I/N"):
        parse_shard(text)


def test_a_shard_with_no_documents_is_refused_clearly(tmp_path: Path):
    code, output = sumbench("run", "--summarizer", "lead", "--out", tmp_path / "r",
                            "--shard", "2/2")  # the bundled suite has one document
    assert code == EXIT_BAD_INPUT
    assert "shard 2/2 holds none of the suite's 1 document(s)" in output


def test_a_spec_difference_is_named_down_to_the_first_differing_key():
    from sumbench.shards import _first_difference

    a = {"bertscore": {"settings": {"idf_references": 5, "layer": 5, "x": None}}}
    b = {"bertscore": {"settings": {"idf_references": 3, "layer": 5}}}
    assert _first_difference("metrics", (a, b)) == (
        "metrics.bertscore.settings.idf_references", 5, 3)
    b["bertscore"]["settings"]["idf_references"] = 5
    assert _first_difference("metrics", (a, b)) == (
        "metrics.bertscore.settings.x", None, "(absent)")
    assert _first_difference("summarizer", ("lead", "hf")) == ("summarizer", "lead", "hf")
