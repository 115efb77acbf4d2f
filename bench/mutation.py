"""Mutation testing of the core modules with mutmut, and a score per module.

    pip install -e '.[dev,mutation]'
    python bench/mutation.py                 # mutmut run, then the table (slow: see README)
    python bench/mutation.py --report-only   # the table for the results already in mutants/
    python bench/mutation.py --survivors     # also list each surviving mutant's name
    python bench/mutation.py --sample        # one mutant in ten (numbers 1, 11, 21, ...)
    python bench/mutation.py --fresh         # forget earlier results (else they are reused)

mutmut copies the code to ``mutants/``, plants one small change at a time (an operator,
a constant, a dropped argument...) and runs the fast tests that reach the changed
function (``-m "not slow"``; settings in ``MUTMUT_CONFIG`` below). mutmut names modules
after their paths, and the package sits at ``eval/sumbench/``, so the run happens in a
staging copy, ``.mutation/``, where the package sits at ``sumbench/``; results stay in
``.mutation/mutants/`` (``mutmut results`` there). A mutant
is killed when a test fails. The score is (killed + timeout) / run, as mutmut counts
it; mutants no test reaches count as survivors, timeouts are shown apart. ``mutmut
show NAME`` prints one mutant's diff.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / ".mutation"
MUTANTS = STAGE / "mutants"
CORE = ["scoring.py", "text.py", "stats.py", "compare.py", "gates.py", "cache.py",
        "references.py", "runio.py", "summarizers/*"]
MUTMUT_CONFIG = f"""
[tool.mutmut]
source_paths = ["sumbench/"]
only_mutate = {json.dumps(["sumbench/" + m for m in CORE])}
also_copy = ["references/", "README.md", ".github/"]
pytest_add_cli_args = ["-m", "not slow", "-x", "-q", "-p", "no:cacheprovider"]
# torch runs on both cores, so CPU time outruns mutmut's estimate from wall time; a
# generous constant keeps slow model tests from reading as hangs
timeout_constant = 60
# torch is not fork-safe once its thread pool runs: fork workers from a clean server
process_isolation = "forkserver"
"""
KILLED = {1, 3}  # a test failed
TIMEOUT = {36, 24, -24, 152, 255}  # the tests ran past the time (or CPU) limit: a hang
SURVIVED = {0, 5, 33}  # tests passed, or no test reached the mutant


# One in ten, every function included: mutmut numbers each function's mutants from 1.
SAMPLE_PATTERNS = ("sumbench.*__mutmut_*1",)


def stage(fresh: bool) -> None:
    """A copy with the package at sumbench/, so mutmut's module names are the import
    names. Files keep their times (copy2), so mutmut reuses the results of unchanged
    ones; ``fresh`` starts over."""
    if fresh:
        shutil.rmtree(STAGE, ignore_errors=True)
    STAGE.mkdir(exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for source, target in (("eval/sumbench", "sumbench"), ("tests", "tests"),
                           ("references", "references"), (".github", ".github")):
        shutil.copytree(ROOT / source, STAGE / target, ignore=ignore, dirs_exist_ok=True)
    shutil.copy2(ROOT / "README.md", STAGE / "README.md")
    pyproject = (ROOT / "pyproject.toml").read_text()  # pytest settings; tests read it
    (STAGE / "pyproject.toml").write_text(pyproject + MUTMUT_CONFIG)


def run_mutmut(patterns: tuple[str, ...] = (), fresh: bool = False) -> None:
    stage(fresh)
    shared = os.environ.get("SUMBENCH_SHARED_DATA") or ROOT.parent / "shared" / "data"
    env = {**os.environ, "SUMBENCH_SHARED_DATA": str(shared), "HF_HUB_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    mutmut = Path(sys.executable).with_name("mutmut")
    subprocess.run([str(mutmut), "run", *patterns], cwd=STAGE, env=env, check=False)


def module_of(meta: Path) -> str:
    return str(meta.relative_to(MUTANTS)).removesuffix(".meta")


def scores() -> tuple[dict[str, Counter], list[str]]:
    by_module: dict[str, Counter] = {}
    survivors = []
    for meta in sorted(MUTANTS.glob("sumbench/**/*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts = by_module.setdefault(module_of(meta), Counter())
        for name, code in codes.items():
            if code in KILLED:
                counts["killed"] += 1
            elif code in TIMEOUT:
                counts["timeout"] += 1
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
    parser.add_argument("--sample", action="store_true",
                        help="run one mutant in ten (all ~2,600 take hours on 2 cores)")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    args = parser.parse_args()
    if not args.report_only:
        run_mutmut(SAMPLE_PATTERNS if args.sample else (), fresh=args.fresh)
    by_module, survivors = scores()
    if not by_module:
        print(f"no mutmut results in {MUTANTS}; run without --report-only first")
        return 2
    print("| module | run | killed | timeout | survived | score |\n"
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
    """Score: (killed + timeout) / run, as mutmut counts it; mutants not run are left out."""
    judged = c["killed"] + c["timeout"] + c["survived"]
    score = f"{100 * (c['killed'] + c['timeout']) / judged:.1f}%" if judged else "-"
    return (f"| {name} | {judged} | {c['killed']} | {c['timeout']} | {c['survived']} | "
            f"{score} |")


if __name__ == "__main__":
    sys.exit(main())
