"""Quality gates: the syntax, the bound's edge, mean against the interval's low end."""

from __future__ import annotations

import pytest

from sumbench.errors import SumbenchError
from sumbench.gates import Gate, check_gates, parse_gates
from sumbench.records import Interval, RunResult
from sumbench.spec import RunSpec


def _run(**scores: tuple[float, float, float]) -> RunResult:
    """A run whose rouge1 statistics are the given (mean, low, high) triples."""
    by_stat = {stat: Interval(*scores.get(stat, (0.5, 0.4, 0.6)))
               for stat in ("precision", "recall", "fmeasure")}
    return RunResult(spec=RunSpec(rouge={}), versions={}, documents=(), scores={"rouge1": by_stat})


def test_syntax_and_aliases():
    assert parse_gates("rouge1=0.3, rouge2.recall=0.1,rougeL.p=0.2,rougeLsum.f1=0.25,"
                       "rouge1.r=0,rouge2.f=1") == [
        Gate("rouge1", "fmeasure", 0.3), Gate("rouge2", "recall", 0.1),
        Gate("rougeL", "precision", 0.2), Gate("rougeLsum", "fmeasure", 0.25),
        Gate("rouge1", "recall", 0.0), Gate("rouge2", "fmeasure", 1.0)]
    assert parse_gates(None) == parse_gates("") == parse_gates(" , ") == []


@pytest.mark.parametrize(("text", "message"), [
    ("rouge1", "cannot read 'rouge1'"),
    ("rougeX=0.1", "cannot read 'rougeX'"),
    ("rouge1.accuracy=0.1", "cannot read"),
    ("rouge1=x", "bound 'x' is not a number"),
    ("rouge1=1.5", "must be between 0 and 1"),
    ("rouge1=-0.1", "must be between 0 and 1"),
])
def test_bad_gates_are_refused(text: str, message: str):
    with pytest.raises(SumbenchError, match=message):
        parse_gates(text)


def test_a_value_equal_to_the_bound_passes():
    run = _run(fmeasure=(0.3, 0.25, 0.35))
    [at] = check_gates(run, [Gate("rouge1", "fmeasure", 0.3)])
    assert at.passed and at.value == 0.3
    [above] = check_gates(run, [Gate("rouge1", "fmeasure", 0.3000001)])
    assert not above.passed
    assert above.message == "rouge1.fmeasure mean = 0.3000, required >= 0.3000: FAILED"
    assert at.message == "rouge1.fmeasure mean = 0.3000, required >= 0.3000: passed"


def test_gate_on_low_uses_the_interval_and_the_named_statistic():
    run = _run(recall=(0.5, 0.2, 0.7), fmeasure=(0.9, 0.85, 0.95))
    gate = Gate("rouge1", "recall", 0.3)
    [mean] = check_gates(run, [gate], "mean")
    [low] = check_gates(run, [gate], "low")
    assert (mean.value, mean.passed) == (0.5, True)
    assert (low.value, low.passed, low.gate_on) == (0.2, False, "low")
    with pytest.raises(SumbenchError, match="`gate_on` must be one of mean, low"):
        check_gates(run, [gate], "high")  # type: ignore[arg-type]


def test_a_gate_on_a_type_not_computed_is_an_error():
    with pytest.raises(SumbenchError, match="rouge2, which this run did not compute"):
        check_gates(_run(), [Gate("rouge2", "fmeasure", 0.1)])


def test_messages_name_the_setting_and_the_choices():
    from sumbench.errors import SettingError

    with pytest.raises(SettingError) as err:
        parse_gates("rouge1=2")
    assert err.value.setting == "fail_under"
    with pytest.raises(SettingError) as err:
        parse_gates("bleu=0.2")
    assert "cannot read 'bleu': a gate names a ROUGE type[.stat] (rouge1 to rouge9, rougeL, " \
        "rougeLsum, or a rouge155" in str(err.value)
    assert "a diagnostic (summary_tokens," in str(err.value)
    assert "or a flag (empty, cut_at_limit, lead_copy" in str(err.value)
    with pytest.raises(SettingError) as err:
        parse_gates("rouge1.accuracy=0.2")
    assert ("write TYPE[.STAT] with TYPE in rouge1 to rouge9, rougeL, rougeLsum, or a "
            "rouge155 type and STAT in precision, recall, fmeasure (or f1, p, r)"
            ) in str(err.value)
    with pytest.raises(SettingError) as err:
        check_gates(_run(), [Gate("rouge2", "fmeasure", 0.1)])
    assert str(err.value).endswith("(see `rouge_types`)")


def _diag_run() -> RunResult:
    return RunResult(spec=RunSpec(rouge={}), versions={}, documents=(),
                     scores={"rouge1": {s: Interval(0.5, 0.4, 0.6)
                                        for s in ("precision", "recall", "fmeasure")}},
                     diagnostics={"rep4": Interval(0.1, 0.05, 0.25),
                                  "coverage": Interval(0.9, 0.85, 0.95)},
                     flagged={"empty": [], "looping": ["a", "b"]},
                     counts={"n_failed": 1})


def test_gates_in_both_directions_on_diagnostics_and_flags():
    gates = parse_gates("rouge1>=0.45, rep4<=0.2, coverage>0.8, empty==0, looping<=1, "
                        "failed<1, rouge1.r<0.7")
    assert [(g.metric, g.op, g.bound) for g in gates] == [
        ("rouge1.fmeasure", ">=", 0.45), ("rep4", "<=", 0.2), ("coverage", ">", 0.8),
        ("empty", "==", 0.0), ("looping", "<=", 1.0), ("failed", "<", 1.0),
        ("rouge1.recall", "<", 0.7)]
    results = check_gates(_diag_run(), gates)
    assert [r.passed for r in results] == [True, True, True, True, False, False, True]
    assert results[4].message == "looping count = 2, required <= 1: FAILED"
    # the conservative end: the low end for a lower bound, the high end for an upper one
    low = check_gates(_diag_run(), gates, "low")
    assert [r.value for r in low[:3]] == [0.4, 0.25, 0.85]
    assert [r.passed for r in low[:3]] == [False, False, True]
    assert low[3].value == 0.0  # counts have no interval


@pytest.mark.parametrize(("text", "message"), [
    ("empty=0", "counts documents: write empty==0 or empty<=0"),
    ("rep4<=x", "bound 'x' is not a number"),
    ("rep4<=-1", "must be a number >= 0"),
    ("density>=inf", "must be a number >= 0"),
    ("rep4=>0.1", "bound '>0.1' is not a number"),
    ("rep4 0.1", "cannot read 'rep4 0.1'"),
    ("novel9<=0.1", "cannot read 'novel9'"),
])
def test_malformed_two_way_gates(text: str, message: str):
    with pytest.raises(SumbenchError, match=message):
        parse_gates(text, "gate")


def test_gate_on_a_diagnostic_a_run_lacks_names_it():
    run = _run()
    with pytest.raises(SumbenchError, match="diagnostic rep4, which this run did not record"):
        check_gates(run, parse_gates("rep4<=0.1"))
    with pytest.raises(SumbenchError, match="flag empty, which this run did not record"):
        check_gates(run, parse_gates("empty==0"))
