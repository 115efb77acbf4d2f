"""Text as the script reads it: lines as sentences, bytes, ASCII lowercasing, its tokens;
the lexicon of exceptions and stopwords."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sumbench.rouge155.flags import Flags
from sumbench.rouge155.stemmer import porter_stem

_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PERL_WS = "[ \t\n\r\f\x0b]"
_NOT_WORD = re.compile(r"[^A-Za-z0-9\-]")
_SPACES = re.compile(_PERL_WS + "+")
_STARTS_WORD = re.compile(r"^[a-z0-9$]")


def _bytes_text(text: str) -> str:
    """The script reads bytes: one character per byte (latin-1 maps them one to one)."""
    return text.encode("utf-8").decode("latin-1")


def sentences(text: str) -> list[str]:
    """Lines as the script's SPL reader keeps them: split at LF, zero-length skipped."""
    lines = _bytes_text(text).split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the text after the last newline, if empty, is no line
    return [line.translate(_LOWER) for line in lines if len(line) > 0]


def perl_split(text: str) -> list[str]:
    """Perl's split(/\\s+/): a leading empty field is kept, trailing ones dropped."""
    fields = _SPACES.split(text)
    while fields and fields[-1] == "":
        fields.pop()
    return fields


def _clean(text: str) -> str:
    text = text.replace("-", " - ")
    text = _NOT_WORD.sub(" ", text)
    return _SPACES.sub(" ", text.strip(" \t\n\r\f\x0b"))


def read_text(lines: Sequence[str], flags: Flags) -> str | None:
    """readText: the sentences joined (cut by -l/-b), then cleaned; None if empty."""
    if not flags.length_limit and not flags.byte_limit:
        joined: str | None = " ".join(lines)
    else:
        out, size = "", 0
        for s in lines:
            if flags.length_limit:
                tokens = perl_split(s)
                length, limit = len(tokens), flags.length_limit
            else:
                length, limit = len(s), flags.byte_limit
            if size + length < limit:
                out += f" {s}" if size != 0 else s
                size += length
            else:
                if size > 0:
                    out += " "
                out += (" ".join(tokens[:limit - size]) if flags.length_limit
                        else s[:limit - size])
                break
        joined = out if len(out) > 0 else None
    return None if joined is None else _clean(joined)


def read_text_lcs(lines: Sequence[str], flags: Flags) -> list[str]:
    """readText_LCS: the sentences kept apart (cut by -l/-b), each cleaned."""
    if not flags.length_limit and not flags.byte_limit:
        kept = list(lines)
    else:
        kept, size = [], 0
        for s in lines:
            if flags.length_limit:
                tokens = perl_split(s)
                if size + len(tokens) < flags.length_limit:
                    size += len(tokens)
                    kept.append(s)
                else:
                    kept.append(" ".join(tokens[:flags.length_limit - size]))
                    break
            else:  # the script never adds to its running size here
                if size + len(s) < flags.byte_limit:
                    kept.append(s)
                else:
                    kept.append(s[:flags.byte_limit - size])
                    break
    return [_clean(s) for s in kept]


class Lexicon:
    """The WordNet exceptions and stopwords the script reads, and the stem cache."""

    def __init__(self, exceptions: Mapping[str, str], stopwords: set[str]) -> None:
        self.exceptions = dict(exceptions)
        self.stopwords = stopwords
        self._stems: dict[str, str] = {}

    def morph_stem(self, token: str) -> str:
        found = self._stems.get(token)
        if found is None:
            low = token.translate(_LOWER)
            found = self.exceptions[low] if low in self.exceptions else porter_stem(low)
            self._stems[token] = found
        return found

    def tokens(self, text: str | None, flags: Flags) -> list[str]:
        """The tokens the script scores: stopwords out (-s), non-words out, -m stems."""
        if text is None:
            return []
        out = []
        for token in perl_split(text):
            if flags.stopwords and token in self.stopwords:
                continue
            if _STARTS_WORD.match(token):
                out.append(self.morph_stem(token) if flags.stem and len(token) > 3 else token)
        return out
