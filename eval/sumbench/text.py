"""Sentence splitting shared by ROUGE-Lsum and the lead-k baseline.

pysbd is rule-based and needs no data download (nltk's punkt would, and cannot offline).
ROUGE-Lsum's sentences come by one of three rules (``split``): ``auto`` takes the
lines of text that has line breaks and splits other text with pysbd; ``newline`` takes
each line as a sentence and never re-splits (rouge-score's own behaviour); ``pysbd``
splits every line further. Lead-k splits each line further by pysbd.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Executor

SPLITTER = "pysbd-0.3 (en, clean=False) where the text has no line breaks"
# how each --split mode is described in a run's spec, and named in its signature
SPLITTERS = {"auto": SPLITTER,
             "newline": "newline: each line a sentence, never re-split",
             "pysbd": "pysbd-0.3 (en, clean=False) on every line"}
SPLIT_LABELS = {"auto": "pysbd-0.3", "newline": "newline", "pysbd": "pysbd-0.3-always"}


@functools.lru_cache(maxsize=1)
def _processor() -> Any:
    """pysbd's English ``Processor`` with two passes skipped where they cannot act.

    pysbd runs a regex over the text for each of its 188 abbreviations that occurs
    anywhere in it ("a", "no", "is" almost always do), and one more substitution per
    hit; that is half its time. A hit can only change the text where the abbreviation
    starts a word and a period follows it, so ``_quick_abbreviation_search`` visits only
    those. Its list-item pass (a dozen regexes) runs only where ``_may_hold_list``. Same
    output as pysbd (tested on every text of the shared data and on generated
    abbreviation and list cases); with the str.find mapping, 4x faster than pysbd's
    ``segment()`` on SummEval's texts.
    """
    from pysbd.lang.english import English
    from pysbd.lists_item_replacer import ListItemReplacer
    from pysbd.processor import Processor
    from pysbd.utils import Text

    order = _abbreviation_order(English.Abbreviation.ABBREVIATIONS)
    numbered_list = re.compile(ListItemReplacer.NUMBERED_LIST_REGEX_1)

    class QuickAbbreviations(English.AbbreviationReplacer):  # type: ignore[name-defined,misc]
        def search_for_abbreviations_in_string(self, text: str) -> str:
            return _quick_abbreviation_search(self, text, order)

    class QuickProcessor(Processor):  # type: ignore[misc]
        def abbreviations_replacer(self) -> Any:
            return QuickAbbreviations(self.text, self.lang)

        def process(self) -> Any:
            """pysbd's ``Processor.process``, line for line, but the list-item pass
            runs only where the text may hold a list (``_may_hold_list``)."""
            if not self.text:
                return self.text
            self.text = self.text.replace("\n", "\r")
            if _may_hold_list(self.text, numbered_list):
                self.text = ListItemReplacer(self.text).add_line_break()
            self.replace_abbreviations()
            self.replace_numbers()
            self.replace_continuous_punctuation()
            self.replace_periods_before_numeric_references()
            self.text = Text(self.text).apply(
                self.lang.Abbreviation.WithMultiplePeriodsAndEmailRule,
                self.lang.GeoLocationRule, self.lang.FileFormatRule)
            return self.split_into_segments()

    return functools.partial(QuickProcessor, lang=English)


# pysbd's ALPHABETICAL_LIST_WITH_PERIODS, its three alternatives (^, \A, \s before) as one
_LETTER_ITEM = re.compile(r"(?:^|(?<=\s))[a-z](?=\.)")
_NUMBER_ITEM_HINT = re.compile(r"\d\.[\s)]")  # what every NUMBERED_LIST_REGEX_1 match needs


def _may_hold_list(text: str, numbered_list: re.Pattern[str]) -> bool:
    """False only where pysbd's ``ListItemReplacer.add_line_break`` cannot change the
    text. Each of its passes needs one of these: a single letter at a word start before
    a period (lettered and roman lists with periods), a ")" (every list with parens), a
    1-2 digit number at a word start (or after a dash) before ". " or ".)" (numbered
    lists; pysbd's own regex, tried only where a digit, a period and a space or ")"
    follow each other), or one of its marker characters already in the text."""
    return bool(")" in text or "\u2668" in text or "\u261d" in text
                or _LETTER_ITEM.search(text)
                or (_NUMBER_ITEM_HINT.search(text)
                    and numbered_list.search(text)))


_WHITESPACE = re.compile(r"\s")  # what the regex \s in pysbd's patterns matches
_WORD_BEFORE_PERIOD = re.compile(r" ([^ .]+)\.")


AbbreviationOrder = tuple[list[tuple[int, str]], dict[str, list[int]]]


def _abbreviation_order(abbreviations: Sequence[str]) -> AbbreviationOrder:
    """pysbd's abbreviations, stripped: those with a period inside with their place in
    the list, and each of the others with its place(s). Built once, in ``_processor``."""
    dotted, plain = [], {}
    for place, abbr in enumerate(abbreviations):
        stripped = abbr.strip()
        if "." in stripped:
            dotted.append((place, stripped))
        else:
            plain.setdefault(stripped, []).append(place)
    return dotted, plain


def _quick_abbreviation_search(replacer: Any, text: str, order: AbbreviationOrder) -> str:
    r"""pysbd's ``search_for_abbreviations_in_string``, visiting only the abbreviations
    whose loop body can change the text, in pysbd's order.

    pysbd's loop body does something only if ``(?:^|\s)ABBR`` matches (case-insensitive)
    and one of its follow-up substitutions finds ``\sABBR.`` (case-sensitive, on the
    matched spelling). Both need the lower-cased abbreviation at a word start with a
    period right after it: the words found by one regex over the lowered text, with
    whitespace turned to spaces. Not used, so pysbd's own loop runs, where lowering
    changes the length or where a character matches ASCII letters case-insensitively
    without lowering to them (dotless i, long s). Abbreviations with a period inside,
    which pysbd puts into its regex unescaped (a wildcard), keep pysbd's own test.
    """
    lowered = text.lower()
    original = super(type(replacer), replacer).search_for_abbreviations_in_string
    if len(lowered) != len(text) or "\u0131" in text or "\u017f" in text:
        return original(text)
    dotted, plain = order
    words = set(_WORD_BEFORE_PERIOD.findall(" " + _WHITESPACE.sub(" ", lowered)))
    visit = [(place, stripped) for place, stripped in dotted if stripped in lowered]
    visit += [(place, word) for word in words for place in plain.get(word, ())]
    for _place, stripped in sorted(visit):
        # from here on, pysbd's loop body unchanged
        abbrev_match = re.findall(rf"(?:^|\s|\r|\n){stripped}", text,
                                  flags=re.IGNORECASE)
        if not abbrev_match:
            continue
        next_word_start = r"(?<={" + str(re.escape(stripped)) + "} ).{1}"
        char_array = re.findall(next_word_start, text)
        for ind, match in enumerate(abbrev_match):
            text = replacer.scan_for_replacements(text, match, ind, char_array)
    return text


# Characters pysbd writes into the text as placeholders while it works (every non-ASCII
# character its English rules substitute in, read from pysbd 0.3.4's source). A text that
# already holds one comes back altered ("☝" is deleted, "♭" becomes ":", "∯" a period),
# its sentence is then not found in the text, and pysbd drops it: common emoji hold "☝".
PLACEHOLDERS = frozenset("∯∮ȸȹ☉☈☇☄♨☝✂⌬ᓰᓱᓳᓴᓷᓸ⎋♬♭☏ƪ♟♝")
_MASK = "\ue000"  # a private-use character, one for one: positions stay the same
_PLACEHOLDER = re.compile("[" + "".join(sorted(PLACEHOLDERS)) + "]")

# How a text was split, when not by pysbd on the text as it is (``split_note``).
MASKED = "masked"  # pysbd's placeholder characters masked, then cut at the same places
UNSPLIT = "unsplit"  # no split kept every character: the text is one sentence
_NOTES: dict[str, str] = {}  # text -> MASKED or UNSPLIT, for the texts that needed it


def segment(text: str) -> list[str]:
    """Split one paragraph into sentences with pysbd, never losing a character.

    Lossless by construction and by check: the sentences' non-space characters must
    equal the text's. Where a text holds one of pysbd's placeholder characters, pysbd
    splits a copy with them masked and the text is cut at the same places; where a
    split still loses anything, the text stays one sentence. Either case is recorded
    (``split_note``) so a run can name the documents.

    ``Segmenter.segment`` maps each sentence back onto the text with a regex made from
    the sentence itself; thousands of those one-off patterns evict pysbd's own ~440
    compiled rules from Python's regex cache, so every call recompiled them. The same
    mapping with ``str.find`` gives identical output (tested against pysbd on every text
    in ../shared/data) and makes splitting 1.3x faster.
    """
    if not text:
        return []
    # pysbd splits a copy with its placeholder characters masked one for one (the text
    # itself where it holds none), and the text is cut where the copy was
    masked = _PLACEHOLDER.sub(_MASK, text) if _PLACEHOLDER.search(text) else text
    note = MASKED if masked is not text else None
    spans = _spans(_processor()(masked).process(), masked)
    sentences = [text[start:end].strip() for start, end in spans if text[start:end].strip()]
    if not _keeps_every_character(text, sentences):
        sentences, note = ([text.strip()] if text.strip() else []), UNSPLIT
    if note is not None:
        if len(_NOTES) >= _LINES_MAX:
            _NOTES.clear()
        _NOTES[text] = note
    return sentences


def _keeps_every_character(text: str, sentences: Sequence[str]) -> bool:
    """The sentences, joined, hold exactly the text's non-space characters in order."""
    return "".join(text.split()) == "".join("".join(s.split()) for s in sentences)


def split_note(text: str, split: str = "auto") -> str | None:
    """``MASKED`` or ``UNSPLIT`` where splitting ``text`` for sentences needed it, else None.

    A text is split by pysbd only without line breaks (``auto``) or line by line
    (``pysbd``); one without placeholder characters is split as it is, unless the check
    found a loss in this process (then it is in the memo)."""
    if split == "newline":
        return None
    if split == "pysbd":
        notes = {split_note(line) for line in text.split("\n")} - {None}
        return UNSPLIT if UNSPLIT in notes else (notes.pop() if notes else None)
    text = text.strip()
    if not text or "\n" in text:
        return None
    if text not in _NOTES and _PLACEHOLDER.search(text):
        segment(text)
    return _NOTES.get(text)


def _spans(sentences: list[str], text: str) -> list[tuple[int, int]]:
    """pysbd's sentences_with_char_spans without regexes: each sentence's first
    occurrence (with the whitespace after it) that ends past the previous one, as
    (start, end) offsets into ``text``."""
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
                out.append((start, end))
                prior = end
                break
            position = end if end > start else start + 1
    return out


_LINES: dict[str, str] = {}  # sentence_lines' memo, also filled by sentence_lines_many
_LINES_MAX = 65536
CHUNK = 64  # texts per piece of work handed to a helper process


def sentence_lines(text: str, split: str = "auto") -> str:
    """One sentence per line, as ROUGE-Lsum needs, by the ``split`` rule: ``auto`` keeps
    text with line breaks as split and splits other text with pysbd; ``newline`` never
    re-splits; ``pysbd`` splits each line.

    Memoised: a reference is scored against every system's output, and pysbd costs more
    than the ROUGE arithmetic itself.
    """
    if split == "newline":
        return _lines(text)
    if split == "pysbd":
        return "\n".join(sentence_lines(line) for line in _lines(text).split("\n") if line)
    lines = _LINES.get(text)
    if lines is None:
        lines = _remember(text, _split_into_lines(text))
    return lines


def _lines(text: str) -> str:
    """The text's non-blank lines, stripped: rouge-score's own sentences for Lsum."""
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _remember(text: str, lines: str) -> str:
    if len(_LINES) >= _LINES_MAX:
        _LINES.clear()
    _LINES[text] = lines
    return lines


def _split_into_lines(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    if "\n" in text:
        return _lines(text)
    return "\n".join(segment(text))


def _split_chunk(texts: list[str]) -> list[tuple[str, str | None]]:
    """Run in a helper process: each text's lines, and its ``split_note``."""
    return [(_split_into_lines(t), _NOTES.get(t.strip())) for t in texts]


def _remember_chunk(texts: list[str], results: list[tuple[str, str | None]]) -> None:
    for text, (lines, note) in zip(texts, results, strict=True):
        _remember(text, lines)
        if note is not None:
            _NOTES[text.strip()] = note


def sentence_lines_many(texts: Sequence[str], pool: Executor | None = None,
                        split: str = "auto") -> list[str]:
    """``sentence_lines`` of every text, the pysbd work shared with ``pool``'s processes.

    The texts are cut into chunks; helpers take them from the back while this process
    takes them from the front, and this process also does any chunk no helper has
    started when it gets there (a cancelled future). Same results as one at a time.
    """
    if split == "newline":
        return [_lines(t) for t in texts]
    if split == "pysbd":  # every line is split: the lines are the texts to split
        sentence_lines_many([line for t in texts for line in _lines(t).split("\n")], pool)
        return [sentence_lines(t, split) for t in texts]
    todo = list(dict.fromkeys(t for t in texts if t not in _LINES))
    if pool is not None and len(todo) > CHUNK:
        chunks = [todo[i:i + CHUNK] for i in range(0, len(todo), CHUNK)]
        futures = {i: pool.submit(_split_chunk, chunks[i]) for i in reversed(range(len(chunks)))}
        for i, chunk in enumerate(chunks):
            if not futures[i].cancel():
                break
            del futures[i]
            _remember_chunk(chunk, _split_chunk(chunk))
        for i, future in futures.items():
            _remember_chunk(chunks[i], future.result())
    return [sentence_lines(t) for t in texts]


def split_sentences(text: str) -> list[str]:
    """Every sentence of a document: each non-blank line, split further by pysbd."""
    return [s for line in text.split("\n") if line.strip() for s in segment(line)]
