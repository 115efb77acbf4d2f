"""Property-based tests: arbitrary Unicode never crashes the loaders or the scorer."""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer

from sumbench.errors import InputError
from sumbench.scoring import ROUGE_TYPES, RougeSpec, score, score_batch
from sumbench.suites.jsonl import load_jsonl
from sumbench.suites.predictions import load_predictions
from sumbench.text import sentence_lines

TEXT = st.text(st.characters(codec="utf-8"), max_size=300)
LONG_LINE = st.text(alphabet="abc xyz", min_size=2000, max_size=5000)
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(doc_id=st.one_of(TEXT, st.integers(), st.none()), article=st.one_of(TEXT, st.integers()),
       references=st.one_of(st.lists(st.one_of(TEXT, st.integers()), max_size=3), TEXT))
def test_jsonl_loader_loads_or_explains(doc_id, article, references):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.jsonl"
        row = {"id": doc_id, "article": article, "references": references}
        path.write_text(json.dumps(row) + "\n", encoding="utf-8")
        try:
            [ex] = load_jsonl(path)
        except InputError as err:
            assert str(path) in str(err)
            return
        assert ex.id == doc_id and ex.article.strip() and all(r.strip() for r in ex.references)


@FAST
@given(raw=st.binary(max_size=200))
def test_jsonl_loader_on_arbitrary_bytes(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.jsonl"
        path.write_bytes(raw)
        with contextlib.suppress(InputError):
            load_jsonl(path)


@FAST
@given(prediction=st.one_of(TEXT, st.none()))
def test_predictions_loader(prediction):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.jsonl"
        path.write_text(json.dumps({"id": "a", "prediction": prediction}) + "\n")
        try:
            assert load_predictions(path, ["a"])["a"] == (prediction or "").replace(
                "\r\n", "\n").replace("\r", "\n")
        except InputError:
            assert not isinstance(prediction, str)


@FAST
@given(refs=st.lists(st.one_of(TEXT, LONG_LINE), min_size=1, max_size=3),
       pred=st.one_of(TEXT, LONG_LINE), stem=st.booleans(),
       tokenizer=st.sampled_from(["default", "unicode"]))
def test_scores_bounded_and_equal_to_rouge_score(refs, pred, stem, tokenizer):
    spec = RougeSpec(use_stemmer=stem, tokenizer=tokenizer)
    ours = score(references=refs, prediction=pred, spec=spec)
    [batched] = score_batch(references=[refs], predictions=[pred], spec=spec)
    assert batched == ours
    for s in ours.values():
        assert 0.0 <= s.precision <= 1.0 and 0.0 <= s.recall <= 1.0
        assert 0.0 <= s.fmeasure <= 1.0
    if tokenizer == "default":
        direct = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=stem).score_multi(
            [sentence_lines(r) for r in refs], sentence_lines(pred))
        assert {t: tuple(ours[t].as_dict().values()) for t in ROUGE_TYPES} == {
            t: tuple(direct[t]) for t in ROUGE_TYPES}
