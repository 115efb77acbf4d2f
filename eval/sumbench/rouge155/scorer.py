"""ROUGE-1.5.5 as a sumbench scorer: the types' names, a run's per-document Scores and the
script's printed block, and the files they describe."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sumbench.rouge155.averages import perl_average
from sumbench.rouge155.data import load_lexicon
from sumbench.rouge155.flags import PEER_ID, Flags, parse_flags
from sumbench.rouge155.scores import five_decimals, score_document
from sumbench.rouge155.text import Lexicon


def type_name(method: str) -> str:
    """The score's name in sumbench: ROUGE-1 -> rouge1, ROUGE-L -> rougeL (summary-level
    LCS), ROUGE-W-1.2 -> rougeW, ROUGE-S4 -> rougeS4, ROUGE-SU* -> rougeSU."""
    tail = method.removeprefix("ROUGE-")
    if tail.startswith("W-"):
        tail = "W"
    return "rouge" + tail.replace("*", "")


def _methods_by_type(flags: Flags) -> dict[str, str]:
    return {type_name(m): m for m in flags.methods}


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()


def peer_file(text: str, split: str = "newline") -> str:
    """What the script reads for ``text``: the text as given (its lines the sentences),
    or under ``split="pysbd"`` its lines split further, one sentence per line."""
    if split == "newline":
        return text
    from sumbench.text import sentence_lines

    return sentence_lines(text, split)


FILES = {"newline": "one UTF-8 file per text, written as it is given (samples.jsonl's "
                    "'prediction' for peer S, its 'references' for models A, B, ...): its "
                    "lines are the sentences",
         "pysbd": "one UTF-8 file per text, one sentence per line, every line split by "
                  "pysbd-0.3 (samples.jsonl's 'scored_prediction' for peer S; its "
                  "'references' split the same way for models A, B, ...)"}


def score_run(*, references: Sequence[Sequence[str]], predictions: Sequence[str],
              flags: str, split: str = "newline", lexicon: Lexicon | None = None
              ) -> list[dict[str, Any]]:
    """Per document, each type's Score with the script's printed (rounded) values. The
    sentences are the texts' lines (``newline``, the script's rule) or, with ``pysbd``,
    each line split further."""
    from sumbench.records import Score

    parsed = parse_flags(flags)
    lex = lexicon or default_lexicon()
    out = []
    for refs, prediction in zip(references, predictions, strict=True):
        scores = score_document(peer_file(prediction, split),
                                [peer_file(r, split) for r in refs], parsed, lex)
        out.append({type_name(method): Score(float(p), float(r), float(f))
                    for method, (r, p, f) in scores.items()})
    return out


def printed_block(scores: Sequence[Mapping[str, Any]], flags: str, split: str = "newline"
                  ) -> dict[str, Any]:
    """The script's own Average and interval for each type, as it prints them, for a
    run whose documents are evaluation ids 1..n (suite order) of one peer."""
    parsed = parse_flags(flags)
    block: dict[str, Any] = {}
    for name, method in _methods_by_type(parsed).items():
        values = {f"{i}.{PEER_ID}": (five_decimals(doc[name].recall),
                                      five_decimals(doc[name].precision),
                                      five_decimals(doc[name].fmeasure))
                  for i, doc in enumerate(scores, 1)}
        averages = perl_average(values, parsed) if values else {}
        block[name] = {"method": method, **{
            stat: {"average": avg, "low": low, "high": high}
            for stat, (avg, low, high) in ((("recall", averages["R"]), ("precision",
                                            averages["P"]), ("fmeasure", averages["F"]))
                                           if averages else ())}}
    return {"perl_command": parsed.command(),
            "evaluation_ids": "documents 1..n in suite order, peer S",
            "files": FILES[split], "input_format": "SPL",
            "confidence": parsed.confidence, "resamples": parsed.resamples,
            "printed": block}
