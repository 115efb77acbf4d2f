"""Generation throughput, side by side in one process, on the default model.

    python bench/generation.py --docs 6                      # plain loop vs sumbench
    python bench/generation.py --docs 6 --install-llama-cpp  # also llama.cpp (compiles ~8 min)

Same documents (the first N of cnndm-dev.jsonl), same prompt text, greedy, 96 new tokens:
1. a plain transformers loop, one document per generate() call;
2. sumbench's HFSummarizer (length-sorted batches, left padding, inference_mode);
3. llama-cpp-python on the same GGUF file, one document at a time, in its own venv
   (bench/.llama-venv), when installed.
Prints documents/minute, the ratios measured in this run, whether the batched outputs
equal the one-at-a-time outputs, the fraction of the CPU's fp32 matmul ceiling reached,
and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cnndm-dev.jsonl"
LLAMA_VENV = ROOT / "bench" / ".llama-venv"
LLAMA_SCRIPT = """
import json, sys, time
from llama_cpp import Llama
args = json.loads(sys.stdin.read())
llm = Llama(model_path=args["gguf"], n_ctx=4096, n_threads=args["threads"], verbose=False)
start = time.perf_counter()
outs = [llm(p, max_tokens=args["max_new_tokens"], temperature=0.0, top_k=1)["choices"][0]["text"]
        for p in args["prompts"]]
print(json.dumps({"seconds": time.perf_counter() - start, "outputs": outs}))
"""


def matmul_gflops(seconds: float = 2.0) -> float:
    """This machine's fp32 matmul rate on the model's MLP shape: the prefill ceiling."""
    import torch

    a, b = torch.randn(1024, 576), torch.randn(576, 1536)
    torch.mm(a, b)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        torch.mm(a, b)
        n += 1
    return 2 * 1024 * 576 * 1536 * n / (time.perf_counter() - start) / 1e9


def model_flops(model, prompt_tokens: int, new_tokens: int) -> float:
    """2 x matmul parameters per token, plus the LM head for each generated token."""
    cfg = model.config
    embed = cfg.vocab_size * cfg.hidden_size
    body = sum(p.numel() for p in model.parameters()) - embed  # tied head not counted twice
    return 2 * body * (prompt_tokens + new_tokens) + 2 * embed * new_tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: sumbench's own (64 on CPU)")
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--install-llama-cpp", action="store_true")
    parser.add_argument("--skip-plain", action="store_true")
    args = parser.parse_args()

    import torch

    from sumbench.models import default_gguf, resolve_model
    from sumbench.suites.jsonl import load_jsonl
    from sumbench.summarizers.hf import GenerationSettings, HFSummarizer

    examples = load_jsonl(DATA)[: args.docs]
    model_ref = resolve_model(None)
    settings = GenerationSettings(max_new_tokens=args.max_new_tokens,
                                  batch_size=args.batch_size)
    summarizer = HFSummarizer(model_ref, settings)
    summarizer.load()
    model, tok = summarizer._model, summarizer._tokenizer
    encoded = [ids for ids, _ in summarizer.encode([ex.article for ex in examples])]
    prompts = [summarizer._prompt_text(ex.article) for ex in examples]
    ceiling = matmul_gflops()
    print(f"{len(examples)} documents, {sum(map(len, encoded))} prompt tokens, "
          f"{torch.get_num_threads()} threads, fp32 matmul ceiling {ceiling:.0f} GFLOP/s")
    rows = {}

    if not args.skip_plain:
        start, plain = time.perf_counter(), []
        new_tokens = 0
        for ids in encoded:
            out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids),
                                 dtype=torch.long), max_new_tokens=args.max_new_tokens,
                                 do_sample=False, pad_token_id=tok.pad_token_id)
            gen = out[0, len(ids):].tolist()
            new_tokens += len(gen)
            plain.append(tok.decode(gen, skip_special_tokens=True).strip())
        rows["plain loop (1 per generate)"] = (time.perf_counter() - start, new_tokens)

    start = time.perf_counter()
    ours = summarizer.summarize(examples)
    ours_s = time.perf_counter() - start
    rows[f"sumbench (batch {summarizer.batch_size})"] = (ours_s, sum(g.output_tokens for g in ours))

    python = LLAMA_VENV / "bin" / "python"
    if args.install_llama_cpp and not python.exists():
        print("installing llama-cpp-python into bench/.llama-venv (compiles ~8 minutes) ...")
        subprocess.run([sys.executable, "-m", "venv", str(LLAMA_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "llama-cpp-python"],
                       check=True)
    if python.exists():
        payload = json.dumps({"gguf": str(default_gguf()), "prompts": prompts,
                              "threads": torch.get_num_threads(),
                              "max_new_tokens": args.max_new_tokens})
        proc = subprocess.run([str(python), "-c", LLAMA_SCRIPT], input=payload,
                              capture_output=True, text=True, check=True)
        llama = json.loads(proc.stdout)
        rows["llama.cpp Q4_1 (1 at a time)"] = (llama["seconds"], None)
    else:
        print("llama.cpp: not installed (pass --install-llama-cpp to build it in "
              "bench/.llama-venv); skipped")

    prompt_tokens = sum(map(len, encoded))
    for name, (seconds, new) in rows.items():
        per_min = 60 * len(examples) / seconds
        flops = (f"{model_flops(model, prompt_tokens, new) / seconds / 1e9:6.1f} GFLOP/s "
                 f"= {model_flops(model, prompt_tokens, new) / seconds / 1e9 / ceiling:5.1%} "
                 f"of ceiling") if new else ""
        print(f"{name:<32} {seconds:7.1f} s {per_min:7.1f} docs/min  {flops}")
    base = rows[f"sumbench (batch {summarizer.batch_size})"][0]
    for name, (seconds, _) in rows.items():
        if not name.startswith("sumbench"):
            print(f"sumbench vs {name}: {seconds / base:.2f}x")
    if not args.skip_plain:
        same = sum(a == g.raw_prediction for a, g in zip(plain, ours, strict=True))
        print(f"batched outputs identical to one-at-a-time: {same}/{len(ours)}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
