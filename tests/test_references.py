"""Loading suites: the good path, and every bad input gets a message naming where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sumbench.errors import InputError, SettingError
from sumbench.suites import load_suite
from sumbench.suites.folder import load_folder_suite
from sumbench.suites.jsonl import load_jsonl
from sumbench.suites.predictions import load_predictions

from .conftest import CNNDM, SUITE, SUMMEVAL


def test_bundled_suite_loads():
    [ex] = load_folder_suite(SUITE)
    assert ex.id == "russia-urges-de-escalation"
    assert len(ex.references) == 2
    assert [len(r.split("\n")) for r in ex.references] == [2, 4]  # one sentence per line


def test_shared_jsonl_files_load():
    assert len(load_jsonl(CNNDM)) == 100
    summeval = load_jsonl(SUMMEVAL)
    assert len(summeval) == 100 and all(len(e.references) == 11 for e in summeval)


def test_bom_and_crlf_are_normalised(tmp_path: Path):
    doc = tmp_path / "d1"
    doc.mkdir()
    (doc / "article.txt").write_bytes("\ufeffFirst line.\r\nSecond line.\r\n".encode())
    (doc / "reference-1.txt").write_bytes(b"\xef\xbb\xbfOne.\r\n\r\nTwo.\r\n")
    [ex] = load_folder_suite(tmp_path)
    assert ex.article == "First line.\nSecond line."
    assert ex.references == ("One.\nTwo.",)


def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return tmp_path


FOLDER_CASES = [
    ("missing article", {"d/reference-1.txt": b"x"}, "d: document 'd' has no article.txt"),
    ("empty article", {"d/article.txt": b"  \n", "d/reference-1.txt": b"x"},
     "article.txt: document 'd' has an empty article"),
    ("no reference", {"d/article.txt": b"text"}, "document 'd' has no reference summary"),
    ("empty reference", {"d/article.txt": b"text", "d/reference-1.txt": b"\n \n"},
     "reference-1.txt: document 'd' has an empty reference"),
    ("non-UTF-8", {"d/article.txt": b"caf\xe9", "d/reference-1.txt": b"x"},
     "article.txt: not valid UTF-8 at line 1 (byte 3"),
    ("no documents", {"README.md": b"hello"}, "no document folders found"),
]


@pytest.mark.parametrize(("case", "files", "message"), FOLDER_CASES,
                         ids=[c[0] for c in FOLDER_CASES])
def test_folder_suite_errors(tmp_path: Path, case: str, files: dict, message: str):
    root = _folder(tmp_path, files)
    with pytest.raises(InputError) as err:
        load_folder_suite(root)
    assert message in str(err.value)


def test_missing_folder(tmp_path: Path):
    with pytest.raises(InputError) as err:
        load_folder_suite(tmp_path / "nope")
    assert str(err.value) == (f"{tmp_path / 'nope'}: folder not found (pass `references` DIR "
                              "or `data` FILE.jsonl)")
    (tmp_path / "file.jsonl").write_text("{}\n")
    with pytest.raises(InputError) as err:
        load_folder_suite(tmp_path / "file.jsonl")
    assert str(err.value) == (f"{tmp_path / 'file.jsonl'}: is not a folder (use `data` for a "
                              "JSONL file)")


def test_an_unsafe_folder_name_is_named(tmp_path: Path):
    root = _folder(tmp_path, {" spaced /article.txt": b"text", " spaced /reference.txt": b"r"})
    with pytest.raises(InputError) as err:
        load_folder_suite(root)
    assert str(err.value).startswith(f"{root / ' spaced '}: document id ' spaced ' is not a")


def _jsonl(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps({"id": "a", "article": "Text.", "references": ["Ref."]})
JSONL_CASES = [
    ("malformed JSON", [GOOD, '{"id": "b", "article": '], "data.jsonl:2: not valid JSON"),
    ("not an object", ["[1, 2]"], "data.jsonl:1: expected a JSON object, got list"),
    ("missing id", ['{"article": "x", "references": ["y"]}'], "data.jsonl:1: missing field 'id'"),
    ("numeric id", ['{"id": 7, "article": "x", "references": ["y"]}'],
     "'id' must be a string, got int"),
    ("empty id", ['{"id": "", "article": "x", "references": ["y"]}'], "'id' is empty"),
    ("path id", ['{"id": "../x", "article": "x", "references": ["y"]}'],
     "document id '../x' is not a safe name"),
    ("absolute id", ['{"id": "/etc/passwd", "article": "x", "references": ["y"]}'],
     "is not a safe name"),
    ("NUL id", ['{"id": "a\\u0000b", "article": "x", "references": ["y"]}'],
     "is not a safe name"),
    ("dot-dot id", ['{"id": "..", "article": "x", "references": ["y"]}'], "is not a safe name"),
    ("article wrong type", ['{"id": "a", "article": 5, "references": ["y"]}'],
     "field 'article' must be a string, got int"),
    ("empty article", ['{"id": "a", "article": " ", "references": ["y"]}'],
     "(document 'a'): empty article"),
    ("references a string", ['{"id": "a", "article": "x", "references": "y"}'],
     "'references' must be a list of strings, got a string"),
    ("references missing", ['{"id": "a", "article": "x"}'], "missing field 'references'"),
    ("references empty", ['{"id": "a", "article": "x", "references": []}'],
     "'references' must be a non-empty list"),
    ("reference wrong type", ['{"id": "a", "article": "x", "references": ["y", 3]}'],
     "reference 2 must be a string, got int"),
    ("empty reference", ['{"id": "a", "article": "x", "references": ["y", "  "]}'],
     "reference 2 is empty"),
    ("duplicate id", [GOOD, GOOD], "data.jsonl:2: duplicate document id 'a' (first seen at "),
    ("no documents", ["", "  "], "no documents in file"),
]


@pytest.mark.parametrize(("case", "lines", "message"), JSONL_CASES,
                         ids=[c[0] for c in JSONL_CASES])
def test_jsonl_errors(tmp_path: Path, case: str, lines: list[str], message: str):
    path = _jsonl(tmp_path, lines)
    with pytest.raises(InputError) as err:
        load_suite(data=path, references_dir=tmp_path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_jsonl_non_utf8(tmp_path: Path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'{"id": "a", "article": "caf\xe9", "references": ["y"]}\n')
    with pytest.raises(InputError, match=r"data.jsonl: not valid UTF-8 at line 1 \(byte 27"):
        load_jsonl(path)


def test_extra_fields_ignored_and_limit(tmp_path: Path):
    rows = [json.dumps({"id": f"d{i}", "article": "x", "references": ["y"], "url": "u"})
            for i in range(5)]
    examples, _ = load_suite(data=_jsonl(tmp_path, rows), references_dir=tmp_path, limit=2)
    assert [e.id for e in examples] == ["d0", "d1"]
    with pytest.raises(SettingError, match="`limit` must be at least 1"):
        load_suite(data=_jsonl(tmp_path, rows), references_dir=tmp_path, limit=0)


PREDICTION_CASES = [
    ("missing", ['{"id": "a", "prediction": "x"}'], "1 document(s) have no prediction: 'b'"),
    ("unknown", ['{"id": "a", "prediction": "x"}', '{"id": "b", "prediction": "x"}',
                 '{"id": "zz", "prediction": "x"}'], "1 prediction(s) for unknown documents: 'zz'"),
    ("duplicate", ['{"id": "a", "prediction": "x"}', '{"id": "a", "prediction": "y"}'],
     "preds.jsonl:2: duplicate prediction for document 'a'"),
    ("null prediction", ['{"id": "a", "prediction": null}'],
     "field 'prediction' must be a string, got NoneType"),
    ("missing field", ['{"id": "a"}'], "preds.jsonl:1 (document 'a'): missing field 'prediction'"),
    ("not a string", ['{"id": "b", "prediction": 3}', '{"id": "a", "prediction": "x"}'],
     "preds.jsonl:1 (document 'b'): field 'prediction' must be a string, got int"),
]


@pytest.mark.parametrize(("case", "lines", "message"), PREDICTION_CASES,
                         ids=[c[0] for c in PREDICTION_CASES])
def test_prediction_errors(tmp_path: Path, case: str, lines: list[str], message: str):
    path = tmp_path / "preds.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_predictions(path, ["a", "b"])
    assert message in str(err.value)


def test_empty_prediction_is_allowed(tmp_path: Path):
    path = tmp_path / "preds.jsonl"
    path.write_text('{"id": "a", "prediction": ""}\n', encoding="utf-8")
    assert load_predictions(path, ["a"]) == {"a": ""}


def test_many_missing_predictions_are_listed_briefly(tmp_path: Path):
    path = tmp_path / "preds.jsonl"
    path.write_text('{"id": "a", "prediction": "x"}\n', encoding="utf-8")
    ids = ["a", *(f"d{i}" for i in range(7))]
    with pytest.raises(InputError) as err:
        load_predictions(path, ids)
    message = str(err.value)
    assert "7 document(s) have no prediction: 'd0', 'd1', 'd2', 'd3', 'd4' and 2 more" in message
    assert "(use `limit` on both sides consistently)" in message
    with pytest.raises(InputError) as err:
        load_predictions(path, ids[:6])
    assert "5 document(s) have no prediction: 'd0', 'd1', 'd2', 'd3', 'd4' (every" in str(
        err.value)


def test_a_duplicate_id_names_both_lines(tmp_path: Path):
    path = _jsonl(tmp_path, [GOOD, json.dumps({"id": "b", "article": "T.", "references": ["R."]}),
                             GOOD])
    with pytest.raises(InputError) as err:
        load_suite(data=path, references_dir=tmp_path)
    assert str(err.value).startswith(f"{path}:3: duplicate document id 'a' (first seen at "
                                     f"{path}:1)")


@pytest.mark.parametrize(("doc_id", "message"), [
    (7, "'id' must be a string, got int 7 (quote it: \"id\": \"7\")"),
    ("  ", "'id' is empty (give every document a unique non-empty id)"),
    (".", "document id '.' is not a safe name (ids may not contain '/', '\\', control "
          "characters or NUL, be '.' or '..', have surrounding spaces, or exceed 200"),
    ("..", "document id '..' is not a safe name"),
    ("a/b", "document id 'a/b' is not a safe name"),
])
def test_id_errors_say_how_to_fix_them(tmp_path: Path, doc_id, message: str):
    path = _jsonl(tmp_path, [json.dumps({"id": doc_id, "article": "T.", "references": ["R."]})])
    with pytest.raises(InputError) as err:
        load_jsonl(path)
    assert f"{path}:1: {message}" in str(err.value)


def test_blank_lines_between_documents_are_skipped(tmp_path: Path):
    second = json.dumps({"id": "b", "article": "T.", "references": ["R."]})
    path = _jsonl(tmp_path, [GOOD, "", "   ", second])
    assert [ex.id for ex in load_jsonl(path)] == ["a", "b"]
    bad = _jsonl(tmp_path, [GOOD, "{oops"])
    with pytest.raises(InputError) as err:
        load_jsonl(bad)
    assert str(err.value).endswith("(each line must be one JSON object)")
    refs = _jsonl(tmp_path, [json.dumps({"id": "a", "article": "T.", "references": []})])
    with pytest.raises(InputError) as err:
        load_jsonl(refs)
    assert str(err.value).endswith("'references' must be a non-empty list of strings")


def test_a_folder_where_a_file_belongs_is_named(tmp_path: Path):
    (tmp_path / "data.jsonl").mkdir()
    with pytest.raises(InputError) as err:
        load_jsonl(tmp_path / "data.jsonl")
    assert str(err.value) == f"{tmp_path / 'data.jsonl'}: is a folder, expected a file"
