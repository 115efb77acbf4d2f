"""Errors a person can act on: each says what is wrong, where, and how to fix it."""

from __future__ import annotations


class SumbenchError(Exception):
    """Base for every error the CLI turns into a one-line message and a non-zero exit."""

    exit_code = 2


class InputError(SumbenchError):
    """Bad input data: a file, line or document that cannot be used as it is."""

    def __init__(self, where: str, problem: str, fix: str = "") -> None:
        self.where = where
        self.problem = problem
        self.fix = fix
        message = f"{where}: {problem}"
        if fix:
            message += f" ({fix})"
        super().__init__(message)


class ModelError(SumbenchError):
    """A model that cannot be provisioned, or that our safety policy refuses to load."""


class IncomparableRunsError(SumbenchError):
    """Two runs whose scores cannot be compared (different documents or ROUGE settings)."""


class ScoringMismatchError(SumbenchError):
    """The fast ROUGE path disagreed with rouge-score: a bug, never a rounding matter."""

    exit_code = 3
