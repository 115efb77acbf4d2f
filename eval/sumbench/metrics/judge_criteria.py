"""What the judge is asked: the built-in criteria (rubric and evaluation steps, a 1-5
scale), criteria read from a TOML or JSON file, and the chat messages of one judgment.

The built-in texts follow G-Eval's four SummEval dimensions in our own words; their
version (``CRITERIA_VERSION``) goes into the signature, so runs judged with other words
are never compared. Criteria from a file are identified by a digest of their content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sumbench.errors import InputError, SettingError

CRITERIA_VERSION = "1"  # of the built-in texts and the message layout below


@dataclass(frozen=True)
class Criterion:
    """One thing the judge rates, on an integer scale."""

    name: str  # the column is judge_<name>
    description: str
    steps: tuple[str, ...]
    scale: tuple[int, int] = (1, 5)
    article: bool = True  # whether the judge sees the article

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


BUILTIN: dict[str, Criterion] = {c.name: c for c in (
    Criterion("consistency",
              "The factual alignment between the summary and the article. A consistent "
              "summary states only facts the article supports: every name, number, event "
              "and claim in it can be found in, or follows from, the article. Penalise "
              "summaries that contain hallucinated or contradicted facts.",
              ("Read the article carefully and note its main facts.",
               "Read the summary and check each of its claims against the article.",
               "Give 5 if every claim is supported, 1 if most claims are unsupported or "
               "contradict the article, and a score in between for some errors.")),
    Criterion("relevance",
              "The selection of important content from the article. A relevant summary "
              "keeps the article's most important information and leaves out details, "
              "repetitions and content the article does not contain.",
              ("Read the article and identify its key points.",
               "Read the summary and check how many of the key points it covers, and "
               "whether it spends words on unimportant or redundant content.",
               "Give 5 if it covers the key points without padding, 1 if it misses "
               "them or is mostly irrelevant.")),
    Criterion("coherence",
              "The collective quality of all sentences. A coherent summary is well "
              "structured and well organised: its sentences follow one another "
              "logically and build a clear body of information about a topic, not a "
              "heap of related facts.",
              ("Read the article to know its topic and main points.",
               "Read the summary and judge whether its sentences are ordered logically "
               "and connect into one clear account.",
               "Give 5 for a clear, well organised summary, 1 for an incoherent one.")),
    Criterion("fluency",
              "The quality of each sentence: grammar, spelling, punctuation, word "
              "choice and sentence structure. A fluent summary has no errors that make "
              "it hard to read.",
              ("Read the summary.",
               "Note grammatical errors, misspellings, broken or repeated phrases and "
               "awkward constructions.",
               "Give 5 if it reads naturally without errors, 1 if errors make most of "
               "it hard to understand."),
              article=False),
)}


def messages(criterion: Criterion, article: str, summary: str) -> list[dict[str, str]]:
    """The chat messages of one judgment: the rubric, the texts, and the answer form."""
    low, high = criterion.scale
    steps = "\n".join(f"{i}. {step}" for i, step in enumerate(criterion.steps, 1))
    title = criterion.name.replace("_", " ").capitalize()
    parts = [
        "You will be given one summary written for a news article. Your task is to rate "
        "the summary on one criterion. Read these instructions carefully.",
        f"Evaluation criterion:\n\n{title} ({low}-{high}): {criterion.description}",
        f"Evaluation steps:\n\n{steps}",
    ]
    if criterion.article:
        parts.append(f"Article:\n\n{article}")
    parts += [f"Summary:\n\n{summary}",
              f"Answer with one integer from {low} to {high} and nothing else.\n\n"
              f"{title} score ({low}-{high}):"]
    return [{"role": "user", "content": "\n\n".join(parts)}]


def parse_names(text: str | Sequence[str]) -> tuple[str, ...]:
    """``consistency,fluency`` (or a sequence) to names, in order, without repeats."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def choose(names: Sequence[str], file_criteria: Sequence[Criterion]) -> tuple[Criterion, ...]:
    """The named criteria: a file's first (it may redefine a built-in), then the built-in
    ones; without names, every criterion of the file. SettingError for an unknown name."""
    known = {**BUILTIN, **{c.name: c for c in file_criteria}}
    chosen = list(names) or [c.name for c in file_criteria]
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise SettingError("judge_criteria", f"names {unknown}, which are not criteria here "
                           f"(built in: {', '.join(BUILTIN)}; more with --judge-criteria-file)")
    return tuple(known[n] for n in chosen)


def read_criteria_file(path: Path) -> tuple[Criterion, ...]:
    """Criteria from TOML (``[[criteria]]`` tables) or JSON (``{"criteria": [...]}`` or a
    list): each with name, description, steps (a list or one text), and optionally scale
    ``[low, high]`` (default [1, 5]) and article (default true)."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(where, f"cannot read the criteria file: {err.strerror}") from None
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data: Any = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ValueError as err:
        raise InputError(where, f"not valid {'TOML' if path.suffix == '.toml' else 'JSON'}: "
                         f"{err}") from None
    entries = data.get("criteria") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise InputError(where, "needs a non-empty list of criteria ('criteria')")
    out, seen = [], set()
    for number, entry in enumerate(entries, 1):
        criterion = _criterion(entry, f"{where}, criterion {number}")
        if criterion.name in seen:
            raise InputError(where, f"criterion {criterion.name!r} is defined twice")
        seen.add(criterion.name)
        out.append(criterion)
    return tuple(out)


def _criterion(entry: Any, where: str) -> Criterion:
    if not isinstance(entry, dict):
        raise InputError(where, "must be a table/object with name, description, steps")
    unknown = set(entry) - {"name", "description", "steps", "scale", "article"}
    if unknown:
        raise InputError(where, f"unknown field(s) {sorted(unknown)}")
    name, description = entry.get("name"), entry.get("description")
    if not isinstance(name, str) or not name.isidentifier() or not name.islower():
        raise InputError(where, f"'name' must be a lower-case identifier; got {name!r}")
    if not isinstance(description, str) or not description.strip():
        raise InputError(where, f"{name}: 'description' must be a non-empty text")
    steps = entry.get("steps")
    steps = [steps] if isinstance(steps, str) else steps
    if not isinstance(steps, list) or not steps or \
            not all(isinstance(s, str) and s.strip() for s in steps):
        raise InputError(where, f"{name}: 'steps' must be a text or a list of texts")
    scale = entry.get("scale", [1, 5])
    if not (isinstance(scale, list) and len(scale) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in scale)
            and 0 <= scale[0] < scale[1] <= 100):
        raise InputError(where, f"{name}: 'scale' must be [low, high], integers with "
                         f"0 <= low < high <= 100; got {scale!r}")
    article = entry.get("article", True)
    if not isinstance(article, bool):
        raise InputError(where, f"{name}: 'article' must be true or false")
    return Criterion(name, description.strip(), tuple(s.strip() for s in steps),
                     (scale[0], scale[1]), article)
