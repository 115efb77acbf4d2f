"""One validator for a suite's rows, whatever the file: a JSONL suite is a table with the
default fields (``id``, ``article``, ``references``), read with stricter rules.

``example_from_row`` turns one row (a dict) into an Example or raises an InputError that
names the row, the document and the field. ``JSONL`` and ``TABLE`` are the two sets of
rules: a JSONL line must carry its own string ``id`` and a list of references; a table's
ids may be numbers or made from the row number, and a reference cell may be one text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sumbench.errors import InputError
from sumbench.records import Example
from sumbench.suites.checks import check_id, clean_reference, normalize_newlines


@dataclass(frozen=True)
class Fields:
    """Which field (column) holds each part of a document."""

    article: str = "article"
    references: tuple[str, ...] = ("references",)
    id: str | None = None  # None: the "id" column if there is one, else a stable id
    # from the source's name and the row number

    def as_dict(self) -> dict[str, Any]:
        return {"article": self.article, "references": list(self.references), "id": self.id}


DEFAULT = Fields()


@dataclass(frozen=True)
class Rules:
    """What a format allows beyond the common checks."""

    noun: str  # what the format calls a field: "field" (JSON) or "column" (tables)
    id_required: bool  # else a stable id from the source's name and the row number
    numeric_ids: bool  # an integer id is read as its digits (CSV, parquet)
    references_as_list: bool  # the references must be a list, never one string
    fix: str  # how to fix a missing field


JSONL = Rules("field", id_required=True, numeric_ids=False, references_as_list=True,
              fix='each line holds "id", "article" and "references": ["..."]')
TABLE = Rules("column", id_required=False, numeric_ids=True, references_as_list=False,
              fix="name the columns with --article-field, --reference-field and --id-field")


def example_from_row(where: str, row: dict[str, Any], fields: Fields, rules: Rules, *,
                     source: str = "", index: int = 0) -> Example:
    """The row as an Example, every part checked; ``source`` and ``index`` make the id
    of a row without one (tables only)."""
    def missing(name: str) -> InputError:
        return InputError(where, f"missing {rules.noun} {name!r} ({rules.noun}s: "
                          f"{', '.join(map(str, row)) or 'none'})", rules.fix)

    doc_id = _document_id(where, row, fields, rules, missing, source, index)
    where_doc = f"{where} (document {doc_id!r})"
    if fields.article not in row:
        raise missing(fields.article)
    article = row[fields.article]
    if not isinstance(article, str):
        raise InputError(where_doc, f"{rules.noun} {fields.article!r} must be a string, got "
                         f"{type(article).__name__}")
    article = normalize_newlines(article).strip()
    if not article:
        raise InputError(where_doc, "empty article")
    references: list[str] = []
    for column in fields.references:
        if column not in row:
            raise missing(column)
        references += _references(where_doc, column, row[column], rules)
    if not references:
        raise InputError(where_doc, "no reference summary")
    return Example(doc_id, article, tuple(references), where)


def _document_id(where: str, row: dict[str, Any], fields: Fields, rules: Rules,
                 missing: Any, source: str, index: int) -> str:
    column = fields.id if fields.id is not None else ("id" if "id" in row else None)
    if column is None and not rules.id_required:
        return f"{re.sub(r'[^A-Za-z0-9_-]+', '-', source)}-{index + 1:06d}"
    if column is None or column not in row:
        raise missing(column or "id")
    value = row[column]
    if rules.numeric_ids and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return check_id(value, where)


def _references(where: str, column: str, cell: Any, rules: Rules) -> list[str]:
    """One field's references: a list of non-empty strings (or one string, in a table),
    each cleaned to one sentence per line."""
    name = f"{rules.noun} {column!r}"
    if rules.references_as_list:
        if isinstance(cell, str):
            raise InputError(where, f"{name} must be a list of strings, got a string",
                             'wrap it in a list: ["..."]')
        if not isinstance(cell, list) or not cell:
            raise InputError(where, f"{name} must be a non-empty list of strings")
    cells: Sequence[Any] = [cell] if isinstance(cell, str) else cell
    if not isinstance(cells, (list, tuple)):
        raise InputError(where, f"{name} must be a string or a list of strings, got "
                         f"{type(cell).__name__}")
    out = []
    for i, value in enumerate(cells, start=1):
        if not isinstance(value, str):
            raise InputError(where, f"{name}: reference {i} must be a string, got "
                             f"{type(value).__name__}")
        cleaned = clean_reference(value)
        if not cleaned:
            raise InputError(where, f"{name}: reference {i} is empty")
        out.append(cleaned)
    return out
