"""Markdown summaries (GitHub-flavoured); every untrusted string goes through ``cell``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sumbench.gates import GateResult
from sumbench.records import RunResult
from sumbench.reports.columns import PRF, other_columns, prf_columns, shown, shown_delta

if TYPE_CHECKING:
    from sumbench.compare import Comparison

# Inside a table cell only these are markup (a cell never starts a line, so "#", "-",
# "+" and "1." cannot start a heading or list); "<", ">" and "&" become entities.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def cell(text: str, limit: int = 300) -> str:
    """Escape text for one table cell: no markup, no HTML, no broken columns."""
    text = " ".join(str(text).split())  # newlines would end the table row
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def code(text: str) -> str:
    """Text as an inline code span, copyable as it is (outside tables: no escapes)."""
    text = " ".join(str(text).split())
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def run_summary(result: RunResult, gates: list[GateResult], lowest: int = 5) -> str:
    spec = result.spec
    lines = [f"## sumbench: {cell(spec.summarizer_name)} on "
             f"{cell(spec.data or '?')} ({len(result.documents)} documents)", ""]
    lines += ["| metric | precision | recall | F1 |", "| --- | ---: | ---: | ---: |"]
    for name in prf_columns(result):
        lines.append(f"| {cell(name)} | " + " | ".join(
            shown(result.scores[name][stat]) for stat in PRF) + " |")
    if other_columns(result):
        lines += ["", "| metric | mean [95% CI] |", "| --- | ---: |"]
        lines += [f"| {cell(label)} | {shown(interval)} |"
                  for label, _stat, interval in other_columns(result)]
    lines += ["", "Mean over documents [95% bootstrap interval].",
              f"Signature: {code(result.signature)}"]
    if result.rouge155:
        lines += ["", f"ROUGE-1.5.5 as the script prints it "
                  f"(`{cell(result.rouge155['perl_command'])}`): Average [interval]", "",
                  "| method | R | P | F |", "| --- | ---: | ---: | ---: |"]
        for block in result.rouge155["printed"].values():
            lines.append(f"| {block['method']} | " + " | ".join(
                f"{block[s]['average']} [{block[s]['low']}, {block[s]['high']}]"
                for s in ("recall", "precision", "fmeasure") if s in block) + " |")
    if gates:
        lines += ["", "| gate | value | bound | result |", "| --- | ---: | ---: | --- |"]
        for g in gates:
            on = "count" if g.gate.is_count else g.gate_on
            value = f"{g.value:g}" if g.gate.is_count else f"{g.value:.4f}"
            lines.append(f"| {g.gate.metric} ({on}) | {value} | {g.gate.op} {g.gate.bound:g}"
                         f" | {'✅ passed' if g.passed else '❌ failed'} |")
    lines += diagnostics_lines(result)
    rouge = spec.rouge
    described = spec.summarizer
    model = described.get("model") or described.get("predictions_file") or "-"
    lines += ["", "<details><summary>Run spec</summary>", "",
              f"- summarizer: {cell(spec.summarizer_name)}, model: {cell(str(model))}",
              f"- model sha256: {cell(str(described.get('model_sha256', '-')))}",
              f"- ROUGE: {cell(', '.join(rouge.get('rouge_types', [])))}; stemmer "
              f"{rouge.get('use_stemmer')}; tokenizer {cell(str(rouge.get('tokenizer')))}; "
              f"multi-reference {cell(str(rouge.get('multi_reference')))}; split "
              f"{cell(str(rouge.get('split', 'auto')))}",
              f"- counts: {cell(str(result.counts))}", "", "</details>"]
    if result.warnings:
        lines += [""] + [f"> ⚠️ {cell(w, 600)}" for w in result.warnings]
    key = _primary(result)
    if key and result.documents:
        worst = sorted(result.documents, key=lambda d: d.scores[key].fmeasure)[:lowest]
        lines += ["", f"### {len(worst)} lowest-scoring documents ({key} F1)", "",
                  "| id | F1 | prediction |", "| --- | ---: | --- |"]
        for d in worst:
            lines.append(f"| {cell(d.id)} | {d.scores[key].fmeasure:.4f} | "
                         f"{cell(d.generation.prediction) or '*(empty)*'} |")
    return "\n".join(lines) + "\n"


def diagnostics_lines(result: RunResult) -> list[str]:
    """The diagnostics table and the flagged documents, by flag."""
    if not result.diagnostics:
        return []
    lines = ["", "| diagnostic | mean [95% CI] |", "| --- | ---: |"]
    lines += [f"| {name} | {shown(iv)} |"
              for name, iv in result.diagnostics.items()]
    flagged = {flag: ids for flag, ids in result.flagged.items() if ids}
    if flagged:
        lines += ["", "| flag | documents | ids |", "| --- | ---: | --- |"]
        for flag, ids in flagged.items():
            listed = ", ".join(ids[:10]) + (" ..." if len(ids) > 10 else "")
            lines.append(f"| {flag} | {len(ids)} | {cell(listed, 600)} |")
    return lines


def _primary(result: RunResult) -> str | None:
    for key in ("rougeLsum", "rougeL", "rouge2", "rouge1"):
        if key in result.scores:
            return key
    return next(iter(result.scores), None)


VERDICT_ICONS = {"improved": "🟢", "regressed": "🔴"}  # compare's verdicts; others: ⚪


def comparison_summary(comparison: Comparison) -> str:
    c = comparison
    lines = [f"## sumbench compare: {cell(c.new_label)} vs {cell(c.base_label)} "
             f"({c.n_documents} paired documents)", "",
             "| metric | base | new | delta [95% CI] | p-value | verdict |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for m in c.metrics:
        d = m.delta
        lines.append(f"| {m.metric} | {m.base_mean:.4f} | {m.new_mean:.4f} | {shown_delta(d)} | "
                     f"{d.p_value:.4f} | "
                     f"{VERDICT_ICONS.get(m.verdict, '⚪')} {m.verdict} |")
    lines += ["", f"Paired sign-flip permutation test, alpha {c.alpha}; tolerated drop "
              f"{c.max_drop}. Interval: paired bootstrap of the mean per-document delta.",
              f"Signatures: base {code(c.signatures[0])}; new {code(c.signatures[1])}"]
    if c.differences:
        lines += ["", "| setting | base | new |", "| --- | --- | --- |"]
        lines += [f"| {cell(k)} | {cell(str(a))} | {cell(str(b))} |"
                  for k, (a, b) in c.differences.items()]
    for note in c.notes:
        lines += ["", f"> ⚠️ {cell(note, 600)}"]
    if c.largest_drops:
        lines += ["", f"### Largest drops ({c.metrics[0].metric})", "",
                  "| id | delta | base prediction | new prediction |", "| --- | ---: | --- | --- |"]
        for drop in c.largest_drops:
            lines.append(f"| {cell(drop.id)} | {drop.delta:+.4f} | {cell(drop.base_prediction)} "
                         f"| {cell(drop.new_prediction)} |")
    return "\n".join(lines) + "\n"
