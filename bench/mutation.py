"""Mutation testing of the core modules with mutmut, and a score per module.

    pip install -e '.[dev,mutation]'
    python bench/mutation.py                 # mutmut run, then the table (slow: see README)
    python bench/mutation.py --report-only   # the table for the results already in mutants/
    python bench/mutation.py --survivors     # also list each surviving mutant's name

mutmut copies the code to ``mutants/``, plants one small change at a time (an operator,
a constant, a dropped argument...) and runs the fast tests that reach the changed
function (``-m "not slow"``; settings under ``[tool.mutmut]`` in pyproject.toml). A mutant
is killed when a test fails. The score is killed / (killed + survived); mutants no test
reaches count as survivors. Timeouts count as killed, as mutmut counts them. ``mutmut
show NAME`` prints one mutant's diff.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
KILLED = {1, 3, 36, 24, -24, 152, 255}  # test failed, or the mutant hung (timeout)
SURVIVED = {0, 5, 33}  # tests passed, or no test reached the mutant


def run_mutmut() -> None:
    shared = os.environ.get("SUMBENCH_SHARED_DATA") or ROOT.parent / "shared" / "data"
    env = {**os.environ, "SUMBENCH_SHARED_DATA": str(shared), "HF_HUB_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    mutmut = Path(sys.executable).with_name("mutmut")
    subprocess.run([str(mutmut), "run"], cwd=ROOT, env=env, check=False)


def module_of(meta: Path) -> str:
    return str(meta.relative_to(MUTANTS)).removesuffix(".meta")


def scores() -> tuple[dict[str, Counter], list[str]]:
    by_module: dict[str, Counter] = {}
    survivors = []
    for meta in sorted(MUTANTS.glob("eval/**/*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts = by_module.setdefault(module_of(meta), Counter())
        for name, code in codes.items():
            if code in KILLED:
                counts["killed"] += 1
            elif code in SURVIVED:
                counts["survived"] += 1
                survivors.append(name)
            else:
                counts["not run"] += 1
    return by_module, survivors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--survivors", action="store_true")
    args = parser.parse_args()
    if not args.report_only:
        run_mutmut()
    by_module, survivors = scores()
    if not by_module:
        print("no mutmut results in mutants/; run without --report-only first")
        return 2
    print("| module | mutants | killed | survived | not run | score |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: |")
    total = Counter()
    for module, counts in by_module.items():
        total += counts
        print(_row(module, counts))
    print(_row("**all**", total))
    if args.survivors:
        print("\nsurvivors (mutmut show NAME):")
        print("\n".join(survivors))
    return 0


def _row(name: str, c: Counter) -> str:
    judged = c["killed"] + c["survived"]
    score = f"{100 * c['killed'] / judged:.1f}%" if judged else "-"
    return (f"| {name} | {judged + c['not run']} | {c['killed']} | {c['survived']} | "
            f"{c['not run']} | {score} |")


if __name__ == "__main__":
    sys.exit(main())
