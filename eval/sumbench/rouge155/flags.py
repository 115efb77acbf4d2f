"""The script's flags, as a paper prints them: parsed, checked, and printed back."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from sumbench.errors import SettingError

FLAG = "rouge155_flags"
DEFAULT_FLAGS = "-c 95 -r 1000 -n 2 -m -a"
UNSUPPORTED = {"-3": "Basic Elements", "-M": "model-only stemming",
               "-z": "file-list input", "-e": "a data folder "
               "(sumbench fetches the script's data itself)", "-h": "help", "-H": "help"}
PEER_ID = "S"  # the peer's name in the printed lines, as in the script's own examples


@dataclass(frozen=True)
class Flags:
    """The Perl flags that decide the numbers."""

    ngram: int = 0  # -n: ROUGE-1..n; 0: none
    lcs: bool = True  # not -x
    stem: bool = False  # -m
    stopwords: bool = False  # -s: remove them
    formula: str = "A"  # -f
    alpha: float = 0.5  # -p
    confidence: float = 95.0  # -c
    resamples: int = 1000  # -r
    length_limit: int = 0  # -l, words
    byte_limit: int = 0  # -b, bytes
    weight: str | None = None  # -w, as written (the script names ROUGE-W-<it>)
    skip: str | None = None  # -2, as written; < 0: any distance
    skip_unigram: bool = False  # -u: SU instead of S
    skip_both: bool = False  # -U: S and then SU

    @property
    def methods(self) -> list[str]:
        """The ROUGE methods the script prints, in its order."""
        out = [f"ROUGE-{n}" for n in range(1, self.ngram + 1)] + ["ROUGE-L"] * self.lcs
        if self.weight is not None:
            out.append(f"ROUGE-W-{self.weight}")
        if self.skip is not None:
            tail = self.skip if float(self.skip) >= 0 else "*"
            if self.skip_unigram:
                out.append(f"ROUGE-SU{tail}")
            else:
                out.append(f"ROUGE-S{tail}")
                if self.skip_both:
                    out.append(f"ROUGE-SU{tail}")
        return out

    def command(self) -> str:
        """The equivalent Perl command line, for results.json."""
        parts = [f"-c {perl_number(self.confidence)}", f"-r {self.resamples}"]
        if self.ngram:
            parts.append(f"-n {self.ngram}")
        parts += ["-m"] * self.stem + ["-s"] * self.stopwords
        if not self.lcs:
            parts.append("-x")
        if self.formula != "A":
            parts.append(f"-f {self.formula}")
        if self.alpha != 0.5:
            parts.append(f"-p {perl_number(self.alpha)}")
        if self.length_limit:
            parts.append(f"-l {self.length_limit}")
        if self.byte_limit:
            parts.append(f"-b {self.byte_limit}")
        if self.weight is not None:
            parts.append(f"-w {self.weight}")
        if self.skip is not None:
            parts.append(f"-2 {self.skip}")
        parts += ["-u"] * self.skip_unigram + ["-U"] * self.skip_both
        return "ROUGE-1.5.5.pl -e DATA " + " ".join([*parts, "-a", "-d", "CONFIG.xml"])


def perl_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def parse_flags(text: str) -> Flags:
    """Perl flags as a paper prints them; what is not supported is refused by name."""
    try:
        words = shlex.split(text)
    except ValueError as err:
        raise SettingError(FLAG, f"cannot read {text!r} ({err})") from None
    values: dict[str, Any] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word.endswith(".xml") or not word.startswith("-") or len(word) < 2:
            raise SettingError(FLAG, f"takes flags only, not {word!r} (sumbench writes the "
                               "configuration itself)")
        # getopts bundling: "-mn" is "-m -n"
        letters = word[1:]
        for k, letter in enumerate(letters):
            flag = "-" + letter
            if flag in UNSUPPORTED:
                raise SettingError(FLAG, f"{flag} ({UNSUPPORTED[flag]}) is not supported by "
                                   "sumbench's ROUGE-1.5.5 mode")
            if letter in "admsxuUv":  # -v: the script's debug output, no effect on scores
                values[letter] = True
                continue
            if letter in "bcflnprtw2":
                rest = letters[k + 1:]
                if rest:
                    argument = rest
                else:
                    i += 1
                    if i >= len(words):
                        raise SettingError(FLAG, f"{flag} needs a value")
                    argument = words[i]
                values[letter] = argument
                break
            raise SettingError(FLAG, f"{flag} is not a ROUGE-1.5.5 flag")
        i += 1

    def number(letter: str, kind: type, low: float, high: float | None = None) -> Any:
        try:
            value = kind(values[letter])
        except ValueError:
            raise SettingError(FLAG, f"-{letter} needs a number; got {values[letter]!r}"
                               ) from None
        if value < low or (high is not None and value > high):
            raise SettingError(FLAG, f"-{letter} must be between {low} and {high}"
                               if high is not None else f"-{letter} must be at least {low}")
        return value

    if "l" in values and "b" in values:
        raise SettingError(FLAG, "takes -l or -b, not both (as the script)")
    if "t" in values and number("t", int, 0) != 0:
        raise SettingError(FLAG, "-t (token-level averages) is not supported by sumbench's "
                           "ROUGE-1.5.5 mode; -t 0 (sentence-level, the default) is")
    formula = str(values.get("f", "A"))
    if formula not in ("A", "B"):
        raise SettingError(FLAG, f"-f must be A or B; got {formula!r}")
    flags = Flags(
        ngram=number("n", int, 1) if "n" in values else 0, lcs="x" not in values,
        stem="m" in values, stopwords="s" in values, formula=formula,
        alpha=number("p", float, 0, 1) if "p" in values else 0.5,
        confidence=number("c", float, 0, 100) if "c" in values else 95.0,
        resamples=number("r", int, 1) if "r" in values else 1000,
        length_limit=number("l", int, 0) if "l" in values else 0,  # 0: no limit
        byte_limit=number("b", int, 0) if "b" in values else 0,
        weight=str(values["w"]) if "w" in values else None,
        skip=str(values["2"]) if "2" in values else None,
        skip_unigram="u" in values, skip_both="U" in values and "u" not in values)
    if flags.weight is not None and number("w", float, 0) <= 0:
        raise SettingError(FLAG, "-w must be greater than 0 (as the script)")
    if flags.skip is not None:
        number("2", int, -(10 ** 9))
    if not flags.methods:
        raise SettingError(FLAG, "computes nothing: give -n N, or drop -x")
    return flags
