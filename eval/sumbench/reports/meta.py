"""Meta-evaluation tables (``sumbench meta-eval``) in Markdown and HTML."""

from __future__ import annotations

from sumbench.metaeval_result import Estimate, MetaEvalResult
from sumbench.reports.markdown import cell


def _ci(c: Estimate) -> str:
    if c.value is None:
        return "-"
    if c.low is None or c.high is None:
        return f"{c.value:.4f}"
    return f"{c.value:.4f} [{c.low:.4f}, {c.high:.4f}]"


def markdown(result: MetaEvalResult) -> str:
    lines = [f"## sumbench meta-eval: {cell(result.input)} ({result.n_documents} "
             f"documents x {result.n_systems} systems)", "",
             f"Correlation with human judgments [95% bootstrap interval, resampling "
             f"{result.resample}, {result.n_resamples} resamples, seed {result.seed}]."]
    for level in ("system", "summary"):
        lines += ["", f"### {level.capitalize()} level", "",
                  "| metric | human | Kendall tau-b | Spearman | Pearson | skipped |",
                  "| --- | --- | ---: | ---: | ---: | ---: |"]
        for row in result.rows:
            if row.level == level:
                lines.append(f"| {cell(row.metric)} | {cell(row.human)} | "
                             f"{_ci(row.kendall)} | {_ci(row.spearman)} | "
                             f"{_ci(row.pearson)} | {row.n_skipped} |")
    if result.paired_tests:
        lines += ["", "### Paired tests (Kendall; does A correlate better than B?)", "",
                  "| A | B | human | level | tau A | tau B | delta | p |",
                  "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |"]
        for t in result.paired_tests:
            lines.append(f"| {cell(t.metric_a)} | {cell(t.metric_b)} | {cell(t.human)} "
                         f"| {t.level} | {t.r_a:.4f} | {t.r_b:.4f} | "
                         f"{t.delta:+.4f} | {t.p_value:.4f} |")
    return "\n".join(lines) + "\n"


def html(result: MetaEvalResult) -> str:
    from sumbench.reports.html import SCRIPT, _csp, _env

    return _env().get_template("meta.html.j2").render(
        r=result, ci=_ci, script=SCRIPT, csp=_csp(), title="sumbench meta-eval")

