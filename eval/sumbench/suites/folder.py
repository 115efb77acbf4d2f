"""A folder suite: ``<doc-id>/article.txt`` and ``<doc-id>/reference*.txt`` per document."""

from __future__ import annotations

from pathlib import Path

from sumbench.errors import InputError, setting
from sumbench.records import Example
from sumbench.suites.checks import check_id, clean_reference, read_text

ARTICLE_FILE = "article.txt"
REFERENCE_GLOB = "reference*.txt"


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


