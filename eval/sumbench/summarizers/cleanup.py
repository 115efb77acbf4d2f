"""Strip the chat artefacts small instruct models add around a summary.

Rules (applied in order; ``raw_prediction`` in samples.jsonl keeps the original):
1. A leading line that only announces the summary is dropped: "Summary:", "Here is a
   summary of the article:", a markdown heading ("# ...") or a bold-only line ("**...**").
   A first line of at most 15 words that does not end a sentence (no final ".", "!",
   "?" or closing quote; a final ":" counts as a heading) is a title when more lines
   follow it, and is dropped too.
2. A leading "Summary:" / "TL;DR:" label on a line is removed, keeping the text after it.
3. List markers at the start of a line are removed: "-", "*", "•", "1.", "2)".
4. Markdown emphasis markers (``**``, ``__``) are removed.
5. Blank lines are dropped and each line is stripped.
"""

from __future__ import annotations

import re

CLEANUP_VERSION = "cleanup-v2"
MAX_TITLE_WORDS = 15

_ANNOUNCE = re.compile(
    r"^(?:#+\s.*|\*\*[^*]+\*\*:?|(?:here(?:'s| is)|below is)\b[^.\n]{0,80}\bsummar\w*\b[^.\n]*:"
    r"|(?:summary|tl;?dr|title|headline)\s*:?)$", re.IGNORECASE)
_LABEL = re.compile(r"^(?:summary|tl;?dr)\s*:\s*", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^(?:[-*•]|\d{1,2}[.)])\s+")
_EMPHASIS = re.compile(r"\*\*|__")


def clean_prediction(text: str) -> str:
    """Apply the rules above; returns "" for an output that was only artefacts."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    while lines and (_ANNOUNCE.match(lines[0]) or _is_title(lines)):
        lines.pop(0)
    cleaned = []
    for line in lines:
        line = _LABEL.sub("", line)
        line = _LIST_MARKER.sub("", line)
        line = _EMPHASIS.sub("", line).strip()
        if line:
            cleaned.append(line)
    return "\n".join(cleaned)


def _is_title(lines: list[str]) -> bool:
    first = lines[0]
    return (len(lines) > 1 and len(first.split()) <= MAX_TITLE_WORDS
            and not first.rstrip("*_ ").endswith((".", "!", "?", '"', "'", "”")))
