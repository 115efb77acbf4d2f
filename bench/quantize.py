"""--quantize int8 against fp32 on the default model, side by side in one run.

    python bench/quantize.py --docs 100

Runs `sumbench run` twice in fresh processes on the first N CNN/DM documents (fp32,
then --quantize int8; no response cache), prints documents/minute of each and the
ratio, how many outputs are unchanged, and the paired `sumbench compare` of int8
against fp32 (the effect of the quantization on the scores, with its interval).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cnndm-dev.jsonl"


def run(out: Path, docs: int, *extra: str) -> dict:
    subprocess.run([sys.executable, "-m", "sumbench", "run", "--data", str(DATA), "--limit",
                    str(docs), "--out", str(out), "--no-cache", "--quiet", *extra], check=True)
    return json.loads((out / "results.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fp32_dir, int8_dir = Path(tmp) / "fp32", Path(tmp) / "int8"
        fp32, int8 = run(fp32_dir, args.docs), run(int8_dir, args.docs, "--quantize", "int8")
        speed = [r["timings"]["documents_per_minute"] for r in (fp32, int8)]
        print(f"{args.docs} documents, default model, greedy, 96 new tokens")
        for name, r, s in (("fp32", fp32, speed[0]), ("int8", int8, speed[1])):
            print(f"{name}: {s:6.2f} docs/min (generation {r['timings']['generation_s']} s, "
                  f"model load {r['timings']['model_load_s']} s); signature {r['signature']}")
        print(f"int8 / fp32 speed: {speed[1] / speed[0]:.2f}x")
        same = sum(a["raw_prediction"] == b["raw_prediction"] for a, b in zip(
            *(map(json.loads, (d / "samples.jsonl").read_text().splitlines())
              for d in (fp32_dir, int8_dir)), strict=True))
        print(f"outputs identical to fp32: {same}/{args.docs}")
        compare = subprocess.run([sys.executable, "-m", "sumbench", "compare", str(fp32_dir),
                                  str(int8_dir), "--metrics", "rouge1,rouge2,rougeL,rougeLsum"],
                                 capture_output=True, text=True)
        print(compare.stdout + compare.stderr)


if __name__ == "__main__":
    main()
