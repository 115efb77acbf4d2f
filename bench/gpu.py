"""GPU throughput of the default model's architecture through sumbench's HFSummarizer.

    python bench/gpu.py --tokenizer DIR [--docs 1024] [--batch-size 256]

DIR holds the default model's config.json and tokenizer files (any converted copy, e.g.
~/.cache/sumbench/models/smollm2-*). Weights are random (bf16), built from the config on
the machine, since GPU machines may have no network. Inputs are ~700-token prompts and
every document decodes exactly 96 new tokens (min_new_tokens), so runs are comparable.
Measures eager generate and the compiled path (static KV cache + torch.compile, which
--compile auto turns on for runs of COMPILE_MIN_DOCS or more), with compile time apart.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PARAGRAPH = ("The city council met on Tuesday to discuss the new budget, which includes "
             "funding for schools, roads and public transport. Officials said the plan "
             "would be reviewed again next month after residents raised concerns. ")


def build_model(tokenizer_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(tokenizer_dir)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(out)
    for f in tokenizer_dir.iterdir():
        if f.name != "config.json" and f.suffix in (".json", ".jinja"):
            shutil.copy(f, out / f.name)


def run(model_dir: Path, docs: int, batch: int, compiled: bool, device: str) -> dict:
    import torch

    from sumbench.models import ResolvedModel
    from sumbench.records import Example
    from sumbench.summarizers.hf import GenerationSettings, HFSummarizer

    settings = GenerationSettings(max_new_tokens=96, batch_size=batch, device=device,
                                  max_input_tokens=680, compile="on" if compiled else "off")
    summarizer = HFSummarizer(ResolvedModel("smollm2-arch-random", model_dir, "random",
                                            "local"), settings)
    summarizer.plan(docs)
    summarizer.load()
    summarizer._model.generation_config.min_new_tokens = 96  # exactly 96 new tokens each
    examples = [Example(f"d{i}", f"Report {i}. " + PARAGRAPH * 30, ("x",)) for i in range(docs)]
    batches = [examples[i:i + batch] for i in range(0, docs, batch)]
    times = []
    for chunk in batches:
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        out = summarizer.summarize(chunk)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
        assert all(g.output_tokens == 96 for g in out), [g.output_tokens for g in out][:5]
    steady = times[1:] if len(times) > 1 else times
    per_batch = sum(steady) / len(steady)
    result = {
        "compiled": compiled, "batch": batch, "docs": docs,
        "input_tokens": out[0].input_tokens, "first_batch_s": round(times[0], 2),
        "steady_batch_s": round(per_batch, 3),
        "steady_docs_per_min": round(60 * batch / per_batch, 1),
        "compile_overhead_s": round(times[0] - per_batch, 1),
        "total_s": round(sum(times), 2),
        "overall_docs_per_min": round(60 * docs / sum(times), 1),
        "ms_per_decode_step": round(1000 * per_batch / 96, 2),
    }
    if device.startswith("cuda"):
        result["peak_gpu_mem_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        torch.cuda.reset_peak_memory_stats()
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokenizer", type=Path, required=True)
    parser.add_argument("--docs", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, nargs="+", default=[256])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--modes", default="eager,compiled")
    args = parser.parse_args()
    import torch
    import transformers

    print(f"torch {torch.__version__}, transformers {transformers.__version__}, "
          f"device {torch.cuda.get_device_name() if args.device == 'cuda' else 'cpu'}")
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "model"
        build_model(args.tokenizer, model_dir)
        for batch in args.batch_size:
            for mode in args.modes.split(","):
                try:
                    run(model_dir, args.docs, batch, mode == "compiled", args.device)
                except Exception as err:  # report and go on to the next configuration
                    print(json.dumps({"mode": mode, "batch": batch,
                                      "error": f"{type(err).__name__}: {str(err)[:500]}"}),
                          flush=True)


if __name__ == "__main__":
    main()
