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
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sumbench import cli_options as o
from sumbench import defaults
from sumbench.errors import EXIT_INTERRUPTED, EXIT_UNEXPECTED, SumbenchError

if TYPE_CHECKING:
    from sumbench.options import RunOptions

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Summarization evaluation: a local model summarizes, ROUGE scores it "
                       "against hand-written references, CI reads the results.")

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
    references: o.References = Path("references"),
    data: o.Data = None,
    limit: o.Limit = None,
    article_field: o.ArticleField = None,
    reference_field: o.ReferenceField = None,
    id_field: o.IdField = None,
    summarizer: o.Summarizer = "hf",
    predictions: o.Predictions = None,
    lead_sentences: o.LeadSentences = defaults.LEAD_SENTENCES,
    model: o.Model = None,
    prompt: o.Prompt = None,
    prompt_file: o.PromptFile = None,
    system_prompt: o.SystemPrompt = None,
    max_new_tokens: o.MaxNewTokens = defaults.MAX_NEW_TOKENS,
    seed: o.Seed = defaults.SEED,
    revision: o.Revision = None,
    num_beams: o.NumBeams = defaults.NUM_BEAMS,
    max_input_tokens: o.MaxInputTokens = None,
    batch_size: o.BatchSize = None,
    compile: o.Compile = "auto",
    device: o.Device = "auto",
    dtype: o.DtypeOption = "auto",
    quantize: o.Quantize = "none",
    trust_remote_code: o.TrustRemoteCode = False,
    allow_pickle: o.AllowPickle = False,
    base_url: o.BaseUrl = None,
    endpoint: o.EndpointOption = "chat",
    extra_body: o.ExtraBody = None,
    api_key_env: o.ApiKeyEnv = defaults.API_KEY_ENV,
    concurrency: o.Concurrency = defaults.API_CONCURRENCY,
    timeout: o.Timeout = defaults.API_TIMEOUT_S,
    max_retries: o.MaxRetries = defaults.API_MAX_RETRIES,
    metrics: o.Metrics = "rouge,diagnostics",
    stemmer: o.Stemmer = True,
    tokenizer: o.Tokenizer = "default",
    multi_reference: o.MultiReferenceOption = "max",
    rouge_types: o.RougeTypes = o.ROUGE_TYPES_DEFAULT,
    split: o.Split = "auto",
    lang: o.Lang = None,
    rouge_engine: o.RougeEngineOption = "auto",
    rouge_impl: o.RougeImplOption = "rouge-score",
    rouge155_flags: o.Rouge155Flags = None,
    bertscore_model: o.BertscoreModel = None,
    bertscore_layer: o.BertscoreLayer = None,
    bertscore_idf: o.BertscoreIdf = False,
    bertscore_baseline: o.BertscoreBaseline = None,
    bertscore_device: o.BertscoreDevice = "auto",
    judge_criteria: o.JudgeCriteria = None,
    judge_criteria_file: o.JudgeCriteriaFile = None,
    judge_model: o.JudgeModel = None,
    judge_base_url: o.JudgeBaseUrl = None,
    judge_samples: o.JudgeSamples = None,
    judge_temperature: o.JudgeTemperature = None,
    judge_batch_size: o.JudgeBatchSize = None,
    judge_concurrency: o.JudgeConcurrency = None,
    judge_timeout: o.JudgeTimeout = None,
    judge_max_retries: o.JudgeMaxRetries = None,
    judge_api_key_env: o.JudgeApiKeyEnv = None,
    out: o.RunFolder = None,
    label: o.Label = None,
    report: o.Report = None,
    fail_under: o.FailUnder = None,
    gate: o.Gate = None,
    gate_on: o.GateOn = "mean",
    max_failures: o.MaxFailures = 0,
    quiet: o.Quiet = False,
    cache: o.Cache = True,
    cache_file: o.CacheFile = None,
    shard: o.Shard = None,
) -> None:
    """Summarize a suite and score it with ROUGE; write a run folder."""
    given = dict(locals())  # every option, by its RunOptions name where it has one

    def action() -> int:
        from sumbench.pipeline import execute_run
        from sumbench.reports import FORMATS, parse_formats

        formats = parse_formats(report, FORMATS, "report")
        options = run_options(given)
        return execute_run(options, formats=formats,
                           fail_under=gates_text(fail_under, gate, options.scoring.metrics),
                           gate_on=gate_on)

    _guard(action)


# run's options that are not settings of the run itself (how it is reported and gated)
NOT_RUN_OPTIONS = ("prompt_file", "report", "fail_under", "gate", "gate_on")


def metric_options(given: dict[str, Any]) -> dict[str, Any]:
    """The options of metrics' own settings (``judge_*``...) as given: repeated options
    as tuples; None (not given) is left for the metric's default."""
    from sumbench.options import metric_option_names

    names = metric_option_names()
    return {k: tuple(v) if isinstance(v, list) else v for k, v in given.items() if k in names}


def run_options(given: dict[str, Any]) -> RunOptions:
    """``run``'s options as a checked RunOptions: the prompt read from its file, lists as
    tuples, ``--extra-body`` parsed, the default run folder named."""
    from sumbench.errors import InputError
    from sumbench.options import RunOptions

    settings = {k: v for k, v in given.items() if k not in NOT_RUN_OPTIONS}
    prompt_file = given["prompt_file"]
    try:
        if prompt_file:
            settings["prompt"] = prompt_file.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(str(prompt_file), f"cannot read the prompt file ({err.strerror})"
                         ) from None
    settings["reference_field"] = tuple(given["reference_field"] or ())
    settings["base_url"] = tuple(given["base_url"] or ())
    settings["extra_body"] = parse_json_object("extra_body", given["extra_body"])
    settings.update(metric_options(given))
    settings["out"] = given["out"] or _default_out(given["summarizer"])
    return RunOptions.build(**settings, argv=sys.argv[1:])


@app.command()
def merge(
    shard_dirs: Annotated[list[Path], typer.Argument(help="The run folders of every shard.")],
    out: Annotated[Path, typer.Option(help="Folder for the merged run.")],
    report: o.Report = None,
    fail_under: o.FailUnder = None,
    gate: o.Gate = None,
    gate_on: o.GateOn = "mean",
    max_failures: o.MaxFailures = 0,
    lang: Annotated[str | None, typer.Option(help=(
        "Refuse the merge unless every shard was scored with --lang this language "
        "(the shards' recorded settings are used either way)."))] = None,
) -> None:
    """Join the shards of one suite (`run --shard I/N`) into one run folder."""

    def action() -> int:
        from sumbench.pipeline import execute_merge
        from sumbench.reports import FORMATS, parse_formats

        return execute_merge(shard_dirs, out=out, formats=parse_formats(report, FORMATS,
                                                                         "report"),
                             fail_under=gates_text(fail_under, gate), gate_on=gate_on,
                             max_failures=max_failures, argv=sys.argv[1:], lang=lang)

    _guard(action)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder.")],
    format: Annotated[str, typer.Option("--format", help="md,junit,html,csv")] = "md,html",
    fail_under: o.FailUnder = None,
    gate: o.Gate = None,
    gate_on: o.GateOn = "mean",
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
    """Results over time: comparable series, each consecutive pair tested, charts."""

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
    resample: o.Resample = "both",
    n_resamples: o.NResamples = defaults.META_EVAL_RESAMPLES,
    paired: o.Paired = None,
    permute: o.Permute = "both",
    seed: o.Seed = defaults.SEED,
    metrics: o.Metrics = "rouge,diagnostics",
    stemmer: o.Stemmer = True,
    tokenizer: o.Tokenizer = "default",
    multi_reference: o.MultiReferenceOption = "max",
    rouge_types: o.RougeTypes = o.ROUGE_TYPES_DEFAULT,
    split: o.Split = "auto",
    lang: o.Lang = None,
    rouge_impl: o.RougeImplOption = "rouge-score",
    rouge155_flags: o.Rouge155Flags = None,
    bertscore_model: o.BertscoreModel = None,
    bertscore_layer: o.BertscoreLayer = None,
    bertscore_idf: o.BertscoreIdf = False,
    bertscore_baseline: o.BertscoreBaseline = None,
    bertscore_device: o.BertscoreDevice = "auto",
    judge_criteria: o.JudgeCriteria = None,
    judge_criteria_file: o.JudgeCriteriaFile = None,
    judge_model: o.JudgeModel = None,
    judge_base_url: o.JudgeBaseUrl = None,
    judge_samples: o.JudgeSamples = None,
    judge_temperature: o.JudgeTemperature = None,
    judge_batch_size: o.JudgeBatchSize = None,
    judge_concurrency: o.JudgeConcurrency = None,
    judge_timeout: o.JudgeTimeout = None,
    judge_max_retries: o.JudgeMaxRetries = None,
    judge_api_key_env: o.JudgeApiKeyEnv = None,
    report: Annotated[str, typer.Option(help="json,md,html")] = "json,md,html",
    quiet: Annotated[bool, typer.Option(help="No table.")] = False,
) -> None:
    """Which metric tracks human judgment (Kendall, Spearman, Pearson; system and summary).

    Every metric's scores against every human dimension, with bootstrap intervals."""
    given = dict(locals())

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
        options = RunOptions.build(out=None, stemmer=stemmer, tokenizer=tokenizer,
                             multi_reference=multi_reference, rouge_types=rouge_types,
                             split=split, rouge_impl=rouge_impl, rouge155_flags=rouge155_flags,
                             seed=seed, metrics=metrics, lang=lang, argv=sys.argv[1:],
                             **metric_options(given))
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
