"""Atomic writes and output paths: a crash never leaves a truncated file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sumbench import fileio


def test_crash_mid_write_keeps_the_old_file(tmp_path: Path, monkeypatch):
    target = tmp_path / "results.json"
    fileio.atomic_write_json(target, {"old": True})

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # as if Ctrl-C arrived between write and rename

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        fileio.atomic_write_json(target, {"new": True, "big": "x" * 100_000})
    assert target.read_text() == '{\n  "old": true\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temp file left


def test_reports_stay_inside_the_run_folder(tmp_path: Path):
    assert fileio.inside(tmp_path, "summary.md") == (tmp_path / "summary.md").resolve()
    for name in ("../escape.md", "/etc/passwd", "a/../../x"):
        with pytest.raises(ValueError, match="refusing to write outside"):
            fileio.inside(tmp_path, name)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_atomic_write_honours_the_umask(tmp_path: Path, umask: int, mode: int):
    old = os.umask(umask)
    try:
        assert fileio.current_umask() == umask
        path = fileio.atomic_write_text(tmp_path / "r.json", "{}")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode
    assert fileio.current_umask() == old  # reading it changed nothing
