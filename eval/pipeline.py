"""What each CLI command does, apart from parsing: build, run, write, gate.

Kept apart from cli.py so the commands can be driven from Python (and tests) and so
``sumbench --help`` imports none of this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from eval import references, reports, scoring
from eval.errors import InputError, SumbenchError
from eval.gates import check_gates, parse_gates
from eval.records import Example
from eval.runio import read_run, write_run
from eval.summarizers import NAMES, Summarizer


@dataclass(frozen=True)
class RunOptions:
    """The run command's options, as given."""

    out: Path
    references: Path = Path("references")
    data: Path | None = None
    limit: int | None = None
    summarizer: str = "hf"
    predictions: Path | None = None
    lead_sentences: int = 3
    model: str | None = None
    revision: str | None = None
    prompt: str | None = None
    system_prompt: str | None = None
    max_new_tokens: int = 96
    num_beams: int = 1
    max_input_tokens: int | None = None
    batch_size: int | None = None
    compile: str = "auto"
    device: str = "auto"
    dtype: str = "auto"
    seed: int = 0
    stemmer: bool = True
    tokenizer: str = "default"
    multi_reference: str = "max"
    rouge_types: str = ",".join(scoring.ROUGE_TYPES)
    rouge_engine: str = "auto"
    cache: bool = True
    cache_file: Path | None = None
    trust_remote_code: bool = False
    allow_pickle: bool = False
    quiet: bool = False
    argv: list[str] = field(default_factory=list)


def rouge_spec(options: RunOptions) -> scoring.RougeSpec:
    types = tuple(t.strip() for t in options.rouge_types.split(",") if t.strip())
    return scoring.RougeSpec(rouge_types=types, use_stemmer=options.stemmer,
                             tokenizer=options.tokenizer,  # type: ignore[arg-type]
                             multi_reference=options.multi_reference)  # type: ignore[arg-type]


def build_summarizer(options: RunOptions, examples: list[Example]) -> Summarizer:
    """The summarizer named by ``--summarizer``, with the response cache in front of models."""
    if options.summarizer not in NAMES:
        raise SumbenchError(f"unknown --summarizer {options.summarizer!r}; choose from "
                            f"{', '.join(NAMES)}")
    if options.summarizer != "predictions" and options.predictions is not None:
        raise SumbenchError("--predictions needs --summarizer predictions")
    if options.summarizer == "lead":
        from eval.summarizers.baselines import LeadSummarizer

        if options.lead_sentences < 1:
            raise SumbenchError("--lead-sentences must be at least 1")
        return LeadSummarizer(options.lead_sentences)
    if options.summarizer == "predictions":
        from eval.models import sha256_file
        from eval.summarizers.baselines import PredictionsSummarizer

        if options.predictions is None:
            raise SumbenchError("--summarizer predictions needs --predictions FILE.jsonl")
        preds = references.load_predictions(options.predictions, [ex.id for ex in examples])
        return PredictionsSummarizer(preds, str(options.predictions),
                                     sha256_file(options.predictions))
    from eval.models import cache_dir, resolve_model
    from eval.summarizers.hf import DEFAULT_PROMPT, GenerationSettings, HFSummarizer

    settings = GenerationSettings(
        max_new_tokens=options.max_new_tokens, num_beams=options.num_beams,
        max_input_tokens=options.max_input_tokens, batch_size=options.batch_size,
        compile=options.compile, device=options.device, dtype=options.dtype, seed=options.seed,
        prompt=options.prompt or DEFAULT_PROMPT, system_prompt=options.system_prompt)
    resolved = resolve_model(options.model, trust_remote_code=options.trust_remote_code,
                             allow_pickle=options.allow_pickle, revision=options.revision)
    summarizer = HFSummarizer(resolved, settings, trust_remote_code=options.trust_remote_code,
                              allow_pickle=options.allow_pickle)
    if not options.cache:
        return summarizer
    from eval.cache import CachedSummarizer, ResponseCache

    return CachedSummarizer(summarizer,
                            ResponseCache(options.cache_file or cache_dir() / "responses.sqlite"))


def execute_run(options: RunOptions, *, formats: list[str], fail_under: str | None,
                gate_on: str) -> int:
    """Load, summarize, score, write the run folder and reports; return the exit code."""
    from eval.run import evaluate

    gates = parse_gates(fail_under)  # fail on a typo before any model work
    spec = rouge_spec(options)
    if options.rouge_engine not in ("auto", "reference", "fast"):
        raise SumbenchError("--rouge-engine must be auto, fast or reference")
    examples = references.load_examples(data=options.data, references_dir=options.references,
                                        limit=options.limit)
    _check_out(options.out)
    summarizer = build_summarizer(options, examples)
    source = str(options.data if options.data is not None else options.references)
    chunk = getattr(summarizer, "batch_size", None) or max(len(examples), 1)
    with reports.console.progress(len(examples), options.quiet,
                                  f"{summarizer.name}: summarizing") as advance:
        result = evaluate(examples, summarizer, spec, seed=options.seed, chunk_size=chunk,
                          engine=options.rouge_engine,  # type: ignore[arg-type]
                          data_source=source, on_progress=advance,
                          extra_spec={"limit": options.limit, "command": options.argv})
    write_run(options.out, result)
    gate_results = check_gates(result, gates, gate_on)  # type: ignore[arg-type]
    reports.write_reports(options.out, result, formats, gate_results)
    if not options.quiet:
        reports.console.print_run(result, options.out, gate_results)
    return 1 if any(not g.passed for g in gate_results) else 0


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "--out exists and is not a folder")


def report_existing(run_dir: Path, formats: list[str], fail_under: str | None,
                    gate_on: str) -> int:
    result = read_run(run_dir)
    gate_results = check_gates(result, parse_gates(fail_under), gate_on)  # type: ignore[arg-type]
    written = reports.write_reports(run_dir, result, formats, gate_results)
    for path in written:
        print(path)
    return 1 if any(not g.passed for g in gate_results) else 0


def execute_compare(base: Path, new: Path, *, metrics: str, alpha: float, max_drop: float,
                    seed: int, out: Path | None, formats: str, force: bool, top: int) -> int:
    from eval import compare

    comparison = compare.compare_runs(read_run(base), read_run(new), metrics=metrics,
                                      alpha=alpha, max_drop=max_drop, seed=seed, force=force,
                                      top=top, base_dir=str(base), new_dir=str(new))
    out_dir = out or (new / "compare")
    names = [f.strip() for f in formats.split(",") if f.strip()]
    written = reports.write_comparison(out_dir, comparison, names)
    reports.console.print_comparison(comparison, written)
    return 1 if comparison.regressed else 0


