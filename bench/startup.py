"""Start-up cost: `sumbench --help` and `sumbench report` must not import torch.

    python bench/startup.py

Times each command (best of 5, in fresh processes) beside `python -c pass` and
`python -c "import torch, transformers"`, and checks which heavy modules were loaded.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cnndm-dev.jsonl"


def best_of(cmd: list[str], n: int = 5) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        subprocess.run([py, "-m", "sumbench", "run", "--data", str(DATA), "--summarizer", "lead",
                        "--limit", "20", "--quiet", "--out", str(run)], check=True)
        probe = ("import sys, runpy; sys.argv = ['sumbench'] + sys.argv[1:]\n"
                 "try:\n    runpy.run_module('sumbench', run_name='__main__')\n"
                 "except SystemExit:\n    pass\n"
                 "print('heavy:', [m for m in ('torch', 'transformers') if m in sys.modules])")
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "sumbench --help": [py, "-m", "sumbench", "--help"],
            "sumbench report (md,html)": [py, "-m", "sumbench", "report", str(run), "--format",
                                          "md,html"],
            "import torch, transformers": [py, "-c", "import torch, transformers"],
        }
        base = best_of(cases["python -c pass"])
        for name, cmd in cases.items():
            t = best_of(cmd)
            print(f"{name:<28} {t * 1000:8.0f} ms  ({t / base:5.1f}x bare python)")
        for args in (["--help"], ["report", str(run), "--format", "md"]):
            out = subprocess.run([py, "-c", probe, *args], capture_output=True, text=True)
            print(f"sumbench {args[0]:<8} imports {out.stdout.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
