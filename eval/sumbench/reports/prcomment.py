"""``compare --report pr``: one Markdown comment for a pull request (pr_comment.md).

It starts with ``MARKER``, so a workflow finds its own comment and updates it in place
(.github/workflows/sumbench.yml). GitHub refuses a comment over 65,536 characters; this
one stays under ``LIMIT`` whatever the suite size: lists end with "... and N more",
excerpts are cut, and the whole is cut last of all if it still does not fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sumbench.reports.columns import shown_delta
from sumbench.reports.markdown import VERDICT_ICONS, cell

if TYPE_CHECKING:
    from sumbench.compare import Comparison

MARKER = "<!-- sumbench-pr -->"
LIMIT = 65_000
MAX_ROWS = 25  # largest drops and differing settings listed at most
EXCERPT = 160  # characters of a prediction shown


def pr_comment(comparison: Comparison, limit: int = LIMIT) -> str:
    c = comparison
    headline = ("🔴 regression" if c.regressed else
                "🟢 improvement" if any(m.verdict == "improved" for m in c.metrics) else
                "⚪ no significant regression")
    lines = [MARKER, f"## sumbench: {headline}", "",
             f"{cell(c.new_label, 200)} vs {cell(c.base_label, 200)}: {c.n_documents} paired "
             f"documents, alpha {c.alpha}, tolerated drop {c.max_drop}.", "",
             "| metric | base | new | delta [95% CI] | p-value | verdict |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for m in c.metrics:
        d = m.delta
        lines.append(f"| {m.metric} | {m.base_mean:.4f} | {m.new_mean:.4f} | "
                     f"{shown_delta(d)} | {d.p_value:.4f} | "
                     f"{VERDICT_ICONS.get(m.verdict, '⚪')} {m.verdict} |")
    base_sig, new_sig = c.signatures
    lines += ["", f"Signature: `{cell(new_sig, 600)}`" if base_sig == new_sig else
              f"Signatures: base `{cell(base_sig, 600)}`; new `{cell(new_sig, 600)}`"]
    if c.differences:
        lines += ["", "| setting | base | new |", "| --- | --- | --- |"]
        rows = list(c.differences.items())
        lines += [f"| {cell(k, 80)} | {cell(str(a), 200)} | {cell(str(b), 200)} |"
                  for k, (a, b) in rows[:MAX_ROWS]]
        lines += _more(len(rows) - MAX_ROWS, "settings")
    lines += [f"\n> ⚠️ {cell(note, 600)}" for note in c.notes[:MAX_ROWS]]
    lines += _more(len(c.notes) - MAX_ROWS, "notes")
    if c.largest_drops:
        metric = next(m.metric for m in c.metrics if "." in m.metric)
        shown = c.largest_drops[:MAX_ROWS]
        lines += ["", f"<details><summary>Largest drops ({metric}): {len(c.largest_drops)}"
                  "</summary>", "", "| id | delta | base | new |", "| --- | ---: | --- | --- |"]
        lines += [f"| {cell(d.id, 120)} | {d.delta:+.4f} | {cell(d.base_prediction, EXCERPT)} "
                  f"| {cell(d.new_prediction, EXCERPT)} |" for d in shown]
        lines += _more(len(c.largest_drops) - len(shown), "drops")
        lines += ["", "</details>"]
    lines += ["", "<sub>sumbench compare: paired sign-flip permutation test; interval: paired "
              "bootstrap of the mean per-document delta.</sub>"]
    return fit("\n".join(lines) + "\n", limit)


def _more(n: int, what: str) -> list[str]:
    return [f"\n... and {n} more {what}"] if n > 0 else []


def fit(text: str, limit: int = LIMIT) -> str:
    """The text, cut at a line end to at most ``limit`` characters, saying so."""
    if len(text) <= limit:
        return text
    tail = "\n\n... (cut to fit GitHub's comment size limit; compare.md has it all)\n"
    cut = text.rfind("\n", 0, limit - len(tail))
    return text[:cut if cut > 0 else limit - len(tail)] + tail
