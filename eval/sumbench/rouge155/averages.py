"""The script's Average and interval: Perl's drand48 resampling, the mean of bootstrap
means, its interpolated bounds, and its printed lines."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sumbench.rouge155.flags import PEER_ID, Flags, perl_number
from sumbench.rouge155.scores import five_decimals


class Drand48:
    """Perl's rand (5.20 and later): drand48, seeded by srand(seed)."""

    def __init__(self, seed: int) -> None:
        self.x = ((seed << 16) + 0x330E) & 0xFFFFFFFFFFFF

    def rand(self, n: float) -> float:
        self.x = (0x5DEECE66D * self.x + 0xB) & 0xFFFFFFFFFFFF
        return n * (self.x * 2.0 ** -48)


@functools.lru_cache(maxsize=8)
def resample_indices(n: int, resamples: int) -> Any:
    """Resample r draws n indices with srand(r); the same for every method and statistic,
    so they are drawn once, for all seeds at a time: a (resamples, n) array. drand48 in
    uint64: its products wrap modulo 2^64, and 2^48 divides 2^64 (Drand48 is the
    one-at-a-time reference, tested equal)."""
    import numpy as np

    x = (np.arange(resamples, dtype=np.uint64) << np.uint64(16)) + np.uint64(0x330E)
    a, c, mask = np.uint64(0x5DEECE66D), np.uint64(0xB), np.uint64(0xFFFFFFFFFFFF)
    out = np.empty((resamples, n), dtype=np.int64)
    with np.errstate(over="ignore"):
        for k in range(n):
            x = (a * x + c) & mask
            out[:, k] = np.floor(float(n) * (x.astype(np.float64) * 2.0 ** -48))
    return out


def perl_average(values: Mapping[str, tuple[str, str, str]], flags: Flags
                 ) -> dict[str, tuple[str, str, str]]:
    """computeAverages: for R, P and F, (Average, interval low, interval high) as printed.

    ``values`` maps ``evalID.peerID`` to the per-document strings. Sums run in the
    script's order (``cumsum`` adds left to right, as its loop does), so every rounding
    is the same."""
    import numpy as np

    instances = sorted(values)
    n = len(instances)
    rows = np.array([[float(x) for x in values[key]] for key in instances], dtype=np.float64)
    delta = flags.resamples * ((100 - flags.confidence) / 2.0) / 100.0
    upper = int(flags.resamples - delta - 1)
    lower = int(delta)
    ratio = flags.resamples - delta - 1 - upper
    out = {}
    if n:
        picked = rows[resample_indices(n, flags.resamples)]  # (resamples, n, 3)
        means = np.cumsum(picked, axis=1)[:, -1, :] / n
    else:
        means = np.zeros((flags.resamples, 3))
    for k, name in enumerate(("R", "P", "F")):
        ranked = np.sort(means[:, k])
        average = five_decimals(float(np.cumsum(ranked)[-1]) / len(ranked))

        def at(i: int, ranked: Any = ranked) -> float:
            return float(ranked[i]) if 0 <= i < len(ranked) else 0.0  # Perl: undef is 0

        low = five_decimals(at(lower) + (at(lower + 1) - at(lower)) * ratio)
        high = five_decimals(at(upper) + (at(upper + 1) - at(upper)) * ratio)
        out[name] = (average, low, high)
    return out


def eval_order(keys: Sequence[str]) -> list[str]:
    """printPerEvalData's order: by the leading number of the id where both have one."""
    def compare(a: str, b: str) -> int:
        ma, mb = re.match(r"^([0-9]+)", a), re.match(r"^([0-9]+)", b)
        if ma and mb:
            return (int(ma.group(1)) > int(mb.group(1))) - (int(ma.group(1)) < int(mb.group(1)))
        return (a > b) - (a < b)

    return sorted(keys, key=functools.cmp_to_key(compare))


def printed_lines(per_document: Mapping[str, Mapping[str, tuple[str, str, str]]],
                  flags: Flags, peer_id: str = PEER_ID) -> list[str]:
    """The lines the script prints with -d for one peer: each method's Average/CI lines,
    then its per-evaluation lines. ``per_document`` maps an eval id to its scores."""
    lines = []
    for method in flags.methods:
        values = {f"{doc}.{peer_id}": scores[method] for doc, scores in per_document.items()}
        averages = perl_average(values, flags)
        lines.append("-" * 45)
        for name in ("R", "P", "F"):
            avg, low, high = averages[name]
            lines.append(f"{peer_id} {method} Average_{name}: {avg} "
                         f"({perl_number(flags.confidence)}%-conf.int. {low} - {high})")
        lines.append("." * 45)
        for key in eval_order(list(values)):
            r, p, f = values[key]
            lines.append(f"{peer_id} {method} Eval {key} R:{r} P:{p} F:{f}")
    return lines
