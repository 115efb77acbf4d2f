"""A JSONL suite: one document per line with ``id``, ``article`` and ``references``.

It is a table with the default fields, read with the JSONL rules (``rows.JSONL``: each
line carries its own string id and a list of references).
"""

from __future__ import annotations

from pathlib import Path

from sumbench.errors import InputError
from sumbench.records import Example
from sumbench.suites.checks import iter_jsonl
from sumbench.suites.rows import DEFAULT, JSONL, example_from_row


def load_jsonl(path: Path) -> list[Example]:
    """Read documents with ``id``, ``article`` and ``references`` (list of strings)."""
    if not path.exists():
        raise InputError(str(path), "file not found")
    examples = [example_from_row(where, obj, DEFAULT, JSONL) for where, obj in iter_jsonl(path)]
    if not examples:
        raise InputError(str(path), "no documents in file")
    return examples
