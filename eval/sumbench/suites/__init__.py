"""Suites: find, read and validate the documents to evaluate.

``load_suite`` picks the reader: ``--data`` as JSONL (``jsonl.py``) or as a table, CSV,
JSON, parquet, a ``save_to_disk`` folder or a Hub dataset (``tables.py``), else the folder
suite (``folder.py``). Predictions made elsewhere are read by ``predictions.py``; the
checks all of them share live in ``checks.py``. Every error names the file (and line or
document) and says how to fix it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sumbench.errors import SettingError
from sumbench.records import Example
from sumbench.suites import tables
from sumbench.suites.checks import check_unique
from sumbench.suites.folder import load_folder_suite
from sumbench.suites.jsonl import load_jsonl


def load_suite(*, data: Path | None, references_dir: Path, limit: int | None = None,
               fields: Any = None) -> tuple[list[Example], Any]:
    """The suite the user named: ``data`` (JSONL, or a table) if given, else the folder
    suite at ``references_dir``; and the column mapping a table was read with (None
    otherwise). ``fields`` (rows.Fields) maps other column names."""
    used = None
    if data is not None and (fields is not None or tables.is_table(data)):
        examples, used = tables.load(data, fields)
    else:
        examples = load_jsonl(data) if data is not None else load_folder_suite(references_dir)
    check_unique(examples)
    if limit is not None:
        if limit < 1:
            raise SettingError("limit", f"must be at least 1; got {limit}")
        examples = examples[:limit]
    return examples, used
