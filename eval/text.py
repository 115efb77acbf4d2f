"""Sentence splitting shared by ROUGE-Lsum and the lead-k baseline.

pysbd is rule-based and needs no data download (nltk's punkt would, and cannot offline).
Text that already has line breaks is taken as split into lines; each line is further
split by pysbd only where a caller asks for sentences (lead-k on paragraph text).
"""

from __future__ import annotations

import functools
from typing import Any

SPLITTER = "pysbd-0.3 (en, clean=False) where the text has no line breaks"


@functools.lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def segment(text: str) -> list[str]:
    """Split one paragraph into sentences with pysbd.

    ``Segmenter.segment`` maps each sentence back onto the text with a regex made from
    the sentence itself; thousands of those one-off patterns evict pysbd's own ~440
    compiled rules from Python's regex cache, so every call recompiled them. The same
    mapping with ``str.find`` gives identical output (tested against pysbd on every text
    in ../shared/data) and makes splitting 1.3x faster.
    """
    if not text:
        return []
    sentences = _segmenter().processor(text).process()
    return [s.strip() for s in _map_onto(sentences, text) if s.strip()]


def _map_onto(sentences: list[str], text: str) -> list[str]:
    """pysbd's sentences_with_char_spans without regexes: each sentence's first
    occurrence (with the whitespace after it) that ends past the previous one."""
    out, prior = [], 0
    for sentence in sentences:
        position = 0
        while True:
            start = text.find(sentence, position)
            if start < 0:
                break
            end = start + len(sentence)
            while end < len(text) and text[end].isspace():
                end += 1
            if end > prior:
                out.append(text[start:end])
                prior = end
                break
            position = end if end > start else start + 1
    return out


@functools.lru_cache(maxsize=65536)
def sentence_lines(text: str) -> str:
    """One sentence per line, as ROUGE-Lsum needs. Text with line breaks is kept as split.

    Memoised: a reference is scored against every system's output, and pysbd costs more
    than the ROUGE arithmetic itself.
    """
    text = text.strip()
    if not text:
        return ""
    if "\n" in text:
        return "\n".join(line.strip() for line in text.split("\n") if line.strip())
    return "\n".join(segment(text))


def split_sentences(text: str) -> list[str]:
    """Every sentence of a document: each non-blank line, split further by pysbd."""
    return [s for line in text.split("\n") if line.strip() for s in segment(line)]
