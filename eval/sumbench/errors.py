"""Errors a person can act on: each says what is wrong, where, and how to fix it.

Exit codes, one meaning each: 0 success; 1 a quality gate failed or ``compare`` found a
regression (``EXIT_QUALITY``); 2 bad input or settings; 3 the fast ROUGE path disagreed
with rouge-score; 4 an unexpected error (a bug: the traceback is saved to a file);
5 more documents failed than ``max_failures`` allows (every file is still written);
130 interrupted.
"""

from __future__ import annotations

import re

from sumbench.defaults import DEVICES_HELP

EXIT_OK = 0
EXIT_QUALITY = 1
EXIT_BAD_INPUT = 2
EXIT_SCORING_MISMATCH = 3
EXIT_UNEXPECTED = 4
EXIT_FAILED_DOCUMENTS = 5
EXIT_INTERRUPTED = 130


class SumbenchError(Exception):
    """Base for every error the CLI turns into a one-line message and a non-zero exit."""

    exit_code = EXIT_BAD_INPUT


class InputError(SumbenchError, ValueError):
    """Bad input data: a file, line or document that cannot be used as it is. A
    ValueError, as rouge-score's and HF evaluate's input errors are."""

    def __init__(self, where: str, problem: str, fix: str = "") -> None:
        self.where = where
        self.problem = problem
        self.fix = fix
        message = f"{where}: {problem}"
        if fix:
            message += f" ({fix})"
        super().__init__(message)


def setting(name: str) -> str:
    """How a message names a setting: its Python name in backticks (`max_new_tokens`).
    The CLI shows each as its flag (--max-new-tokens), so library errors name no flag."""
    return f"`{name}`"


class SettingError(SumbenchError, ValueError):
    """A setting with a value it cannot take, named by its Python name (a ValueError)."""

    def __init__(self, name: str, problem: str) -> None:
        self.setting = name
        self.problem = problem
        super().__init__(f"{setting(name)} {problem}")


class ModelError(SumbenchError):
    """A model that cannot be provisioned, or that our safety policy refuses to load."""


class MetricError(SumbenchError):
    """A metric that returned what its contract does not allow (a plugin's bug): the
    message names the metric, the document and what was wrong."""

    exit_code = EXIT_UNEXPECTED


class IncomparableRunsError(SumbenchError):
    """Two runs whose scores cannot be compared (different documents or ROUGE settings)."""


class ScoringMismatchError(SumbenchError):
    """The fast ROUGE path disagreed with rouge-score: a bug, never a rounding matter."""

    exit_code = EXIT_SCORING_MISMATCH


def check_choice(setting: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SettingError(setting, f"must be one of {', '.join(allowed)}; got {value!r}")


_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def check_device(setting: str, value: str) -> None:
    """auto, cpu, mps, cuda or cuda:N: anything else would fail later, inside torch."""
    if not _DEVICE.match(value):
        raise SettingError(setting, f"must be {DEVICES_HELP}; got {value!r}")


def check_at_least(setting: str, value: int | None, low: int = 1) -> None:
    if value is not None and value < low:
        raise SettingError(setting, f"must be at least {low}; got {value}")
