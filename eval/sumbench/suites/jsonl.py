"""A JSONL suite: one document per line with ``id``, ``article`` and ``references``."""

from __future__ import annotations

from pathlib import Path

from sumbench.errors import InputError
from sumbench.records import Example
from sumbench.suites.checks import (
    check_id,
    clean_reference,
    iter_jsonl,
    normalize_newlines,
    string_field,
)


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
        article = normalize_newlines(string_field(obj, "article", where_doc)).strip()
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
