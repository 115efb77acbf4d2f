"""Suites from tables: CSV, JSON, JSONL with other column names, parquet, a
``save_to_disk`` folder, or a Hugging Face dataset by name (``hf:NAME[:CONFIG]:SPLIT``).

Columns are mapped with ``article_field``, ``reference_fields`` (one or more columns;
a cell may hold a string or a list of strings) and ``id_field`` (default: a stable id
from the file's name and the row number). Presets name the columns of the common
datasets (CNN/DailyMail: ``article``/``highlights``; XSum: ``document``/``summary``), used
for a Hub name that contains theirs, or for any table that has their columns and not
the default ones. Rows are checked by the same validator as the JSONL suite's
(``rows.py``), with the rules of tables, naming the row.

CSV, JSON and JSONL need nothing more; parquet, ``save_to_disk`` folders and the Hub go
through the ``datasets`` library (``pip install 'sumbench[datasets]'``) and its cache.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sumbench.errors import InputError, SettingError
from sumbench.records import Example
from sumbench.suites.checks import iter_jsonl
from sumbench.suites.rows import DEFAULT, TABLE, Fields, example_from_row

HUB_PREFIX = "hf:"


PRESETS = {
    "cnn_dailymail": Fields("article", ("highlights",)),
    "xsum": Fields("document", ("summary",)),
}


def is_table(data: Path | str) -> bool:
    """Whether ``--data`` needs this module (anything but the plain JSONL suite)."""
    text = str(data)
    return text.startswith(HUB_PREFIX) or Path(text).is_dir() or \
        Path(text).suffix.lower() in (".csv", ".json", ".parquet", ".tsv")


def load(data: Path | str, fields: Fields | None) -> tuple[list[Example], Fields]:
    """The suite's examples and the field mapping used (given, default or a preset)."""
    text = str(data)
    if text.startswith(HUB_PREFIX):
        name, rows = _hub(text)
    else:
        path = Path(text)
        if not path.exists():
            raise InputError(text, "file not found")
        name, rows = path.stem, _local(path)
    rows = list(rows)
    if not rows:
        raise InputError(text, "no rows")
    chosen = fields or _guess_fields(text, rows[0][1])
    return [example_from_row(where, row, chosen, TABLE, source=name, index=i)
            for i, (where, row) in enumerate(rows)], chosen


def _guess_fields(source: str, first: dict[str, Any]) -> Fields:
    for key, preset in PRESETS.items():
        if source.startswith(HUB_PREFIX) and key in source:
            return preset
    if DEFAULT.article in first and DEFAULT.references[0] in first:
        return DEFAULT
    for preset in PRESETS.values():
        if preset.article in first and all(r in first for r in preset.references):
            return preset
    return DEFAULT


def _local(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    suffix = path.suffix.lower()
    if path.is_dir():
        library = _datasets()
        dataset = library.load_from_disk(str(path))
        if isinstance(dataset, library.DatasetDict):
            raise InputError(str(path), f"holds several splits ({', '.join(dataset.keys())}); "
                             "pass the folder of one split")
        yield from ((f"{path} row {i + 1}", row) for i, row in enumerate(dataset))
    elif suffix in (".csv", ".tsv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t" if suffix == ".tsv" else ",")
            for row in reader:
                yield f"{path}:{reader.line_num}", row
    elif suffix == ".parquet":
        dataset = _datasets().load_dataset("parquet", data_files=str(path), split="train")
        yield from ((f"{path} row {i + 1}", row) for i, row in enumerate(dataset))
    elif suffix == ".json":
        try:
            value = json.loads(path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as err:
            raise InputError(str(path), f"not valid JSON ({err.msg} at line {err.lineno})",
                             "a .json file holds one list of objects; use .jsonl for one "
                             "object per line") from None
        if isinstance(value, dict) and isinstance(value.get("data"), list):
            value = value["data"]
        if not isinstance(value, list):
            raise InputError(str(path), "expected a JSON list of objects (or {\"data\": [...]})")
        for i, row in enumerate(value):
            if not isinstance(row, dict):
                raise InputError(f"{path} item {i + 1}", "expected a JSON object")
            yield f"{path} item {i + 1}", row
    else:
        yield from iter_jsonl(path)


def _hub(text: str) -> tuple[str, Iterator[tuple[str, dict[str, Any]]]]:
    parts = text[len(HUB_PREFIX):].split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise SettingError("data", f"cannot read {text!r}: write hf:NAME:SPLIT or "
                           "hf:NAME:CONFIG:SPLIT, e.g. hf:abisee/cnn_dailymail:3.0.0:test")
    name, config, split = (parts[0], None, parts[1]) if len(parts) == 2 else parts
    datasets = _datasets()
    try:
        dataset = datasets.load_dataset(name, config, split=split)
    except Exception as err:  # the library raises many kinds; all mean "not available"
        raise InputError(text, f"cannot load the dataset ({type(err).__name__}: "
                         f"{str(err).splitlines()[0][:200] if str(err) else ''})",
                         "it is not in the datasets cache and the Hub cannot be reached "
                         "(HF_HUB_OFFLINE=1?): load it once online, or save it with "
                         "save_to_disk and pass that folder to --data") from None
    label = re.sub(r"[^A-Za-z0-9_-]+", "-", f"{name.split('/')[-1]}-{split}")
    return label, ((f"{text} row {i + 1}", row) for i, row in enumerate(dataset))


def _datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise SettingError("data", "needs the datasets library for parquet, save_to_disk "
                           "folders and Hub datasets: pip install 'sumbench[datasets]'"
                           ) from None
    datasets.disable_progress_bars()
    return datasets
