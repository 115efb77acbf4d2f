"""The ``sumbench`` command: parse options, build the spec, run, write reports, exit code.

Exit codes: 0 success; 1 a quality gate failed or ``compare`` found a regression;
2 bad input or settings; 3 the fast ROUGE path disagreed with rouge-score;
130 interrupted (finished documents are kept in the response cache).
Heavy modules are imported inside the commands so ``sumbench --help`` is instant.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from eval.errors import SumbenchError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Summarization evaluation: a local model summarizes, ROUGE scores it "
                       "against hand-written references, CI reads the results.")

EXIT_GATE_FAILED = 1
EXIT_INTERRUPTED = 130


def _err(message: str) -> None:
    typer.secho(f"sumbench: error: {message}", fg="red", err=True)


def _formats(text: str | None) -> list[str]:
    from eval.reports import FORMATS

    names = [f.strip() for f in (text or "").split(",") if f.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise SumbenchError(f"unknown report format(s) {unknown}; choose from {list(FORMATS)}")
    return names


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
    data: Annotated[Path | None, typer.Option(help="JSONL suite (id, article, references) "
                                                  "instead of the folder.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N documents.")] = None,
    summarizer: Annotated[str, typer.Option(help="hf, lead or predictions.")] = "hf",
    predictions: Annotated[Path | None, typer.Option(help="JSONL of id, prediction "
                                                         "(--summarizer predictions).")] = None,
    lead_sentences: Annotated[int, typer.Option(help="k for the lead baseline.")] = 3,
    model: Annotated[str | None, typer.Option(help="Model folder or Hub id; default: "
                                                  "the embedded SmolLM2-135M-Instruct.")] = None,
    revision: Annotated[str | None, typer.Option(help="Hub revision.")] = None,
    prompt: Annotated[str | None, typer.Option(help="Prompt with {article}.")] = None,
    prompt_file: Annotated[Path | None, typer.Option(help="Read the prompt from a file."
                                                        )] = None,
    system_prompt: Annotated[str | None, typer.Option(help="System message.")] = None,
    max_new_tokens: Annotated[int, typer.Option()] = 96,
    num_beams: Annotated[int, typer.Option()] = 1,
    max_input_tokens: Annotated[int | None, typer.Option(
        help="Article tokens kept (cut beyond, flagged per document).")] = None,
    batch_size: Annotated[int | None, typer.Option(
        help="Documents per batch (default 32 on CPU, 512 on CUDA).")] = None,
    compile: Annotated[str, typer.Option(
        help="CUDA only: static KV cache + torch.compile. auto compiles only runs of "
             "16,000+ documents with batches of 256 or less, where the ~35-50 s compile "
             "pays off (see bench/README.md).")] = "auto",
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:1 ...")] = "auto",
    dtype: Annotated[str, typer.Option(help="auto (bf16 on GPU, fp32 on CPU), float32, "
                                       "bfloat16, float16.")] = "auto",
    seed: Annotated[int, typer.Option(help="Seed for generation and the bootstrap.")] = 0,
    stemmer: Annotated[bool, typer.Option("--stemmer/--no-stemmer",
                                          help="Porter stemming (on, as in CNN/DM papers)."
                                          )] = True,
    tokenizer: Annotated[str, typer.Option(help="default (rouge-score, ASCII only) or "
                                           "unicode (every script).")] = "default",
    multi_reference: Annotated[str, typer.Option(help="max (best reference per type, as "
                                                 "score_multi) or mean.")] = "max",
    rouge_types: Annotated[str, typer.Option()] = "rouge1,rouge2,rougeL,rougeLsum",
    rouge_engine: Annotated[str, typer.Option(help="auto (fast, checked against rouge-score "
                                              "on a sample) or reference.")] = "auto",
    out: Annotated[Path | None, typer.Option(help="Run folder (default runs/<time>-<name>)."
                                                )] = None,
    report: Annotated[str | None, typer.Option(help="Extra reports: md,junit,html,csv.")
                      ] = None,
    fail_under: Annotated[str | None, typer.Option(
        help="Gates, e.g. rouge1=0.30,rouge2.recall=0.1 (F1 unless named).")] = None,
    gate_on: Annotated[str, typer.Option(help="mean or low (the interval's lower end).")
                       ] = "mean",
    cache: Annotated[bool, typer.Option("--cache/--no-cache",
                                        help="Reuse and save model outputs (resume).")] = True,
    cache_file: Annotated[Path | None, typer.Option(
        help="Response cache database (default: $SUMBENCH_CACHE_DIR/responses.sqlite).")
                          ] = None,
    trust_remote_code: Annotated[bool, typer.Option(help="Allow a model's own Python code.")
                                 ] = False,
    allow_pickle: Annotated[bool, typer.Option(help="Allow pickle (*.bin) weights.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar or table.")] = False,
) -> None:
    """Summarize a suite and score it with ROUGE; write a run folder."""
    from eval.pipeline import RunOptions, execute_run

    try:
        prompt_text = prompt_file.read_text(encoding="utf-8") if prompt_file else prompt
    except OSError as err:
        _err(f"{prompt_file}: cannot read the prompt file ({err.strerror})")
        raise typer.Exit(2) from None
    options = RunOptions(
        references=references, data=data, limit=limit, summarizer=summarizer,
        predictions=predictions, lead_sentences=lead_sentences, model=model, revision=revision,
        prompt=prompt_text, system_prompt=system_prompt, max_new_tokens=max_new_tokens,
        num_beams=num_beams, max_input_tokens=max_input_tokens, batch_size=batch_size,
        compile=compile,
        device=device, dtype=dtype, seed=seed, stemmer=stemmer, tokenizer=tokenizer,
        multi_reference=multi_reference, rouge_types=rouge_types, rouge_engine=rouge_engine,
        out=out or _default_out(summarizer), cache=cache, cache_file=cache_file,
        trust_remote_code=trust_remote_code,
        allow_pickle=allow_pickle, quiet=quiet, argv=sys.argv[1:])
    _guard(lambda: execute_run(options, formats=_formats(report), fail_under=fail_under,
                               gate_on=gate_on))


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder.")],
    format: Annotated[str, typer.Option("--format", help="md,junit,html,csv")] = "md,html",
    fail_under: Annotated[str | None, typer.Option(help="Gates to record and check.")
                          ] = None,
    gate_on: Annotated[str, typer.Option()] = "mean",
) -> None:
    """Write reports for an existing run (no model is loaded)."""
    from eval.pipeline import report_existing

    _guard(lambda: report_existing(run_dir, _formats(format), fail_under, gate_on))


@app.command()
def compare(
    base: Annotated[Path, typer.Argument(help="Baseline run folder.")],
    new: Annotated[Path, typer.Argument(help="New run folder.")],
    metrics: Annotated[str, typer.Option(help="Metrics to judge (TYPE[.STAT]).")
                       ] = "rouge1,rouge2,rougeL,rougeLsum",
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    max_drop: Annotated[float, typer.Option(help="Tolerated drop of the mean (absolute).")
                        ] = 0.0,
    seed: Annotated[int, typer.Option()] = 0,
    out: Annotated[Path | None, typer.Option(help="Folder for comparison reports "
                                                "(default NEW/compare).")] = None,
    report: Annotated[str, typer.Option(help="md,junit,html,json")] = "md,json",
    force: Annotated[bool, typer.Option(help="Compare even if settings differ.")] = False,
    top: Annotated[int, typer.Option(help="How many largest drops to list.")] = 5,
) -> None:
    """Paired comparison of two runs over the same documents; exit 1 on a regression."""
    from eval.pipeline import execute_compare

    _guard(lambda: execute_compare(base, new, metrics=metrics, alpha=alpha, max_drop=max_drop,
                                   seed=seed, out=out, formats=report, force=force, top=top))


def _guard(action: object) -> None:
    """Turn our errors into one line and an exit code; Ctrl-C keeps finished work."""
    try:
        code = action()  # type: ignore[operator]
    except SumbenchError as err:
        _err(str(err))
        raise typer.Exit(err.exit_code) from None
    except KeyboardInterrupt:
        _err("interrupted. Finished documents are saved in the response cache: run the same "
             "command again to resume.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    raise typer.Exit(code or 0)


def main() -> None:
    app()
