"""Every user-facing default, written once: the CLI, the Python API, the settings
dataclasses and the summarizers all read them from here."""

from __future__ import annotations

from typing import Literal

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
# every type rouge-score accepts (ROUGE-N up to 9), for --rouge-types
ROUGE_TYPE_CHOICES = (*(f"rouge{n}" for n in range(1, 10)), "rougeL", "rougeLsum")
STATISTICS = ("precision", "recall", "fmeasure")

MAX_NEW_TOKENS = 96
NUM_BEAMS = 1
LEAD_SENTENCES = 3
PROMPT = "Write a short summary of this article:\n\n{article}"
SEED = 0

# served models (--summarizer api)
API_KEY_ENV = "OPENAI_API_KEY"
API_CONCURRENCY = 8  # requests in flight at most
API_TIMEOUT_S = 120.0  # per attempt: no reply byte for this long is a read timeout
API_MAX_RETRIES = 4  # retries after the first attempt, for 408, 429, 5xx and network faults

# metric families scored on the run's own path; their columns are known without a record
BUILTIN_METRICS = ("rouge", "diagnostics")
CONFIDENCE = 0.95  # bootstrap intervals of means and of paired deltas
N_RESAMPLES = 2000  # bootstrap resamples for an interval
# meta-eval resamples documents and systems and recomputes every correlation each time
META_EVAL_RESAMPLES = 1000
N_PERMUTATIONS = 9999  # sign-flip resamples for compare's p-value (exact when 2**n is less)
ALPHA = 0.05  # compare's significance level
TOP_DROPS = 5  # compare: how many of the largest drops to list

# Values an option may take, declared once for the CLI's choices and the checks below.
DEVICES_HELP = "auto, cpu, cuda, cuda:N, mps"
DTYPES = ("auto", "float32", "fp32", "bfloat16", "bf16", "float16", "fp16")
COMPILE_MODES = ("auto", "on", "off")
QUANTIZE_MODES = ("none", "int8")  # int8: dynamic int8 matmuls (CPU), never the default
TOKENIZERS = ("default", "unicode")
# ROUGE-Lsum's sentences: auto (lines if the text has line breaks, else pysbd), newline
# (each line, never re-split: rouge-score's own rule), pysbd (every line split further)
SPLIT_MODES = ("auto", "newline", "pysbd")
MULTI_REFERENCE = ("max", "mean")
ROUGE_ENGINES = ("auto", "fast", "reference")
Engine = Literal["auto", "fast", "reference"]  # the type of a ROUGE_ENGINES value
ROUGE_IMPLEMENTATIONS = ("rouge-score", "rouge155")
GATE_ON = ("mean", "low")
API_ENDPOINTS = ("chat", "completions")
