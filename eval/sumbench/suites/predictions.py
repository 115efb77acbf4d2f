"""Predictions made elsewhere: ``id``/``prediction`` JSON lines, one per document."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sumbench.errors import InputError, setting
from sumbench.suites.checks import check_id, few, iter_jsonl, normalize_newlines, string_field


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
        text = string_field(obj, "prediction", f"{where} (document {doc_id!r})")
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
        problems.append(f"{len(missing)} document(s) have no prediction: {few(missing)}")
    if unknown:
        problems.append(f"{len(unknown)} prediction(s) for unknown documents: {few(unknown)}")
    if problems:
        raise InputError(str(path), "; ".join(problems),
                         "every document needs exactly one prediction with a matching id "
                         f"(use {setting('limit')} on both sides consistently)")
    return predictions
