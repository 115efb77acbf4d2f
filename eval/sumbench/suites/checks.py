"""The checks every suite reader shares: UTF-8 text with LF line ends, safe unique ids,
references one sentence per line, and JSON lines that name their line when bad.

Every error names the file (and line or document) and says how to fix it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sumbench.errors import InputError
from sumbench.records import Example

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


def check_unique(examples: Sequence[Example]) -> None:
    seen: dict[str, str] = {}
    for ex in examples:
        if ex.id in seen:
            raise InputError(ex.source, f"duplicate document id {ex.id!r} (first seen at "
                             f"{seen[ex.id]})", "every document needs a unique id")
        seen[ex.id] = ex.source


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


def string_field(obj: dict[str, Any], name: str, where: str) -> str:
    if name not in obj:
        raise InputError(where, f"missing field {name!r}")
    value = obj[name]
    if not isinstance(value, str):
        raise InputError(where, f"field {name!r} must be a string, got {type(value).__name__}")
    return value


def few(ids: Sequence[str], shown: int = 5) -> str:
    text = ", ".join(repr(i) for i in ids[:shown])
    return text + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
