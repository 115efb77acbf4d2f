"""Helper processes for CPU-bound side work, so a big scoring run uses every core.

Sentence splitting (pysbd) and the rouge-score cross-check are pure Python and hold
the GIL, so threads would not help. A pool is started only for big batches: starting a
process and importing into it costs about 0.3 s of CPU, more than a small run saves.
Processes are spawned, not forked, so no lock or thread state of the caller (torch's
thread pools, an HTTP client) is copied into them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from typing import Any, TypeVar

T = TypeVar("T")

MAX_WORKERS = 8
ENV_VAR = "SUMBENCH_WORKERS"
MIN_TEXTS = 400  # texts to split below which the work stays in this process
_allowed = False


def allow() -> None:
    """Let ``useful_workers`` start helpers in this process. The sumbench command calls
    it; a library caller is left in one process unless it asks for helpers, because a
    spawned helper first imports the caller's main script, which must then be guarded
    by ``if __name__ == "__main__":``."""
    global _allowed
    _allowed = True


def cpu_count() -> int:
    """CPUs this process may run on (the affinity mask, which containers set)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def requested() -> int | None:
    """``SUMBENCH_WORKERS`` as a number, None when unset; a bad value is an error (a run
    checks it before it generates anything)."""
    chosen = os.environ.get(ENV_VAR, "").strip()
    if not chosen:
        return None
    if not chosen.isdigit():
        from sumbench.errors import SumbenchError

        raise SumbenchError(f"{ENV_VAR}={chosen!r}: give a whole number of helper "
                            "processes (0 for none)")
    return min(int(chosen), MAX_WORKERS)


def useful_workers(texts_to_split: int) -> int:
    """How many helper processes are worth starting for this much splitting: none on
    one CPU, for a small batch, or where the caller has not allowed them.
    ``SUMBENCH_WORKERS=N`` sets the number (0: none) for a big batch."""
    chosen = requested()
    if not _allowed or texts_to_split < MIN_TEXTS:
        return 0
    if chosen is not None:
        return chosen
    cpus = cpu_count()
    return min(cpus, MAX_WORKERS) if cpus >= 2 else 0


def _init_worker() -> None:
    """Ctrl-C is the parent's to handle: the helpers ignore it and are shut down with
    the pool. nltk (imported by rouge-score for its Porter stemmer) imports scipy only
    inside ``try: ... except ImportError`` for features the cross-check never calls;
    blocking scipy cuts importing rouge-score from 1.9 s to 0.6 s. No helper task uses
    scipy."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.modules.setdefault("scipy", None)  # type: ignore[arg-type]


@contextlib.contextmanager
def pool(size: int) -> Iterator[Executor | None]:
    """A spawn-based process pool of ``size`` helpers, or None for ``size`` 0. Work
    still queued when the block ends (an error in the caller) is cancelled."""
    if size < 1:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=size, initializer=_init_worker,
                                   mp_context=multiprocessing.get_context("spawn"))
    try:
        yield executor
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def timed(function: Callable[..., T], *args: Any) -> tuple[T, float]:
    """``function(*args)`` and the seconds it took, measured where it ran."""
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start
