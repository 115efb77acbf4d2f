"""--data from tables: CSV, JSON, JSONL with other column names, parquet, a save_to_disk
folder and the Hub (up to its offline error); every check names the row."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sumbench.cli import app
from sumbench.errors import EXIT_BAD_INPUT

from .conftest import CNNDM, read_jsonl

runner = CliRunner()
ROWS = read_jsonl(CNNDM)[:5]


def sumbench(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def lead(data: object, out: Path, *extra: object) -> dict:
    code, output = sumbench("run", "--summarizer", "lead", "--data", data, "--out", out,
                            "--quiet", *extra)
    assert code == 0, output
    return json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory) -> dict:
    """The same five documents from the plain JSONL suite."""
    folder = tmp_path_factory.mktemp("tables")
    data = folder / "suite.jsonl"
    data.write_text("".join(json.dumps({k: r[k] for k in ("id", "article", "references")})
                            + "\n" for r in ROWS))
    return lead(data, folder / "run")


def _same_scores(got: dict, expected: dict) -> None:
    assert got["scores"] == expected["scores"]
    assert got["n_documents"] == expected["n_documents"] == 5


def test_csv_with_other_column_names_and_two_reference_columns(tmp_path, reference_run):
    path = tmp_path / "news.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["key", "body", "gold"])
        for r in ROWS:
            writer.writerow([r["id"], r["article"], r["references"][0]])
    got = lead(path, tmp_path / "run", "--article-field", "body", "--reference-field", "gold",
               "--id-field", "key")
    _same_scores(got, reference_run)
    assert got["spec"]["fields"] == {"article": "body", "references": ["gold"], "id": "key"}
    # two reference columns, no id column: ids from the file name and the row
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["body", "gold", "gold2"])
        for r in ROWS:
            writer.writerow([r["article"], r["references"][0], "A second reference."])
    lead(path, tmp_path / "two", "--article-field", "body", "--reference-field", "gold",
         "--reference-field", "gold2")
    samples = read_jsonl(tmp_path / "two" / "samples.jsonl")
    assert [s["id"] for s in samples] == [f"news-{i:06d}" for i in range(1, 6)]
    assert samples[0]["references"][1] == "A second reference."


def test_json_and_jsonl_with_the_xsum_preset(tmp_path, reference_run):
    renamed = [{"id": r["id"], "document": r["article"], "summary": r["references"][0]}
               for r in ROWS]
    path = tmp_path / "x.json"
    path.write_text(json.dumps(renamed))
    got = lead(path, tmp_path / "json")
    _same_scores(got, reference_run)
    assert got["spec"]["fields"]["article"] == "document"  # the XSum preset, found by columns
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in renamed))
    _same_scores(lead(jsonl, tmp_path / "jsonl", "--article-field", "document",
                      "--reference-field", "summary"), reference_run)


def test_parquet_and_save_to_disk(tmp_path, reference_run):
    datasets = pytest.importorskip("datasets")
    table = datasets.Dataset.from_list([{"id": r["id"], "article": r["article"],
                                         "highlights": r["references"][0]} for r in ROWS])
    table.to_parquet(str(tmp_path / "cnn.parquet"))
    got = lead(tmp_path / "cnn.parquet", tmp_path / "pq")
    _same_scores(got, reference_run)
    assert got["spec"]["fields"]["references"] == ["highlights"]  # the CNN/DM preset
    table.save_to_disk(str(tmp_path / "saved"))
    _same_scores(lead(tmp_path / "saved", tmp_path / "disk"), reference_run)
    splits = datasets.DatasetDict({"test": table, "train": table})
    splits.save_to_disk(str(tmp_path / "splits"))
    code, output = sumbench("run", "--summarizer", "lead", "--data", tmp_path / "splits",
                            "--out", tmp_path / "x")
    assert code == EXIT_BAD_INPUT and "holds several splits (test, train)" in output


def test_the_hub_offline_says_what_to_do(tmp_path):
    pytest.importorskip("datasets")
    code, output = sumbench("run", "--summarizer", "lead", "--data",
                            "hf:sumbench-test/no-such-dataset:test", "--out", tmp_path / "r")
    assert code == EXIT_BAD_INPUT
    assert "hf:sumbench-test/no-such-dataset:test: cannot load the dataset" in output
    assert "save_to_disk" in output
    code, output = sumbench("run", "--summarizer", "lead", "--data", "hf:only-a-name",
                            "--out", tmp_path / "r")
    assert code == EXIT_BAD_INPUT and "write hf:NAME:SPLIT or hf:NAME:CONFIG:SPLIT" in output


@pytest.mark.parametrize(("rows", "args", "message"), [
    ([{"body": "", "gold": "x"}], ["--article-field", "body", "--reference-field", "gold"],
     "t.csv:2 (document 't-000001'): empty article"),
    ([{"body": "text", "gold": "x"}], ["--article-field", "text"],
     "t.csv:2: missing column 'text' (columns: body, gold)"),
    ([{"body": "a", "gold": ""}], ["--article-field", "body", "--reference-field", "gold"],
     "column 'gold': reference 1 is empty"),
    ([{"id": "a", "body": "a", "gold": "g"}, {"id": "a", "body": "b", "gold": "g"}],
     ["--article-field", "body", "--reference-field", "gold"], "duplicate document id 'a'"),
    ([{"id": "a/b", "body": "a", "gold": "g"}],
     ["--article-field", "body", "--reference-field", "gold"], "t.csv:2"),
])
def test_bad_rows_are_named(tmp_path, rows, args, message):
    path = tmp_path / "t.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, output = sumbench("run", "--summarizer", "lead", "--data", path, "--out",
                            tmp_path / "r", *args)
    assert code == EXIT_BAD_INPUT and message in output, output


def test_field_names_need_data(tmp_path):
    code, output = sumbench("run", "--summarizer", "lead", "--article-field", "x", "--out",
                            tmp_path / "r")
    assert code == EXIT_BAD_INPUT and "are for --data" in output
