"""ROUGE wrapper: hand-checkable cases, policies, and parity with rouge-score itself."""

from __future__ import annotations

import random

import pytest
from rouge_score import rouge_scorer

from eval import scoring
from eval.errors import ScoringMismatchError
from eval.records import Score
from eval.scoring import RougeSpec, score, score_batch
from eval.text import sentence_lines

NO_STEM = RougeSpec(use_stemmer=False)


def test_unigram_bigram_lcs_by_hand():
    # pred: the cat sat on the mat / ref: the cat was on the mat (6 tokens each)
    # shared unigrams: the x2, cat, on, mat = 5; shared bigrams: the-cat, on-the, the-mat = 3
    # LCS: the cat on the mat = 5
    s = score(references=["the cat was on the mat"], prediction="the cat sat on the mat",
              spec=NO_STEM)
    assert s["rouge1"] == Score(5 / 6, 5 / 6, pytest.approx(5 / 6))
    assert s["rouge2"].precision == 3 / 5 and s["rouge2"].recall == 3 / 5
    assert s["rougeL"].fmeasure == pytest.approx(5 / 6)


def test_precision_and_recall_are_not_swapped():
    # 2 predicted tokens, both in the 4-token reference: P = 1, R = 1/2
    s = score(references=["a dog barked loudly"], prediction="a dog", spec=NO_STEM)
    assert s["rouge1"].precision == 1.0
    assert s["rouge1"].recall == 0.5


def test_keyword_only_arguments():
    with pytest.raises(TypeError):
        score(["ref"], "pred", NO_STEM)  # type: ignore[misc]


def test_stemming_on_and_off():
    # Porter: running -> run, dogs -> dog (tokens longer than 3 characters are stemmed)
    on = score(references=["run dog"], prediction="running dogs", spec=RougeSpec())
    off = score(references=["run dog"], prediction="running dogs", spec=NO_STEM)
    assert on["rouge1"].fmeasure == 1.0
    assert off["rouge1"].fmeasure == 0.0


def test_multi_reference_max_and_mean():
    # vs "the cat": no overlap (0, 0, 0). vs "a dog barked": P = 2/2, R = 2/3, F = 0.8
    refs = ["the cat", "a dog barked"]
    best = score(references=refs, prediction="a dog", spec=NO_STEM)["rouge1"]
    assert best == Score(1.0, 2 / 3, pytest.approx(0.8))
    mean = score(references=refs, prediction="a dog",
                 spec=RougeSpec(use_stemmer=False, multi_reference="mean"))["rouge1"]
    assert mean.precision == 0.5
    assert mean.recall == pytest.approx(1 / 3)
    assert mean.fmeasure == pytest.approx(0.4)


def test_max_policy_matches_score_multi():
    refs = ["the cat sat on the mat", "a cat was sitting on a mat", "dogs bark"]
    pred = "the cat was on a mat"
    expected = rouge_scorer.RougeScorer(list(scoring.ROUGE_TYPES), use_stemmer=True
                                        ).score_multi(refs, pred)
    ours = score(references=refs, prediction=pred, spec=RougeSpec())
    for t in scoring.ROUGE_TYPES:
        assert ours[t] == Score(*expected[t])


def test_lsum_splits_prediction_without_line_breaks():
    assert sentence_lines("The cat sat. The dog ran.") == "The cat sat.\nThe dog ran."
    assert sentence_lines("one line\n\n  two line ") == "one line\ntwo line"
    # Sentence order swapped: Lsum matches each sentence fully (1.0), rougeL finds an
    # LCS of 3 of 6 tokens ("the cat sat" or "the dog ran").
    s = score(references=["the dog ran\nthe cat sat"], prediction="The cat sat. The dog ran.",
              spec=NO_STEM)
    assert s["rougeLsum"].fmeasure == 1.0
    assert s["rougeL"].fmeasure == 0.5


def test_lsum_keeps_given_line_breaks():
    # Given as one line per sentence: no splitter involved, same as rouge-score directly.
    pred = "the cat sat on the mat\nit was happy"
    ref = "the cat was happy\nit sat on the mat"
    direct = rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=False).score(ref, pred)
    assert score(references=[ref], prediction=pred, spec=NO_STEM)["rougeLsum"] == Score(
        *direct["rougeLsum"])


def test_empty_prediction_scores_zero():
    s = score(references=["the cat"], prediction="", spec=RougeSpec())
    assert all(v == Score(0.0, 0.0, 0.0) for v in s.values())


def test_batch_equals_rouge_score_on_real_data(cnndm_rows):
    """Every document, both engines, equal to RougeScorer to the last digit."""
    refs = [r["references"] for r in cnndm_rows]
    preds = [r["systems"]["bart"] for r in cnndm_rows]
    direct = rouge_scorer.RougeScorer(list(scoring.ROUGE_TYPES), use_stemmer=True)
    fast = score_batch(references=refs, predictions=preds, spec=RougeSpec(), check_sample=0)
    slow = score_batch(references=refs, predictions=preds, spec=RougeSpec(), engine="reference")
    for r, p, f, s in zip(refs, preds, fast, slow, strict=True):
        expected = direct.score_multi([sentence_lines(x) for x in r], sentence_lines(p))
        assert f == s == {t: Score(*expected[t]) for t in scoring.ROUGE_TYPES}


def test_fast_path_mismatch_fails_loudly(monkeypatch):
    class Broken:
        def score_batch(self, targets, predictions):
            real = rouge_scorer.RougeScorer(list(scoring.ROUGE_TYPES)).score
            out = [real(t, p) for t, p in zip(targets, predictions, strict=True)]
            out[0] = {k: type(v)(v.precision, v.recall, v.fmeasure + 1e-12)
                      for k, v in out[0].items()}
            return out

    monkeypatch.setattr(scoring, "_fast_scorer", lambda spec: Broken())
    with pytest.raises(ScoringMismatchError, match="pair #0"):
        score_batch(references=[["a b c"]], predictions=["a b"], spec=RougeSpec(use_stemmer=False))


def test_unicode_tokenizer_scores_non_latin_text():
    ref, pred = "Москва столица России", "Москва большая столица"
    default = score(references=[ref], prediction=pred, spec=RougeSpec())
    unicode = score(references=[ref], prediction=pred, spec=RougeSpec(tokenizer="unicode"))
    assert default["rouge1"].fmeasure == 0.0  # the trap: every letter dropped
    # 2 of 3 words shared each way: P = R = F = 2/3
    assert unicode["rouge1"].fmeasure == pytest.approx(2 / 3)


def test_unicode_engines_agree():
    rng = random.Random(0)
    words = ["日本", "Москва", "café", "naïve", "straße", "the", "cat", "über"]
    refs = [[" ".join(rng.choices(words, k=8))] for _ in range(30)]
    preds = [" ".join(rng.choices(words, k=6)) for _ in range(30)]
    spec = RougeSpec(tokenizer="unicode")
    assert score_batch(references=refs, predictions=preds, spec=spec) == score_batch(
        references=refs, predictions=preds, spec=spec, engine="reference")


def test_coverage_warning_names_documents():
    warnings = scoring.coverage_warnings(
        ["en", "ru"], [["the cat sat"], ["Москва столица России"]], ["a cat", "Москва"],
        RougeSpec())
    assert len(warnings) == 1 and "'ru'" in warnings[0] and "'en'" not in warnings[0]
    assert "--tokenizer unicode" in warnings[0]
    assert scoring.coverage_warnings(["ru"], [["Москва"]], ["Москва"],
                                     RougeSpec(tokenizer="unicode")) == []


def test_bad_spec_is_refused():
    from eval.errors import SumbenchError

    with pytest.raises(SumbenchError, match="unknown ROUGE type"):
        RougeSpec(rouge_types=("rouge7x",))
