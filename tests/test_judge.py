"""The LLM judge (metrics/judge.py): its arithmetic by hand, a scripted OpenAI-compatible
judge on 127.0.0.1 (logprobs, text, no number, retries, a call that always fails, the
cache and the rerun), criteria files, and the in-process path against transformers
called directly on the recorded messages."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sumbench.errors import InputError, SettingError
from sumbench.metrics import judge_criteria as jc
from sumbench.metrics import judge_scoring as js
from sumbench.metrics.judge import Judge, JudgeOptions
from sumbench.metrics.judge_backends import Call

from .openai_stub import StubServer
from .test_real_server import served_model  # noqa: F401  (the fixture)

LN = math.log
# " 4" and "4" are both 4 (0.3 + 0.2), "3" is 0.1; "The" and "9" (outside 1-5) do not count
SPLIT = {"content": "4", "top": [[" 4", LN(0.3)], ["The", LN(0.25)], ["4", LN(0.2)],
                                 ["3", LN(0.1)], ["9", LN(0.05)], [" 45", LN(0.04)]]}
SPLIT_SCORE = (4 * 0.5 + 3 * 0.1) / 0.6  # 3.8333...


def reply(content: str, top: list | None = None) -> str:
    return json.dumps({"content": content, **({"top": top} if top is not None else {})})


# -- the arithmetic ------------------------------------------------------------------------
def test_the_distribution_sums_split_tokens_and_ignores_the_rest():
    dist = js.from_top_logprobs([{"token": t, "logprob": lp} for t, lp in SPLIT["top"]],
                                (1, 5))
    assert dist == pytest.approx({1: 0.0, 2: 0.0, 3: 1 / 6, 4: 5 / 6, 5: 0.0})
    assert js.expected(dist) == pytest.approx(SPLIT_SCORE) == pytest.approx(23 / 6)
    assert js.from_top_logprobs([{"token": "The", "logprob": -0.1}], (1, 5)) is None
    assert js.from_top_logprobs([], (1, 5)) is None


def test_the_first_integer_of_the_scale_is_the_rating():
    assert js.first_integer("4", (1, 5)) == 4
    assert js.first_integer("Score: 10. I'd say 3/5", (1, 5)) == 3  # 10 is off the scale
    assert js.first_integer("**2** out of 5", (1, 5)) == 2
    assert js.first_integer("4.5 maybe 5", (1, 5)) == 5  # 4.5 is no integer
    assert js.first_integer("Rated 4.", (1, 5)) == 4
    assert js.first_integer("Good summary.", (1, 5)) is None
    assert js.first_integer("0", (0, 10)) == 0
    assert js.scale_integer(" 4 ", (1, 5)) == 4
    assert js.scale_integer("٤", (1, 5)) is None  # only ASCII digits
    assert js.from_ratings([3, 4, 5, 4], (1, 5)) == {1: 0, 2: 0, 3: 0.25, 4: 0.5, 5: 0.25}


# -- criteria ------------------------------------------------------------------------------
def test_fluency_does_not_see_the_article_and_the_others_do():
    for criterion in jc.BUILTIN.values():
        text = jc.messages(criterion, "THE ARTICLE", "THE SUMMARY")[0]["content"]
        assert "THE SUMMARY" in text and "from 1 to 5" in text
        assert ("THE ARTICLE" in text) == (criterion.name != "fluency")


def test_criteria_files_toml_and_json(tmp_path: Path):
    toml = tmp_path / "c.toml"
    toml.write_text('[[criteria]]\nname = "tone"\ndescription = "Neutral tone."\n'
                    'steps = ["Read it.", "Rate it."]\nscale = [0, 10]\narticle = false\n')
    options = JudgeOptions(judge_criteria="tone,fluency", judge_criteria_file=toml)
    judge = Judge(options)
    assert [c.name for c in judge.columns()] == ["judge_tone", "judge_fluency"]
    assert judge.criteria[0].scale == (0, 10)
    assert judge.criteria_digest().startswith("h")  # not only the built-in texts
    as_json = tmp_path / "c.json"
    as_json.write_text(json.dumps({"criteria": [{"name": "tone", "description": "d",
                                                 "steps": "one step"}]}))
    assert Judge(JudgeOptions(judge_criteria_file=as_json)).criteria[0].steps == ("one step",)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "x", "description": "d", "steps": "s",
                                "scale": [5, 1]}]))
    with pytest.raises(InputError, match=r"bad\.json, criterion 1: x: 'scale'"):
        JudgeOptions(judge_criteria_file=bad)
    with pytest.raises(SettingError, match="judge_criteria"):
        JudgeOptions(judge_criteria="consistency,fluffiness")
    with pytest.raises(SettingError, match="judge_samples"):
        JudgeOptions(judge_samples=3)  # in process: no sampling
    with pytest.raises(SettingError, match="judge_model"):
        JudgeOptions(judge_base_url=("http://127.0.0.1:1/v1",))


def test_the_signature_names_model_mode_and_criteria():
    judge = Judge(JudgeOptions(judge_criteria="consistency"))
    assert judge.signature() == "judge-smollm2-135m-instruct-logits-v1"
    served = Judge(JudgeOptions(judge_criteria="consistency", judge_model="org/m:7b",
                                judge_base_url=("http://127.0.0.1:1/v1",), judge_samples=5,
                                judge_temperature=0.7))
    assert served.signature() == "judge-org/m_7b-samples5-t0.7-v1"


# -- a served judge ------------------------------------------------------------------------
SCRIPTS = {
    "split": [json.dumps(SPLIT)],
    "text": [reply("Score: 2 out of 5")],  # no logprobs: the text's first integer
    "nonum": [reply("This summary is good.")],  # no integer: a failure, never a 0
    "flaky": ["429:0", "503", reply("5", [["5", LN(0.9)], ["4", LN(0.1)]])],
    "down": ["500"],  # every attempt
}


def served_judge(url: str, cache: Path, **more) -> Judge:
    options = JudgeOptions(judge_criteria="consistency", judge_model="stub-model",
                           judge_base_url=(url,), judge_max_retries=2, **more)
    judge = Judge(options, cache_file=cache)
    judge.document_ids = list(SCRIPTS)
    return judge


def score(judge: Judge) -> list[float | None]:
    rows = judge.score(predictions=[f"[[{m}]] a summary" for m in SCRIPTS],
                       references=[["r"]] * len(SCRIPTS), articles=["An article."] * 5)
    return [row["judge_consistency"]["value"] for row in rows]


def test_a_served_judge_scores_by_hand_retries_and_resends_only_failures(
        tmp_path: Path, monkeypatch):
    from sumbench import connection

    monkeypatch.setattr(connection, "BACKOFF_BASE_S", 0.01)  # the waits are not under test
    cache = tmp_path / "cache.sqlite"
    with StubServer(scripts=SCRIPTS) as server:
        judge = served_judge(server.url, cache)
        values = score(judge)
        assert values[0] == pytest.approx(SPLIT_SCORE)
        assert values[1] == 2.0
        assert values[2] is None
        assert values[3] == pytest.approx(5 * 0.9 + 4 * 0.1)
        assert values[4] is None
        assert dict(server.requests) == {"split": 1, "text": 1, "nonum": 1, "flaky": 3,
                                         "down": 3}
        body = next(b for b in server.bodies if "[[split]]" in b["messages"][0]["content"])
        assert (body["temperature"], body["logprobs"], body["top_logprobs"]) == (0, True, 20)
        assert body["messages"][0]["content"].count("[[") == 1
        failures = judge.failures()
        assert sorted(failures) == [2, 4]
        assert "no integer from 1 to 5: 'This summary is good.'" in failures[2]
        assert "HTTP 500" in failures[4] and "after 3 attempts" in failures[4]
        records = judge.records()
        assert [r["id"] for r in records] == list(SCRIPTS)
        assert [r["mode"] for r in records] == ["logprobs", "text", None, "logprobs", None]
        assert [r["attempts"] for r in records] == [1, 1, 1, 3, 3]
        assert records[0]["distribution"] == pytest.approx(
            {"1": 0, "2": 0, "3": 1 / 6, "4": 5 / 6, "5": 0})
        assert records[1]["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0}
        assert records[0]["messages"] == body["messages"]
        assert judge.counts() == {"calls": 5, "cached": 0, "failed": 2,
                                  "modes": {"logprobs": 2, "text": 1}}
        timings = judge.timings()
        assert timings["requests"] == 9 and timings["errors_by_class"] == {
            "http_429": 1, "http_500": 3, "http_503": 1}

        again = served_judge(server.url, cache)
        assert score(again) == values  # the same numbers, from the cache
        # only the two failures were sent again: nothing failed was cached
        assert dict(server.requests) == {"split": 1, "text": 1, "nonum": 2, "flaky": 3,
                                         "down": 6}
        assert [r["cached"] for r in again.records()] == [True, True, False, True, False]


def test_samples_are_averaged_at_the_sampling_temperature(tmp_path: Path):
    scripts = {"s": [reply("3"), reply("I give it 4."), reply("5")]}
    with StubServer(scripts=scripts) as server:
        judge = Judge(JudgeOptions(judge_criteria="fluency", judge_model="stub-model",
                                   judge_base_url=(server.url,), judge_samples=3,
                                   judge_temperature=0.7), cache_file=None, seed=7)
        rows = judge.score(predictions=["[[s]] x"], references=[["r"]], articles=["a"])
        assert rows[0]["judge_fluency"]["value"] == pytest.approx((3 + 4 + 5) / 3)
        assert [(b["temperature"], b["seed"], "logprobs" in b) for b in server.bodies] == \
            [(0.7, 7, False), (0.7, 8, False), (0.7, 9, False)]
        assert judge.records()[0]["mode"] == "samples"


# -- in process ----------------------------------------------------------------------------
def test_prompts_sharing_rubric_and_article_are_batched_with_the_prefix_once():
    from sumbench.metrics.judge_backends import InProcessJudge

    rubric, a, b = list(range(100)), [500] * 200, [600] * 200
    ids = [rubric + a + [1, 2], rubric + a + [1, 3], rubric + a + [7], rubric + b + [1],
           rubric + b + [2], [9] * 10]
    assert InProcessJudge("unused", batch_size=3).batches(ids) == \
        [([0, 1, 2], 300), ([3, 4], 300), ([5], 0)]
    # at most batch_size calls per pass; each keeps one token of its own
    assert InProcessJudge("unused", batch_size=2).batches(ids) == \
        [([0, 1], 301), ([2], 0), ([3, 4], 300), ([5], 0)]


def scale_tokens(tokenizer, scale=(1, 5)) -> dict[int, int]:
    """Every vocabulary token whose decoded text, stripped, is an integer of the scale."""
    found = {}
    for token_id in range(len(tokenizer)):
        piece = tokenizer.decode([token_id]).strip()
        if piece.isascii() and piece.isdigit() and scale[0] <= int(piece) <= scale[1]:
            found[token_id] = int(piece)
    return found


def direct_distribution(model, tokenizer, tokens: dict[int, int], messages: list[dict],
                        scale=(1, 5)) -> dict:
    """transformers alone, one call: the next-token probabilities after the generation
    prompt, summed per integer of the scale, normalised over the scale."""
    import torch

    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    encoded = tokenizer(text, add_special_tokens=False, return_tensors="pt")
    with torch.inference_mode():
        probs = torch.softmax(model(**encoded).logits[0, -1].float(), dim=-1)
    mass = dict.fromkeys(range(scale[0], scale[1] + 1), 0.0)
    for token_id, value in tokens.items():
        mass[value] += float(probs[token_id])
    total = sum(mass.values())
    return {k: v / total for k, v in mass.items()}


@pytest.mark.slow
def test_in_process_equals_transformers_on_the_recorded_messages(default_model, cnndm_rows):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # two articles (cut short: the test is of the arithmetic, not of the model), each
    # with two summaries, so calls share the rubric and the article (batched, prefix once)
    rows = cnndm_rows[:2]
    articles = [r["article"][:1200] for r in rows for _ in range(2)]
    predictions = [rows[0]["references"][0], "Police said the team won two games.",
                   rows[1]["references"][0], "The the the report report."]
    judge = Judge(JudgeOptions(judge_criteria="consistency,fluency", judge_batch_size=4))
    judge.document_ids = ["a1", "a2", "b1", "b2"]
    batches = judge.backend()
    values = judge.score(predictions=predictions, references=[["r"]] * 4, articles=articles)
    records = judge.records()
    assert len(records) == 8 and not judge.failures()

    tokenizer = AutoTokenizer.from_pretrained(default_model.path)
    model = AutoModelForCausalLM.from_pretrained(default_model.path, dtype=torch.float32).eval()
    tokens = scale_tokens(tokenizer)
    assert sorted(set(tokens.values())) == [1, 2, 3, 4, 5]
    for record in records:
        expected = direct_distribution(model, tokenizer, tokens, record["messages"])
        got = {int(k): p for k, p in record["distribution"].items()}
        assert got == pytest.approx(expected, abs=1e-5), record["id"]
        score = sum(k * p for k, p in expected.items())
        doc = judge.document_ids.index(record["id"])
        assert values[doc][f"judge_{record['criterion']}"]["value"] == \
            pytest.approx(score, abs=1e-4)
        assert record["mode"] == "logits" and record["attempts"] == 1
    # the calls did go through the shared-prefix path: one article's two summaries on
    # consistency share the rubric and the article
    ids = [batches.prompt_ids(Call(tuple(r["messages"]), (1, 5))) for r in records]
    assert any(len(b) > 1 and s > 100 for b, s in batches.batches(ids))
    assert judge.timings()["calls"] == 8


@pytest.mark.slow
def test_a_prompt_past_the_judge_models_context_fails_alone(default_model):
    """A prompt longer than the model's positions is not run (the model would read
    garbage there): its verdict is an error naming both lengths; the others are judged."""
    from sumbench.metrics.judge_backends import InProcessJudge

    backend = InProcessJudge(str(default_model.path), batch_size=4)
    backend.load()
    assert backend.context == 8192  # SmolLM2-135M's max_position_embeddings
    short = Call(({"role": "user", "content": "Rate 1 to 5: the cat sat."},), (1, 5))
    long = Call(({"role": "user", "content": "Rate 1 to 5: " + "the cat sat. " * 30},),
                (1, 5))
    n_short, n_long = len(backend.prompt_ids(short)), len(backend.prompt_ids(long))
    backend.context = n_short + 10  # as if the model had a short context: a fast test
    assert n_long > backend.context
    seen: list[int] = []
    verdicts = backend.judge([long, short], lambda i, _v: seen.append(i))
    assert verdicts[0].distribution is None and verdicts[0].error == (
        f"the prompt has {n_long} tokens, more than the judge model's context of "
        f"{n_short + 10}: use a judge model with a longer context")
    assert verdicts[1].error is None and sum(verdicts[1].distribution.values()) == \
        pytest.approx(1.0)
    assert sorted(seen) == [0, 1] and backend.calls == 1


# -- a real server -------------------------------------------------------------------------
@pytest.mark.slow
def test_transformers_serve_as_a_real_judge(served_model, cnndm_rows,  # noqa: F811
                                            tmp_path: Path):
    """`transformers serve` sends no logprobs, so each score is the reply's first integer
    of the scale, or a named failure when the small model writes none; the rerun takes
    every success from the cache."""
    url, name = served_model
    rows = cnndm_rows[:2]

    def judge() -> Judge:
        made = Judge(JudgeOptions(judge_criteria="consistency", judge_model=name,
                                  judge_base_url=(url,), judge_timeout=900,
                                  judge_concurrency=2), cache_file=tmp_path / "c.sqlite")
        made.document_ids = [r["id"] for r in rows]
        made.score(predictions=[r["references"][0] for r in rows],
                   references=[r["references"] for r in rows],
                   articles=[r["article"] for r in rows])
        return made

    first = judge()
    for record in first.records():
        if record["error"] is None:
            rating = js.first_integer(record["reply"], (1, 5))
            assert record["mode"] == "text" and record["score"] == rating
            assert record["distribution"][str(rating)] == 1.0
        else:
            assert record["score"] is None and "no integer from 1 to 5" in record["error"]
    assert first.timings()["errors_by_class"] == {}
    again = judge()
    assert [r["cached"] for r in again.records()] == \
        [r["error"] is None for r in first.records()]
    assert [r["score"] for r in again.records()] == [r["score"] for r in first.records()]


# -- the command line ----------------------------------------------------------------------
def _suite(path: Path, markers: list[str]) -> Path:
    rows = [{"id": f"d-{m}", "article": f"[[{m}]] The council met on Monday. It voted "
             "to build a bridge. Work starts next year.", "references": ["A bridge."]}
            for m in markers]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_a_run_with_a_served_judge_writes_gates_resumes_and_compares(tmp_path: Path):
    from typer.testing import CliRunner

    from sumbench.cli import app

    runner = CliRunner()
    data = _suite(tmp_path / "suite.jsonl", ["split", "text", "nonum"])
    with StubServer(scripts=SCRIPTS) as server:
        def run(out: str, *more: str) -> object:
            return runner.invoke(app, [
                "run", "--summarizer", "lead", "--data", str(data), "--out",
                str(tmp_path / out), "--cache-file", str(tmp_path / "cache.sqlite"),
                "--judge-criteria", "consistency", "--judge-base-url", server.url,
                "--judge-model", "stub-model", "--quiet", *more])

        first = run("a")
        assert first.exit_code == 5, first.output  # one judge call failed
        folder = tmp_path / "a"
        samples = [json.loads(x) for x in (folder / "samples.jsonl").read_text().splitlines()]
        values = [s["scores"]["judge_consistency"]["value"] for s in samples]
        assert values[0] == pytest.approx(SPLIT_SCORE) and values[1:] == [2.0, None]
        lines = [json.loads(x) for x in (folder / "judge.jsonl").read_text().splitlines()]
        assert [(r["id"], r["criterion"], r["cached"]) for r in lines] == [
            ("d-split", "consistency", False), ("d-text", "consistency", False),
            ("d-nonum", "consistency", False)]
        assert lines[2]["error"].startswith("the reply has no integer from 1 to 5")
        results = json.loads((folder / "results.json").read_text())
        assert results["counts"]["n_metric_failed"] == 1
        assert results["counts"]["metrics"]["judge"]["failed"] == 1
        assert results["timings"]["metrics"]["judge"]["requests"] == 3
        assert "judge-stub-model-logprobs-v1" in results["signature"]
        mean = results["scores"]["judge_consistency"]["value"]["mean"]
        assert mean == pytest.approx((SPLIT_SCORE + 2.0) / 2)  # the failure is left out

        # the same command again sends only the failed call; a gate on the judge's column
        again = run("b", "--max-failures", "1", "--gate", "judge_consistency>=3.5")
        assert again.exit_code == 1, again.output  # the gate fails (mean 2.92)
        assert dict(server.requests) == {"split": 1, "text": 1, "nonum": 2}
        cached = [json.loads(x)["cached"]
                  for x in (tmp_path / "b" / "judge.jsonl").read_text().splitlines()]
        assert cached == [True, True, False]

        # judged another way (sampled): compare refuses to pair the judge's column
        samples_run = run("c", "--max-failures", "1", "--judge-samples", "2")
        assert samples_run.exit_code == 0, samples_run.output
    refused = runner.invoke(app, ["compare", str(tmp_path / "b"), str(tmp_path / "c"),
                                  "--metrics", "judge_consistency"])
    assert refused.exit_code == 2
    assert "scored judge differently" in refused.output
    same = runner.invoke(app, ["compare", str(tmp_path / "a"), str(tmp_path / "b"),
                               "--metrics", "judge_consistency"])
    assert same.exit_code == 0, same.output


def test_judge_settings_are_checked_before_any_work(tmp_path: Path):
    from typer.testing import CliRunner

    from sumbench.cli import app

    data = _suite(tmp_path / "suite.jsonl", ["x"])
    result = CliRunner().invoke(app, ["run", "--summarizer", "lead", "--data", str(data),
                                      "--judge-criteria", "consistency,fluffiness",
                                      "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "fluffiness" in result.output
    assert not (tmp_path / "r").exists()
    result = CliRunner().invoke(app, ["run", "--summarizer", "lead", "--data", str(data),
                                      "--judge-model", "m", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "--metrics" in result.output


def test_a_served_judge_that_cannot_serve_stops_the_run_before_any_summary(tmp_path: Path):
    """Under --no-cache the judge's servers are asked for the model before summarizing:
    a judge model the server does not list costs no summary (none is requested)."""
    from typer.testing import CliRunner

    from sumbench.cli import app

    data = _suite(tmp_path / "suite.jsonl", ["x", "y"])
    with StubServer() as server:
        result = CliRunner().invoke(app, [
            "run", "--summarizer", "api", "--base-url", server.url, "--model", "stub-model",
            "--data", str(data), "--no-cache", "--out", str(tmp_path / "r"),
            "--judge-criteria", "consistency", "--judge-base-url", server.url,
            "--judge-model", "absent-model"])
        assert sum(server.requests.values()) == 0  # no summary was asked for
    assert result.exit_code != 0
    assert "does not serve the model 'absent-model'" in result.output
    assert not (tmp_path / "r").exists()
