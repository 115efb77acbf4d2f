"""ROUGE wrapper: hand-checkable cases, policies, and parity with rouge-score itself."""

from __future__ import annotations

import random

import pytest
from rouge_score import rouge_scorer

from sumbench import scoring
from sumbench.errors import ScoringMismatchError, SumbenchError
from sumbench.records import Score
from sumbench.scoring import RougeSpec, score, score_batch
from sumbench.text import sentence_lines

from .conftest import fast_scorer_off_at

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
    monkeypatch.setattr(scoring, "_fast_scorer", lambda spec: fast_scorer_off_at(0))
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
    from sumbench.errors import SumbenchError

    with pytest.raises(SumbenchError, match=r"`rouge_types` has unknown type\(s\)"):
        RougeSpec(rouge_types=("rouge7x",))


# -- multi-reference policies, checked against rouge-score and by hand -----------------

def test_max_keeps_the_best_f1_even_when_another_has_more_recall():
    # ref1 "a b c d e": pred "a b c" -> P 1, R 3/5, F 0.75
    # ref2 "a b c x y z w v u t s": P 1, R 3/11, F 0.43 (less)
    # ref3 "a b q": P 2/3, R 2/3, F 2/3 (recall 0.667 > ref1's 0.6, lower F1)
    refs = ["a b c d e", "a b c x y z w v u t s", "a b q"]
    ours = score(references=refs, prediction="a b c", spec=NO_STEM)["rouge1"]
    assert ours == Score(1.0, 0.6, pytest.approx(0.75))


def test_max_takes_the_first_of_tied_references():
    # Both references give F1 = 0.5 for rouge1 with different P/R:
    # ref1 "a b c d e f": pred "a b" -> P 1, R 1/3, F 0.5
    # ref2 "a x": P 1/2, R 1/2, F 0.5
    refs = ["a b c d e f", "a x"]
    first = score(references=refs, prediction="a b", spec=NO_STEM)["rouge1"]
    assert first.precision == 1.0 and first.recall == pytest.approx(1 / 3)
    swapped = score(references=refs[::-1], prediction="a b", spec=NO_STEM)["rouge1"]
    assert swapped.precision == 0.5 and swapped.recall == 0.5
    expected = rouge_scorer.RougeScorer(["rouge1"]).score_multi(refs, "a b")["rouge1"]
    assert first == Score(*expected)


@pytest.mark.parametrize("engine", ["auto", "reference"])
def test_multi_reference_batch_equals_score_multi_per_document(engine: str):
    """SummEval: 11 references per document and 16 systems. A fast-path grouping that is off
    by one would give each document another document's scores."""
    import json

    from .conftest import SUMMEVAL

    rows = [json.loads(line) for line in SUMMEVAL.read_text().splitlines()[:12]]
    refs, preds = [], []
    for i, row in enumerate(rows):
        n = 1 + i % len(row["references"])  # a different number of references per document
        system = sorted(row["systems"])[i % len(row["systems"])]
        refs.append(row["references"][:n])
        preds.append(row["systems"][system]["summary"])
    direct = rouge_scorer.RougeScorer(list(scoring.ROUGE_TYPES), use_stemmer=True)
    got = score_batch(references=refs, predictions=preds, spec=RougeSpec(), engine=engine)
    for r, p, g in zip(refs, preds, got, strict=True):
        expected = direct.score_multi([sentence_lines(x) for x in r], sentence_lines(p))
        assert g == {t: Score(*expected[t]) for t in scoring.ROUGE_TYPES}


def test_mean_policy_by_hand_in_a_batch():
    # doc 1: refs "a b" (P 1, R 1) and "a c" (P 1/2, R 1/2) for pred "a b"
    # doc 2: one ref "x y z w" for pred "x" (P 1, R 1/4)
    spec = RougeSpec(("rouge1",), use_stemmer=False, multi_reference="mean")
    for engine in ("auto", "reference"):
        [d1, d2] = score_batch(references=[["a b", "a c"], ["x y z w"]],
                               predictions=["a b", "x"], spec=spec, engine=engine)
        assert d1["rouge1"].precision == 0.75 and d1["rouge1"].recall == 0.75
        assert d1["rouge1"].fmeasure == pytest.approx(0.75)
        assert d2["rouge1"].precision == 1.0 and d2["rouge1"].recall == 0.25


def test_verification_sample_catches_a_wrong_pair_in_a_multi_reference_batch(monkeypatch):
    """The check re-scores (reference, prediction) pairs: a fast path that pairs a
    reference with the wrong prediction must be caught, whichever pair it is."""
    class Shifted:
        def score_batch(self, targets, predictions):
            real = rouge_scorer.RougeScorer(list(scoring.ROUGE_TYPES)).score
            return [real(t, p) for t, p in zip(targets, predictions[1:] + predictions[:1],
                                               strict=True)]

    monkeypatch.setattr(scoring, "_fast_scorer", lambda spec: Shifted())
    with pytest.raises(ScoringMismatchError):
        score_batch(references=[["a b c", "d e"], ["f g"]], predictions=["a b", "f"],
                    spec=RougeSpec(use_stemmer=False))


def test_references_must_be_a_non_empty_list():
    for bad in ("a single string", []):
        with pytest.raises(ValueError, match="non-empty sequence"):
            score(references=bad, prediction="x", spec=NO_STEM)  # type: ignore[arg-type]


def test_the_spec_describes_its_tokenizer():
    assert RougeSpec().as_dict()["tokenizer_detail"] == (
        "rouge-score DefaultTokenizer: lowercase, [a-z0-9] only, Porter stemmer on tokens "
        "longer than 3")
    assert NO_STEM.as_dict()["tokenizer_detail"] == (
        "rouge-score DefaultTokenizer: lowercase, [a-z0-9] only")
    assert RougeSpec(tokenizer="unicode").as_dict()["tokenizer_detail"].startswith(
        "Unicode word segmentation (UAX #29)")


def test_asking_for_the_fast_engine_without_it_is_an_error(monkeypatch):
    monkeypatch.setattr(scoring, "_fast_scorer", lambda spec: None)  # as if not installed
    with pytest.raises(SumbenchError, match="rouge-score-rs"):
        score_batch(references=[["a"]], predictions=["a"], spec=NO_STEM, engine="fast")
    [auto] = score_batch(references=[["a b"]], predictions=["a"], spec=NO_STEM)  # falls back
    assert auto["rouge1"].precision == 1.0 and auto["rouge1"].recall == 0.5


def test_spec_errors_name_their_setting():
    from sumbench.errors import SettingError

    for field, value in (("multi_reference", "min"), ("tokenizer", "klingon")):
        with pytest.raises(SettingError) as err:
            RougeSpec(**{field: value})
        assert err.value.setting == field and value in str(err.value)


# -- ROUGE-Lsum's sentences: --split auto | newline | pysbd --------------------------------

def test_split_modes_by_hand():
    one_line, lines = "The cat sat. The dog ran.", "The cat sat. The dog ran.\n  A bird sang. \n\n"
    assert sentence_lines(one_line, "auto") == "The cat sat.\nThe dog ran."
    assert sentence_lines(one_line, "newline") == "The cat sat. The dog ran."
    assert sentence_lines(one_line, "pysbd") == "The cat sat.\nThe dog ran."
    assert sentence_lines(lines, "auto") == "The cat sat. The dog ran.\nA bird sang."
    assert sentence_lines(lines, "newline") == "The cat sat. The dog ran.\nA bird sang."
    assert sentence_lines(lines, "pysbd") == "The cat sat.\nThe dog ran.\nA bird sang."
    # order swapped inside one line: as one sentence, Lsum is rougeL's LCS, 3 of 6 tokens
    ref = "the dog ran. the cat sat."
    for split, lsum in (("auto", 1.0), ("newline", 0.5), ("pysbd", 1.0)):
        got = score(references=[ref], prediction=one_line,
                    spec=RougeSpec(use_stemmer=False, split=split))
        assert got["rougeLsum"].fmeasure == lsum, split
    with pytest.raises(SumbenchError, match="`split` must be one of auto, newline, pysbd"):
        RougeSpec(split="nltk")


@pytest.mark.parametrize("engine", ["auto", "reference"])
def test_newline_split_equals_rouge_score_on_the_texts_as_given(cnndm_rows, engine):
    """What rouge-score and HF evaluate give for the same strings: one-line texts stay one
    sentence. The highlights and bart's output flattened to one line, and as given."""
    direct = rouge_scorer.RougeScorer(list(scoring.ROUGE_TYPES), use_stemmer=True)
    spec = RougeSpec(split="newline")
    for flatten in (True, False):
        refs = [[" ".join(x.split()) if flatten else x for x in r["references"]]
                for r in cnndm_rows]
        preds = [" ".join(r["systems"]["bart"].split()) if flatten else r["systems"]["bart"]
                 for r in cnndm_rows]
        got = score_batch(references=refs, predictions=preds, spec=spec, engine=engine)
        for r, p, g in zip(refs, preds, got, strict=True):
            expected = direct.score_multi(r, p)
            assert g == {t: Score(*expected[t]) for t in scoring.ROUGE_TYPES}
        if flatten:  # the default re-splits one-line text, so Lsum moves
            auto = score_batch(references=refs, predictions=preds, spec=RougeSpec(),
                               engine=engine)
            moved = sum(a["rougeLsum"] != g["rougeLsum"] for a, g in zip(auto, got, strict=True))
            assert moved > 50 and all(a["rougeL"] == g["rougeL"]
                                      for a, g in zip(auto, got, strict=True))


def test_pysbd_split_splits_every_line_in_a_batch(cnndm_rows):
    refs = [r["references"] for r in cnndm_rows[:30]]
    preds = [r["systems"]["bus"] for r in cnndm_rows[:30]]
    direct = rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=True)
    got = score_batch(references=refs, predictions=preds, spec=RougeSpec(split="pysbd"))
    for r, p, g in zip(refs, preds, got, strict=True):
        expected = direct.score_multi([sentence_lines(x, "pysbd") for x in r],
                                      sentence_lines(p, "pysbd"))
        assert g["rougeLsum"] == Score(*expected["rougeLsum"])
    assert any(sentence_lines(p, "pysbd") != sentence_lines(p) for p in preds)


# -- rouge3 to rouge9, as rouge-score accepts them ------------------------------------------

@pytest.mark.parametrize("engine", ["auto", "reference"])
def test_rouge3_to_rouge9_equal_rouge_score_on_real_data(cnndm_rows, engine):
    types = (*(f"rouge{n}" for n in range(1, 10)), "rougeL", "rougeLsum")
    refs = [r["references"] for r in cnndm_rows]
    preds = [r["systems"]["bart"] for r in cnndm_rows]
    direct = rouge_scorer.RougeScorer(list(types), use_stemmer=True)
    got = score_batch(references=refs, predictions=preds, spec=RougeSpec(rouge_types=types),
                      engine=engine, check_sample=len(preds))
    for r, p, g in zip(refs, preds, got, strict=True):
        expected = direct.score_multi([sentence_lines(x) for x in r], sentence_lines(p))
        assert g == {t: Score(*expected[t]) for t in types}
    assert sum(g["rouge4"].fmeasure > 0 for g in got) > 50  # real overlap, not all zeros
    # by hand: "a b c d" vs "a b c e": one shared trigram of two each way
    [hand] = score_batch(references=[["a b c d"]], predictions=["a b c e"],
                         spec=RougeSpec(rouge_types=("rouge3", "rouge4"), use_stemmer=False),
                         engine=engine)
    assert hand["rouge3"] == Score(0.5, 0.5, 0.5) and hand["rouge4"] == Score(0.0, 0.0, 0.0)
    with pytest.raises(SumbenchError, match="rouge1 to rouge9"):
        RougeSpec(rouge_types=("rouge10",))
