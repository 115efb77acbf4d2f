"""Find, read and validate documents: a folder suite, a JSONL file, or a predictions file.

Every error names the file (and line or document) and says how to fix it. Text is
normalised the same way everywhere: UTF-8 (a BOM is dropped), CRLF/CR become LF.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sumbench.errors import InputError, SettingError, setting
from sumbench.records import Example

ARTICLE_FILE = "article.txt"
REFERENCE_GLOB = "reference*.txt"
MAX_ID_LENGTH = 200
_UNSAFE_ID = re.compile(r"[\x00-\x1f\x7f/\\]")


def read_text(path: Path) -> str:
    """Read a UTF-8 file; drop a BOM and normalise line ends to LF."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a folder, expected a file") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise InputError(
            str(path),
            f"not valid UTF-8 at line {line} "
            f"(byte {err.start}: {data[err.start:err.start + 1]!r})",
            "re-save the file as UTF-8",
        ) from None
    return normalize_newlines(text)


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean_reference(text: str) -> str:
    """One sentence per line: strip each line and drop blank ones."""
    return "\n".join(line.strip() for line in normalize_newlines(text).split("\n") if line.strip())


def check_id(doc_id: Any, where: str) -> str:
    """Ids end up in reports and file names: refuse anything that could escape a folder."""
    if not isinstance(doc_id, str):
        raise InputError(where, f"'id' must be a string, got {type(doc_id).__name__} {doc_id!r}",
                         'quote it: "id": "' + str(doc_id) + '"')
    if not doc_id.strip():
        raise InputError(where, "'id' is empty", "give every document a unique non-empty id")
    if (_UNSAFE_ID.search(doc_id) or doc_id in (".", "..") or doc_id != doc_id.strip()
            or len(doc_id) > MAX_ID_LENGTH):
        raise InputError(
            where, f"document id {doc_id!r} is not a safe name",
            "ids may not contain '/', '\\', control characters or NUL, be '.' or '..', "
            f"have surrounding spaces, or exceed {MAX_ID_LENGTH} characters",
        )
    return doc_id


def _check_unique(examples: Sequence[Example]) -> None:
    seen: dict[str, str] = {}
    for ex in examples:
        if ex.id in seen:
            raise InputError(ex.source, f"duplicate document id {ex.id!r} (first seen at "
                             f"{seen[ex.id]})", "every document needs a unique id")
        seen[ex.id] = ex.source


def load_folder_suite(root: Path) -> list[Example]:
    """Read ``root/<doc-id>/article.txt`` and ``root/<doc-id>/reference*.txt``."""
    if not root.exists():
        raise InputError(str(root), "folder not found",
                         f"pass {setting('references')} DIR or {setting('data')} FILE.jsonl")
    if not root.is_dir():
        raise InputError(str(root), "is not a folder", f"use {setting('data')} for a JSONL file")
    doc_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not doc_dirs:
        raise InputError(str(root), "no document folders found",
                         f"add <doc-id>/{ARTICLE_FILE} and <doc-id>/reference-1.txt")
    examples = []
    for doc_dir in doc_dirs:
        where = str(doc_dir)
        doc_id = check_id(doc_dir.name, where)
        article_path = doc_dir / ARTICLE_FILE
        if not article_path.is_file():
            raise InputError(where, f"document {doc_id!r} has no {ARTICLE_FILE}",
                             "put the article text in that file")
        article = read_text(article_path).strip()
        if not article:
            raise InputError(str(article_path), f"document {doc_id!r} has an empty article")
        ref_paths = sorted(doc_dir.glob(REFERENCE_GLOB))
        if not ref_paths:
            raise InputError(where, f"document {doc_id!r} has no reference summary",
                             "add reference-1.txt with one sentence per line")
        references = []
        for ref_path in ref_paths:
            ref = clean_reference(read_text(ref_path))
            if not ref:
                raise InputError(str(ref_path), f"document {doc_id!r} has an empty reference",
                                 "write the summary in it or delete the file")
            references.append(ref)
        examples.append(Example(doc_id, article, tuple(references), where))
    return examples


def iter_jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``("file:line", object)`` for each non-blank line; bad JSON names its line."""
    text = read_text(path)
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(where, f"not valid JSON ({err.msg} at column {err.colno})",
                             "each line must be one JSON object") from None
        if not isinstance(obj, dict):
            raise InputError(where, f"expected a JSON object, got {type(obj).__name__}")
        yield where, obj


def _string_field(obj: dict[str, Any], name: str, where: str) -> str:
    if name not in obj:
        raise InputError(where, f"missing field {name!r}")
    value = obj[name]
    if not isinstance(value, str):
        raise InputError(where, f"field {name!r} must be a string, got {type(value).__name__}")
    return value


def load_jsonl(path: Path) -> list[Example]:
    """Read documents with ``id``, ``article`` and ``references`` (list of strings)."""
    if not path.exists():
        raise InputError(str(path), "file not found")
    examples = []
    for where, obj in iter_jsonl(path):
        doc_id = check_id(obj.get("id"), where) if "id" in obj else None
        if doc_id is None:
            raise InputError(where, "missing field 'id'")
        where_doc = f"{where} (document {doc_id!r})"
        article = normalize_newlines(_string_field(obj, "article", where_doc)).strip()
        if not article:
            raise InputError(where_doc, "empty article")
        refs = obj.get("references")
        if refs is None:
            raise InputError(where_doc, "missing field 'references'",
                             'add "references": ["one sentence per line"]')
        if isinstance(refs, str):
            raise InputError(where_doc, "'references' must be a list of strings, got a string",
                             "wrap it in a list: [\"...\"]")
        if not isinstance(refs, list) or not refs:
            raise InputError(where_doc, "'references' must be a non-empty list of strings")
        references = []
        for i, ref in enumerate(refs, start=1):
            if not isinstance(ref, str):
                raise InputError(where_doc, f"reference {i} must be a string, "
                                 f"got {type(ref).__name__}")
            cleaned = clean_reference(ref)
            if not cleaned:
                raise InputError(where_doc, f"reference {i} is empty")
            references.append(cleaned)
        examples.append(Example(doc_id, article, tuple(references), where))
    if not examples:
        raise InputError(str(path), "no documents in file")
    return examples


def load_examples(*, data: Path | None, references_dir: Path, limit: int | None = None,
                  fields: Any = None) -> list[Example]:
    """Load the suite the user named: ``--data`` (JSONL, or a table: tables.py) if given,
    else the folder suite. ``fields`` (tables.Fields) maps other column names."""
    return load_suite(data=data, references_dir=references_dir, limit=limit,
                      fields=fields)[0]


def load_suite(*, data: Path | None, references_dir: Path, limit: int | None = None,
               fields: Any = None) -> tuple[list[Example], Any]:
    """As load_examples, and the column mapping a table was read with (None otherwise)."""
    used = None
    if data is not None and (fields is not None or _is_table(data)):
        from sumbench import tables

        examples, used = tables.load(data, fields)
    else:
        examples = load_jsonl(data) if data is not None else load_folder_suite(references_dir)
    _check_unique(examples)
    if limit is not None:
        if limit < 1:
            raise SettingError("limit", f"must be at least 1; got {limit}")
        examples = examples[:limit]
    return examples, used


def _is_table(data: Path) -> bool:
    from sumbench import tables

    return tables.is_table(data)


def load_predictions(path: Path, expected_ids: Sequence[str]) -> dict[str, str]:
    """Read ``id``/``prediction`` lines; every expected id exactly once, nothing else."""
    if not path.exists():
        raise InputError(str(path), "predictions file not found")
    predictions: dict[str, str] = {}
    first_line: dict[str, str] = {}
    for where, obj in iter_jsonl(path):
        if "id" not in obj:
            raise InputError(where, "missing field 'id'")
        doc_id = check_id(obj["id"], where)
        text = _string_field(obj, "prediction", f"{where} (document {doc_id!r})")
        if doc_id in predictions:
            raise InputError(where, f"duplicate prediction for document {doc_id!r} "
                             f"(first at {first_line[doc_id]})", "keep one line per document")
        predictions[doc_id] = normalize_newlines(text)
        first_line[doc_id] = where
    expected = set(expected_ids)
    missing = [i for i in expected_ids if i not in predictions]
    unknown = [i for i in predictions if i not in expected]
    problems = []
    if missing:
        problems.append(f"{len(missing)} document(s) have no prediction: {_few(missing)}")
    if unknown:
        problems.append(f"{len(unknown)} prediction(s) for unknown documents: {_few(unknown)}")
    if problems:
        raise InputError(str(path), "; ".join(problems),
                         "every document needs exactly one prediction with a matching id "
                         f"(use {setting('limit')} on both sides consistently)")
    return predictions


def _few(ids: Sequence[str], shown: int = 5) -> str:
    text = ", ".join(repr(i) for i in ids[:shown])
    return text + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
