"""The ``sumbench`` command: parse options, run, write reports, set the exit code.

Exit codes (errors.py): 0 success; 1 a quality gate failed or ``compare`` found a
regression; 2 bad input or settings; 3 the fast ROUGE path disagreed with rouge-score;
4 an unexpected error (the traceback is saved to a file); 130 interrupted (finished
documents are kept in the response cache). Heavy modules are imported inside the
commands so ``sumbench --help`` is instant.
"""

from __future__ import annotations

import re
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from sumbench import defaults
from sumbench.errors import EXIT_INTERRUPTED, EXIT_UNEXPECTED, SumbenchError
from sumbench.summarizers.registry import REGISTRY

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Summarization evaluation: a local model summarizes, ROUGE scores it "
                       "against hand-written references, CI reads the results.")

# Options that take one of a few values: the CLI refuses anything else before any work.
SummarizerName = Literal[tuple(REGISTRY)]  # type: ignore[valid-type]
CompileMode = Literal[defaults.COMPILE_MODES]  # type: ignore[valid-type]
QuantizeMode = Literal[defaults.QUANTIZE_MODES]  # type: ignore[valid-type]
Dtype = Literal[defaults.DTYPES]  # type: ignore[valid-type]
TokenizerName = Literal[defaults.TOKENIZERS]  # type: ignore[valid-type]
MultiReference = Literal[defaults.MULTI_REFERENCE]  # type: ignore[valid-type]
RougeEngine = Literal[defaults.ROUGE_ENGINES]  # type: ignore[valid-type]
RougeImpl = Literal[defaults.ROUGE_IMPLEMENTATIONS]  # type: ignore[valid-type]
SplitMode = Literal[defaults.SPLIT_MODES]  # type: ignore[valid-type]
GateOn = Literal[defaults.GATE_ON]  # type: ignore[valid-type]
Endpoint = Literal[defaults.API_ENDPOINTS]  # type: ignore[valid-type]

_SETTING = re.compile(r"`([a-z][a-z0-9_]*)`")


def as_flags(message: str) -> str:
    """Library messages name settings as `python_name`; the CLI shows --python-name."""
    return _SETTING.sub(lambda m: "--" + m.group(1).replace("_", "-"), message)


def _err(message: str) -> None:
    typer.secho(f"sumbench: error: {as_flags(message)}", fg="red", err=True)


def _default_out(summarizer: str) -> Path:
    base = Path("runs") / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{summarizer}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


@app.command()
def run(
    references: Annotated[Path, typer.Option(help="Folder suite: <doc-id>/article.txt and "
                                              "reference*.txt.")] = Path("references"),
    data: Annotated[Path | None, typer.Option(
        help="JSONL suite (id, article, references) instead of the folder; or CSV, JSON, "
             "parquet, a save_to_disk folder, or hf:NAME[:CONFIG]:SPLIT.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N documents.")] = None,
    article_field: Annotated[str | None, typer.Option(
        help="--data tables (CSV, JSON, parquet, save_to_disk, hf:NAME[:CONFIG]:SPLIT): the "
             "article's column.")] = None,
    reference_field: Annotated[list[str] | None, typer.Option(
        help="The reference column(s); repeat for several (text or list of texts).")
                               ] = None,
    id_field: Annotated[str | None, typer.Option(
        help="The id column (default: 'id' if present, else <file>-<row>).")] = None,
    summarizer: Annotated[SummarizerName, typer.Option(help="What writes the summaries.")] = "hf",
    predictions: Annotated[Path | None, typer.Option(help="JSONL of id, prediction "
                                                         "(--summarizer predictions).")] = None,
    lead_sentences: Annotated[int, typer.Option(help="k for the lead baseline.")
                              ] = defaults.LEAD_SENTENCES,
    model: Annotated[str | None, typer.Option(help="Model folder or Hub id; default: "
                                                  "the embedded SmolLM2-135M-Instruct.")] = None,
    revision: Annotated[str | None, typer.Option(help="Hub revision.")] = None,
    prompt: Annotated[str | None, typer.Option(help="Prompt with {article}.")] = None,
    prompt_file: Annotated[Path | None, typer.Option(help="Read the prompt from a file."
                                                        )] = None,
    system_prompt: Annotated[str | None, typer.Option(help="System message.")] = None,
    max_new_tokens: Annotated[int, typer.Option()] = defaults.MAX_NEW_TOKENS,
    num_beams: Annotated[int, typer.Option()] = defaults.NUM_BEAMS,
    max_input_tokens: Annotated[int | None, typer.Option(
        help="Article tokens kept (cut beyond, flagged per document).")] = None,
    batch_size: Annotated[int | None, typer.Option(
        help="Documents per batch (default 32 on CPU, 512 on CUDA).")] = None,
    compile: Annotated[CompileMode, typer.Option(
        help="CUDA only: static KV cache + torch.compile. auto compiles only runs of "
             "16,000+ documents with batches of 256 or less, where the ~35-50 s compile "
             "pays off (see bench/README.md).")] = "auto",
    device: Annotated[str, typer.Option(help=defaults.DEVICES_HELP + ".")] = "auto",
    dtype: Annotated[Dtype, typer.Option(help="auto: bf16 on GPU, fp32 on CPU.")] = "auto",
    quantize: Annotated[QuantizeMode, typer.Option(
        help="int8: dynamic int8 matmuls on CPU (faster; changes the outputs, so scores "
             "are not the fp32 model's: it is recorded in the signature as quant:int8).")
    ] = "none",
    seed: Annotated[int, typer.Option(help="Seed for generation and the bootstrap.")
                    ] = defaults.SEED,
    stemmer: Annotated[bool, typer.Option("--stemmer/--no-stemmer",
                                          help="Porter stemming (on, as in CNN/DM papers)."
                                          )] = True,
    tokenizer: Annotated[TokenizerName, typer.Option(
        help="default (rouge-score, ASCII only) or unicode (every script).")] = "default",
    multi_reference: Annotated[MultiReference, typer.Option(
        help="max (best reference per type, as score_multi) or mean.")] = "max",
    rouge_types: Annotated[str, typer.Option(
        help="Comma-separated: rouge1 to rouge9, rougeL, rougeLsum.")
                           ] = ",".join(defaults.ROUGE_TYPES),
    split: Annotated[SplitMode, typer.Option(
        help="ROUGE-Lsum's sentences: auto (the lines if the text has line breaks, else "
             "pysbd; with rouge155, the lines), newline (each line, never re-split, as "
             "rouge-score) or pysbd (every line split further).")] = "auto",
    rouge_engine: Annotated[RougeEngine, typer.Option(
        help="auto (fast, checked against rouge-score on a sample) or reference.")] = "auto",
    rouge_impl: Annotated[RougeImpl, typer.Option(
        help="rouge-score, or rouge155: ROUGE-1.5.5's numbers exactly, in Python "
             "(the types come from --rouge155-flags).")] = "rouge-score",
    rouge155_flags: Annotated[str | None, typer.Option(
        help="ROUGE-1.5.5 flags as a paper prints them (default \"-c 95 -r 1000 -n 2 -m "
             "-a\").")] = None,
    metrics: Annotated[str, typer.Option(
        help="Metric families to score: rouge (always), diagnostics, and any installed "
             "plugin's (entry point group sumbench.metrics).")] = "rouge,diagnostics",
    out: Annotated[Path | None, typer.Option(help="Run folder (default runs/<time>-<name>)."
                                                )] = None,
    label: Annotated[str | None, typer.Option(
        help="The run's name in `sumbench history` (default: the run folder's name). "
             "Recorded in the spec; changes no score and no cache key.")] = None,
    report: Annotated[str | None, typer.Option(help="Extra reports: md,junit,html,csv.")
                      ] = None,
    fail_under: Annotated[str | None, typer.Option(
        help="Lower bounds, e.g. rouge1=0.30,rouge2.recall=0.1 (F1 unless named).")] = None,
    gate: Annotated[str | None, typer.Option(
        help="Gates in either direction: rouge1>=0.30,rep4<=0.2,empty==0 (diagnostics: "
             "their mean; flags: documents flagged).")] = None,
    gate_on: Annotated[GateOn, typer.Option(
        help="mean, or low: the interval's conservative end (low for >=, high for <=).")
                       ] = "mean",
    cache: Annotated[bool, typer.Option("--cache/--no-cache",
                                        help="Reuse and save model outputs (resume).")] = True,
    cache_file: Annotated[Path | None, typer.Option(
        help="Response cache database (default: $SUMBENCH_CACHE_DIR/responses.sqlite).")
                          ] = None,
    trust_remote_code: Annotated[bool, typer.Option(help="Allow a model's own Python code.")
                                 ] = False,
    allow_pickle: Annotated[bool, typer.Option(help="Allow pickle (*.bin) weights.")] = False,
    base_url: Annotated[list[str] | None, typer.Option(
        help="--summarizer api: the server's API root, e.g. http://127.0.0.1:8000/v1; "
             "repeat for replicas of one model.", rich_help_panel="Served models")] = None,
    endpoint: Annotated[Endpoint, typer.Option(
        help="chat (the prompt as one user message) or completions (the prompt text).",
        rich_help_panel="Served models")] = "chat",
    extra_body: Annotated[str | None, typer.Option(
        help="JSON object merged into each request body (server-specific fields).",
        rich_help_panel="Served models")] = None,
    api_key_env: Annotated[str, typer.Option(
        help="Environment variable holding the API key (none is fine for local servers).",
        rich_help_panel="Served models")] = defaults.API_KEY_ENV,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at most.",
                                             rich_help_panel="Served models")
                           ] = defaults.API_CONCURRENCY,
    timeout: Annotated[float, typer.Option(help="Seconds per attempt without a reply.",
                                           rich_help_panel="Served models")
                       ] = defaults.API_TIMEOUT_S,
    max_retries: Annotated[int, typer.Option(
        help="Retries of a request after 408, 429, 5xx or a network fault.",
        rich_help_panel="Served models")] = defaults.API_MAX_RETRIES,
    max_failures: Annotated[int, typer.Option(
        help="Failed documents tolerated before the run exits 5 (all files are written "
             "either way).")] = 0,
    shard: Annotated[str | None, typer.Option(
        help="I/N: evaluate only shard I of N (by a stable hash of the document id); "
             "join the run folders with `sumbench merge`.")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar or table.")] = False,
) -> None:
    """Summarize a suite and score it with ROUGE; write a run folder."""

    def action() -> int:
        from sumbench.errors import InputError
        from sumbench.options import RunOptions
        from sumbench.pipeline import execute_run
        from sumbench.reports import FORMATS, parse_formats

        formats = parse_formats(report, FORMATS, "report")
        try:
            prompt_text = prompt_file.read_text(encoding="utf-8") if prompt_file else prompt
        except OSError as err:
            raise InputError(str(prompt_file), f"cannot read the prompt file ({err.strerror})"
                             ) from None
        options = RunOptions(
            references=references, data=data, limit=limit, summarizer=summarizer,
            article_field=article_field, reference_field=tuple(reference_field or ()),
            id_field=id_field,
            predictions=predictions, lead_sentences=lead_sentences, model=model,
            revision=revision, prompt=prompt_text, system_prompt=system_prompt,
            max_new_tokens=max_new_tokens, num_beams=num_beams,
            max_input_tokens=max_input_tokens, batch_size=batch_size, compile=compile,
            device=device, dtype=dtype, quantize=quantize, seed=seed, stemmer=stemmer,
            tokenizer=tokenizer,
            multi_reference=multi_reference, rouge_types=rouge_types, split=split,
            rouge_engine=rouge_engine, rouge_impl=rouge_impl, rouge155_flags=rouge155_flags,
            out=out or _default_out(summarizer), cache=cache,
            cache_file=cache_file, trust_remote_code=trust_remote_code,
            allow_pickle=allow_pickle, base_url=tuple(base_url or ()), endpoint=endpoint,
            extra_body=parse_json_object("extra_body", extra_body),
            api_key_env=api_key_env, concurrency=concurrency, timeout=timeout,
            max_retries=max_retries, max_failures=max_failures, shard=shard, label=label,
            quiet=quiet, metrics=metrics, argv=sys.argv[1:])
        return execute_run(options, formats=formats,
                           fail_under=gates_text(fail_under, gate, options.metrics),
                           gate_on=gate_on)

    _guard(action)


@app.command()
def merge(
    shard_dirs: Annotated[list[Path], typer.Argument(help="The run folders of every shard.")],
    out: Annotated[Path, typer.Option(help="Folder for the merged run.")],
    report: Annotated[str | None, typer.Option(help="Extra reports: md,junit,html,csv.")
                      ] = None,
    fail_under: Annotated[str | None, typer.Option(help="Lower bounds, as for `run`.")] = None,
    gate: Annotated[str | None, typer.Option(help="Gates, as for `run`.")] = None,
    gate_on: Annotated[GateOn, typer.Option()] = "mean",
    max_failures: Annotated[int, typer.Option(help="Failed documents tolerated.")] = 0,
) -> None:
    """Join the shards of one suite (`run --shard I/N`) into one run folder, as if the
    suite had run on one machine."""

    def action() -> int:
        from sumbench.pipeline import execute_merge
        from sumbench.reports import FORMATS, parse_formats

        return execute_merge(shard_dirs, out=out, formats=parse_formats(report, FORMATS,
                                                                         "report"),
                             fail_under=gates_text(fail_under, gate), gate_on=gate_on,
                             max_failures=max_failures, argv=sys.argv[1:])

    _guard(action)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder.")],
    format: Annotated[str, typer.Option("--format", help="md,junit,html,csv")] = "md,html",
    fail_under: Annotated[str | None, typer.Option(help="Lower bounds to record and check.")
                          ] = None,
    gate: Annotated[str | None, typer.Option(help="Gates, as for `run`.")] = None,
    gate_on: Annotated[GateOn, typer.Option()] = "mean",
) -> None:
    """Write reports for an existing run (no model is loaded)."""

    def action() -> int:
        from sumbench.pipeline import report_existing
        from sumbench.reports import FORMATS, parse_formats

        return report_existing(run_dir, parse_formats(format, FORMATS, "format"),
                               gates_text(fail_under, gate), gate_on)

    _guard(action)


@app.command()
def compare(
    base: Annotated[Path, typer.Argument(help="Baseline run folder.")],
    new: Annotated[Path, typer.Argument(help="New run folder.")],
    metrics: Annotated[str | None, typer.Option(
        help="Metrics to judge (TYPE[.STAT], or a diagnostic); default: every ROUGE type "
             "the base run computed.")] = None,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = defaults.ALPHA,
    max_drop: Annotated[float, typer.Option(help="Tolerated drop of the mean (absolute).")
                        ] = 0.0,
    seed: Annotated[int, typer.Option()] = defaults.SEED,
    out: Annotated[Path | None, typer.Option(help="Folder for comparison reports "
                                                "(default NEW/compare).")] = None,
    report: Annotated[str, typer.Option(
        help="md,junit,html,json,pr (pr: pr_comment.md, a pull-request comment)")
                      ] = "md,json",
    force: Annotated[bool, typer.Option(help="Compare even if settings differ.")] = False,
    top: Annotated[int, typer.Option(help="How many largest drops to list.")
                   ] = defaults.TOP_DROPS,
) -> None:
    """Paired comparison of two runs over the same documents; exit 1 on a regression."""

    def action() -> int:
        from sumbench.pipeline import execute_compare
        from sumbench.reports import COMPARISON_FORMATS, parse_formats

        formats = parse_formats(report, COMPARISON_FORMATS, "report")
        return execute_compare(base, new, metrics=metrics, alpha=alpha, max_drop=max_drop,
                               seed=seed, out=out, formats=formats, force=force, top=top)

    _guard(action)


@app.command()
def history(
    run_dirs: Annotated[list[str], typer.Argument(
        help="Run folders, oldest first; a quoted pattern such as 'runs/*' is expanded in "
             "sorted order.")],
    out: Annotated[Path, typer.Option(help="Folder for history.json/.md/.html.")
                   ] = Path("history"),
    metrics: Annotated[str | None, typer.Option(
        help="Metrics to follow (TYPE[.STAT], or a diagnostic); default: every ROUGE type "
             "the first run computed.")] = None,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = defaults.ALPHA,
    max_drop: Annotated[float, typer.Option(help="Tolerated drop of the mean (absolute).")
                        ] = 0.0,
    seed: Annotated[int, typer.Option()] = defaults.SEED,
    report: Annotated[str, typer.Option(help="json,md,html")] = "json,md,html",
    fail_on_regression: Annotated[bool, typer.Option(
        help="Exit 1 when the latest pair of any series regressed (for CI).")] = False,
) -> None:
    """Results over time: group runs into comparable series, test each consecutive pair
    as `compare` does, chart every metric."""

    def action() -> int:
        from sumbench.pipeline import execute_history
        from sumbench.reports import HISTORY_FORMATS, parse_formats

        formats = parse_formats(report, HISTORY_FORMATS, "report")
        return execute_history(run_dirs, out=out, metrics=metrics, alpha=alpha,
                               max_drop=max_drop, seed=seed, formats=formats,
                               fail_on_regression=fail_on_regression)

    _guard(action)


@app.command("meta-eval")
def meta_eval(
    human_file: Annotated[Path, typer.Argument(help="JSONL: id, references, article "
                                               "(optional), systems {name: {summary, human}}.")],
    out: Annotated[Path, typer.Option(help="Folder for meta_eval.json/.md/.html.")
                   ] = Path("meta-eval"),
    resample: Annotated[Literal["both", "documents", "systems"], typer.Option(
        help="What the bootstrap resamples (both, as Deutsch et al. 2021 recommend).")
                        ] = "both",
    n_resamples: Annotated[int, typer.Option(help="Bootstrap resamples (and permutations).")
                           ] = 1000,
    seed: Annotated[int, typer.Option()] = defaults.SEED,
    paired: Annotated[list[str] | None, typer.Option(
        help="A,B: test whether metric A correlates better than B (repeatable), e.g. "
             "rouge2.fmeasure,rouge1.fmeasure.")] = None,
    permute: Annotated[Literal["both", "documents", "systems"], typer.Option(
        help="What the paired test swaps between A and B.")] = "both",
    stemmer: Annotated[bool, typer.Option("--stemmer/--no-stemmer")] = True,
    tokenizer: Annotated[TokenizerName, typer.Option()] = "default",
    multi_reference: Annotated[MultiReference, typer.Option()] = "max",
    rouge_types: Annotated[str, typer.Option()] = ",".join(defaults.ROUGE_TYPES),
    split: Annotated[SplitMode, typer.Option(help="ROUGE-Lsum's sentences, as for `run`.")
                     ] = "auto",
    rouge_impl: Annotated[RougeImpl, typer.Option()] = "rouge-score",
    rouge155_flags: Annotated[str | None, typer.Option(
        help="ROUGE-1.5.5 flags (with --rouge-impl rouge155), e.g. \"-c 95 -r 1000 -n 2 -m "
             "-f A -a\" as SummEval used.")] = None,
    metrics: Annotated[str, typer.Option(
        help="Metric families to correlate: rouge (always), diagnostics, and any installed "
             "plugin's.")] = "rouge,diagnostics",
    report: Annotated[str, typer.Option(help="json,md,html")] = "json,md,html",
    quiet: Annotated[bool, typer.Option(help="No table.")] = False,
) -> None:
    """Which metric tracks human judgment: Kendall, Spearman and Pearson of every ROUGE
    score and diagnostic with every human dimension, at system and summary level."""

    def action() -> int:
        from sumbench.errors import SettingError
        from sumbench.metaeval import MetaEvalOptions
        from sumbench.options import RunOptions
        from sumbench.pipeline import execute_meta_eval
        from sumbench.reports import META_EVAL_FORMATS, parse_formats

        formats = parse_formats(report, META_EVAL_FORMATS, "report")
        pairs = []
        for text in paired or []:
            a, sep, b = text.partition(",")
            if not sep or not a.strip() or not b.strip():
                raise SettingError("paired", f"cannot read {text!r}: write METRIC_A,METRIC_B")
            pairs.append((a.strip(), b.strip()))
        meta = MetaEvalOptions(resample=resample, n_resamples=n_resamples, seed=seed,
                               paired=tuple(pairs), permute=permute)
        options = RunOptions(out=None, stemmer=stemmer, tokenizer=tokenizer,
                             multi_reference=multi_reference, rouge_types=rouge_types,
                             split=split, rouge_impl=rouge_impl, rouge155_flags=rouge155_flags,
                             seed=seed, metrics=metrics, argv=sys.argv[1:])
        return execute_meta_eval(human_file, out=out, options=options, meta_options=meta,
                                 formats=formats, quiet=quiet)

    _guard(action)


def gates_text(fail_under: str | None, gate: str | None,
               metrics: tuple[str, ...] | None = None) -> str | None:
    """--fail-under and --gate as one list of gates, each checked under its own flag name
    first so a typo is reported against the flag it was written in. With the run's
    ``metrics``, names of their columns are checked too; without (a finished run's
    gates), those names are checked once the run is read."""
    from sumbench.gates import parse_gates
    from sumbench.metrics import extra_columns

    columns = extra_columns(metrics) if metrics is not None else None
    parse_gates(fail_under, "fail_under", columns)
    parse_gates(gate, "gate", columns)
    return ",".join(text for text in (fail_under, gate) if text) or None


def parse_json_object(name: str, text: str | None) -> dict | None:
    """A JSON object given on the command line; a SettingError says what is wrong."""
    if text is None:
        return None
    import json

    from sumbench.errors import SettingError

    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise SettingError(name, f"is not valid JSON ({err.msg} at character {err.pos})"
                           ) from None
    if not isinstance(value, dict):
        raise SettingError(name, f"must be a JSON object; got {type(value).__name__}")
    return value


def _guard(action: Callable[[], int]) -> None:
    """Turn our errors into one line and an exit code; Ctrl-C keeps finished work; a bug
    gets its own exit code and its traceback saved where the message says."""
    try:
        code = action()
    except SumbenchError as err:
        _err(str(err))
        raise typer.Exit(err.exit_code) from None
    except KeyboardInterrupt:
        _err("interrupted. Finished documents are saved in the response cache: run the same "
             "command again to resume.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as err:  # a bug: never a bare traceback, never exit 1 (a failed gate)
        path = _save_traceback()
        _err(f"unexpected {type(err).__name__}: {str(err)[:200]}. This is a bug in sumbench; "
             f"the full traceback is in {path}")
        raise typer.Exit(EXIT_UNEXPECTED) from None
    raise typer.Exit(code or 0)


def _save_traceback() -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    with tempfile.NamedTemporaryFile("w", prefix=f"sumbench-crash-{stamp}-", suffix=".txt",
                                     delete=False, encoding="utf-8") as fh:
        fh.write(f"sumbench {' '.join(sys.argv[1:])}\n\n")
        fh.write(traceback.format_exc())
    return Path(fh.name)


def main() -> None:
    from sumbench import workers

    workers.allow()  # our own entry point: helper processes may re-import it safely
    app()
