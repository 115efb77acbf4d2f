"""The judge's arithmetic: a distribution over the integers of a scale, and its score.

G-Eval (Liu et al. 2023) scores a summary by the probability-weighted mean of the
ratings the model could give: at the first generated position, the probability of each
token whose text, stripped of spaces, is an integer of the scale is summed per integer
(" 4" and "4" both count as 4), normalised over the scale, and ``score = sum k * p_k``.
Without probabilities, the first integer of the scale in the reply is the rating, and
several sampled replies are averaged (G-Eval's own fallback). A reply with no integer of
the scale gives no score: the caller records it as a failure, never as a 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Distribution = dict[int, float]  # integer of the scale -> probability (sums to 1)

# an integer standing alone: not part of a longer number, a decimal or a fraction's digits
_INTEGER = re.compile(r"(?<![\d.])\d+(?!\.?\d)")


def scale_integer(text: str, scale: tuple[int, int]) -> int | None:
    """The integer of the scale a token's text is, once stripped of spaces; else None."""
    stripped = text.strip()
    if not stripped.isascii() or not stripped.isdigit():
        return None
    value = int(stripped)
    return value if scale[0] <= value <= scale[1] else None


def normalise(mass: Mapping[int, float], scale: tuple[int, int]) -> Distribution | None:
    """Probabilities over every integer of the scale from unnormalised masses; None when
    the scale has no mass at all (no rating can be read)."""
    total = sum(mass.get(k, 0.0) for k in range(scale[0], scale[1] + 1))
    if not total > 0:
        return None
    return {k: mass.get(k, 0.0) / total for k in range(scale[0], scale[1] + 1)}


def from_top_logprobs(top: Iterable[Mapping[str, Any]], scale: tuple[int, int]
                      ) -> Distribution | None:
    """From one position's ``top_logprobs`` (OpenAI's shape: ``{"token", "logprob"}``):
    each token's probability added to the integer its stripped text is."""
    mass: dict[int, float] = {}
    for entry in top:
        token, logprob = entry.get("token"), entry.get("logprob")
        if not isinstance(token, str) or not isinstance(logprob, (int, float)):
            continue
        value = scale_integer(token, scale)
        if value is not None:
            mass[value] = mass.get(value, 0.0) + math.exp(logprob)
    return normalise(mass, scale)


def first_integer(text: str, scale: tuple[int, int]) -> int | None:
    """The first integer of the scale in a reply ("4", "Score: 4/5", "**4**"); None if
    there is none. Decimals such as 4.5 are not integers and are passed over."""
    for match in _INTEGER.finditer(text):
        value = int(match.group())
        if scale[0] <= value <= scale[1]:
            return value
    return None


def from_ratings(ratings: Sequence[int], scale: tuple[int, int]) -> Distribution | None:
    """The share of sampled replies that gave each integer."""
    mass: dict[int, float] = {}
    for value in ratings:
        mass[value] = mass.get(value, 0.0) + 1.0
    return normalise(mass, scale)


def expected(distribution: Mapping[int, float]) -> float:
    """``sum k * p_k``: the probability-weighted mean rating."""
    return float(sum(k * p for k, p in distribution.items()))
