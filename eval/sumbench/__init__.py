"""sumbench: a summarization evaluation harness.

The Python API (api.py): ``evaluate``, ``score``, ``compare_runs`` and ``load_run``.
Importing the package is cheap: torch and transformers load only when a model runs,
and the API's own modules load on first use.
"""

from __future__ import annotations

from typing import Any

from sumbench.version import __version__

__all__ = ["__version__", "compare_runs", "evaluate", "load_run", "score"]


def __getattr__(name: str) -> Any:
    if name in ("compare_runs", "evaluate", "load_run", "score"):
        from sumbench import api

        return getattr(api, name)
    raise AttributeError(f"module 'sumbench' has no attribute {name!r}")
