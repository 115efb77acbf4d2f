"""What each CLI command does, apart from parsing: build, run, write, gate.

Kept apart from cli.py so the commands can be driven from Python (and tests) and so
``sumbench --help`` imports none of this.
"""

from __future__ import annotations

from pathlib import Path

from sumbench import reports, scoring, suites
from sumbench.errors import EXIT_FAILED_DOCUMENTS, EXIT_QUALITY
from sumbench.gates import check_gates, parse_gates
from sumbench.metrics import extra_columns, recorded_columns
from sumbench.options import RunOptions
from sumbench.records import Example, RunResult
from sumbench.runio import read_run, write_run
from sumbench.summarizers import Summarizer, summarizer_class


def rouge_spec(options: RunOptions) -> scoring.RougeSpec:
    """The ROUGE settings of a run (checked when built)."""
    from sumbench.metrics.rouge import Rouge

    return Rouge.from_options(options).spec


def build_summarizer(options: RunOptions, examples: list[Example]) -> Summarizer:
    """The registered summarizer, with the response cache in front of any that can use it."""
    summarizer = summarizer_class(options.summarizer).from_options(options, examples)
    if not options.output.cache or summarizer.fingerprint() is None:
        return summarizer
    from sumbench.cache import ResponseCache
    from sumbench.downloads import cache_dir
    from sumbench.summarizers.cached import CachedSummarizer

    cache_file = options.output.cache_file or cache_dir() / "responses.sqlite"
    return CachedSummarizer(summarizer, ResponseCache(cache_file))


def run_suite(options: RunOptions) -> RunResult:
    """Load the suite, summarize it, score it: the run, without writing anything."""
    from sumbench.metrics.rouge import Rouge
    from sumbench.results import references_digest
    from sumbench.run import evaluate_suite

    metrics = options.metric_objects()  # settings are checked before any file is read
    spec = next(m.spec for m in metrics if isinstance(m, Rouge))
    suite = options.suite
    fields = None
    if suite.article_field or suite.reference_field or suite.id_field:
        from sumbench.suites.rows import DEFAULT, Fields

        fields = Fields(suite.article_field or DEFAULT.article,
                        suite.reference_field or DEFAULT.references, suite.id_field)
    examples, used = suites.load_suite(data=suite.data, references_dir=suite.references,
                                       limit=suite.limit, fields=fields)
    extra_spec: dict[str, object] = {"limit": options.suite.limit, "command": options.argv}
    if options.output.label is not None:  # names the run; decides no score and no cache key
        extra_spec["label"] = options.output.label
    if used is not None:
        extra_spec["fields"] = used.as_dict()
    for metric in metrics:  # suite-wide statistics (e.g. idf) before a shard is cut
        metric.prepare(references=[ex.references for ex in examples])
    if options.output.shard is not None:
        from sumbench import shards

        examples, extra_spec["shard"] = shards.select(examples, options.output.shard,
                                                      references_digest(examples))
    summarizer = build_summarizer(options, examples)
    source = str(options.suite.data if options.suite.data is not None else options.suite.references)
    with reports.console.progress(len(examples), options.output.quiet,
                                  f"{summarizer.name}: summarizing") as advance:
        return evaluate_suite(examples, summarizer, spec, seed=options.seed,
                              engine=options.scoring.rouge_engine,  # type: ignore[arg-type]
                              data_source=source, on_progress=advance,
                              extra_spec=extra_spec, metrics=metrics)


def execute_run(options: RunOptions, *, formats: list[str], fail_under: str | None,
                gate_on: str) -> int:
    """Run, write the run folder and reports; return the exit code."""
    if options.output.out is None:
        raise ValueError("execute_run writes a run folder: set RunOptions.out")
    # fail on a typo before any model work
    gates = parse_gates(fail_under, columns=extra_columns(options.scoring.metrics))
    result = run_suite(options)
    write_run(options.output.out, result)
    gate_results = check_gates(result, gates, gate_on)  # type: ignore[arg-type]
    reports.write_reports(options.output.out, result, formats, gate_results)
    if not options.output.quiet:
        reports.console.print_run(result, options.output.out, gate_results)
    return _exit_code(result, gate_results, options.output.max_failures)


def _exit_code(result: RunResult, gate_results: list, max_failures: int) -> int:
    failed = result.counts.get("n_failed", 0)
    metric_failed = result.counts.get("n_metric_failed", 0)
    if failed + metric_failed > max_failures:
        reports.console.print_error(
            f"{failed} document(s) failed to summarize (scored as empty summaries) and "
            f"{metric_failed} to score (no value), more than --max-failures {max_failures}. "
            "Run the same command again to retry only those."
            if metric_failed else
            f"{failed} document(s) failed (more than --max-failures {max_failures}); they are "
            "scored as empty summaries. Run the same command again to retry only those.")
        return EXIT_FAILED_DOCUMENTS
    return EXIT_QUALITY if any(not g.passed for g in gate_results) else 0


def execute_merge(shard_dirs: list[Path], *, out: Path, formats: list[str],
                  fail_under: str | None, gate_on: str, max_failures: int,
                  argv: list[str], lang: str | None = None) -> int:
    """Merge shard run folders into one run folder; reports and gates as for a run.
    With ``lang``, the shards must have been scored for that language."""
    from sumbench import shards

    result = shards.merge([(d, read_run(d)) for d in shard_dirs], argv)
    if lang is not None:
        shards.check_language(result.spec.rouge, lang, shard_dirs[0])
    gates = parse_gates(fail_under, columns=recorded_columns(result.spec))
    write_run(out, result)
    gate_results = check_gates(result, gates, gate_on)  # type: ignore[arg-type]
    reports.write_reports(out, result, formats, gate_results)
    reports.console.print_run(result, out, gate_results)
    return _exit_code(result, gate_results, max_failures)


def report_existing(run_dir: Path, formats: list[str], fail_under: str | None,
                    gate_on: str) -> int:
    result = read_run(run_dir)
    gates = parse_gates(fail_under, columns=recorded_columns(result.spec))
    gate_results = check_gates(result, gates, gate_on)  # type: ignore[arg-type]
    written = reports.write_reports(run_dir, result, formats, gate_results)
    for path in written:
        print(path)
    return EXIT_QUALITY if any(not g.passed for g in gate_results) else 0


def execute_compare(base: Path, new: Path, *, metrics: str | None, alpha: float,
                    max_drop: float,
                    seed: int, out: Path | None, formats: list[str], force: bool,
                    top: int) -> int:
    from sumbench import compare

    comparison = compare.compare_runs(read_run(base), read_run(new), metrics=metrics,
                                      alpha=alpha, max_drop=max_drop, seed=seed, force=force,
                                      top=top, base_dir=str(base), new_dir=str(new))
    written = reports.write_comparison(out or (new / "compare"), comparison, formats)
    reports.console.print_comparison(comparison, written)
    return EXIT_QUALITY if comparison.regressed else 0


def execute_history(paths: list[str], *, out: Path, metrics: str | None, alpha: float,
                    max_drop: float, seed: int, formats: list[str],
                    fail_on_regression: bool) -> int:
    """Read the runs, find their series and changes, write the reports."""
    from sumbench import history

    runs = [(str(path), read_run(path)) for path in history.expand(paths)]
    result = history.history(runs, metrics=metrics, alpha=alpha, max_drop=max_drop,
                             seed=seed)
    written = reports.write_history(out, result, formats)
    reports.console.print_history(result, written)
    return 1 if fail_on_regression and result.regressed else 0


def execute_meta_eval(human_file: Path, *, out: Path, options: RunOptions, meta_options: object,
                      formats: list[str], quiet: bool = False) -> int:
    """Score every system of a human-judged suite and correlate metrics with the humans."""
    from sumbench import metaeval
    from sumbench.metaeval_result import MetaEvalResult
    from sumbench.run import package_versions

    assert isinstance(meta_options, metaeval.MetaEvalOptions)
    spec = rouge_spec(options)
    data = metaeval.load_human(human_file)
    scores = metaeval.metric_scores(data, spec, engine=options.scoring.rouge_engine,
                                    seed=options.seed, metrics=options.metric_objects())
    rows, paired_tests = metaeval.meta_evaluate(data, scores, meta_options)
    diagnosed = data.articles is not None and "diagnostics" in options.scoring.metrics
    result = MetaEvalResult(
        input=str(human_file), input_sha256=data.sha256, systems=data.systems,
        dimensions=data.dimensions, n_documents=len(data.ids), metrics=tuple(scores),
        metric_families=options.scoring.metrics, rouge=spec.as_dict(),
        diagnostics="computed from the articles" if diagnosed else None,
        resample=meta_options.resample, n_resamples=meta_options.n_resamples,
        seed=meta_options.seed, confidence=meta_options.confidence,
        permute=meta_options.permute, rows=rows, paired_tests=paired_tests,
        system_means=metaeval.system_means(data, scores), versions=package_versions(),
        command=tuple(options.argv))
    written = reports.write_meta_eval(out, result, formats)
    if not quiet:
        reports.console.print_meta_eval(result, written)
    return 0
