"""Reports: golden files for a fixed lead run, the JUnit schema, escaping, real Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from itertools import cycle, islice
from pathlib import Path

import pytest

from sumbench.gates import check_gates, parse_gates
from sumbench.records import RunResult
from sumbench.reports import FORMATS, write_reports
from sumbench.reports.markdown import cell
from sumbench.run import evaluate_suite
from sumbench.scoring import RougeSpec
from sumbench.suites.jsonl import load_jsonl
from sumbench.summarizers.baselines import LeadSummarizer, PredictionsSummarizer

from .conftest import CNNDM

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = ("<script>document.body.setAttribute('data-pwned','script')</script>"
           "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\"> "
           "| pipe ` backtick **bold** [link](http://x) &amp; end")


@pytest.fixture(scope="module")
def lead_run() -> RunResult:
    examples = load_jsonl(CNNDM)[:4]
    return evaluate_suite(examples, LeadSummarizer(3), RougeSpec(), data_source="cnndm-dev.jsonl")


@pytest.fixture(scope="module")
def hostile_run() -> RunResult:
    examples = load_jsonl(CNNDM)[:3]
    preds = {examples[0].id: HOSTILE, examples[1].id: "", examples[2].id: "Plain text."}
    return evaluate_suite(examples, PredictionsSummarizer(preds, "hostile.jsonl", "0" * 64),
                    RougeSpec(), data_source="cnndm-dev.jsonl")


def _normalise(name: str, text: str) -> str:
    if name == "junit.xml":
        text = re.sub(r'(timestamp|hostname|time)="[^"]*"', r'\1="X"', text)
    return text


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_golden(fmt: str, lead_run: RunResult, tmp_path: Path):
    """Regenerate with UPDATE_GOLDEN=1 after an intended change, and review the diff."""
    gates = check_gates(lead_run, parse_gates("rouge1=0.2,rouge2.recall=0.9"))
    [path] = write_reports(tmp_path, lead_run, [fmt], gates)
    got = _normalise(path.name, path.read_text(encoding="utf-8"))
    golden = GOLDEN / path.name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


def test_junit_is_valid_and_counts_failures(lead_run: RunResult, tmp_path: Path):
    import xml.etree.ElementTree as ET

    import xmlschema

    gates = check_gates(lead_run, parse_gates("rouge1=0.2,rouge2.recall=0.9"))
    [path] = write_reports(tmp_path, lead_run, ["junit"], gates)
    xmlschema.XMLSchema(Path(__file__).parent / "data" / "junit.xsd").validate(path)
    root = ET.parse(path).getroot()
    assert root.get("tests") == "6" and root.get("failures") == "1"
    [failure] = root.iter("failure")
    message = failure.get("message")
    assert "rouge2.recall mean = " in message and "required >= 0.9000" in message


def test_junit_survives_hostile_and_control_characters(hostile_run: RunResult, tmp_path: Path):
    import xmlschema

    docs = list(hostile_run.documents)
    gen = replace(docs[2].generation, prediction="bell\x07 and nul\x00 ]]> </system-out>")
    docs[2] = replace(docs[2], generation=gen)
    run = replace(hostile_run, documents=tuple(docs))
    [path] = write_reports(tmp_path, run, ["junit"], [])
    xmlschema.XMLSchema(Path(__file__).parent / "data" / "junit.xsd").validate(path)
    assert "]]&gt; &lt;/system-out&gt;" in path.read_text()


def test_markdown_code_span_keeps_the_text_as_it_is():
    from sumbench.reports.markdown import code

    assert code("a|b\\|c") == "`a|b\\|c`"  # copied from the rendered page: the same text
    assert code("x`y") == "``x`y``" and code("`z") == "`` `z ``"  # CommonMark's rules


def test_markdown_cell_escapes_everything():
    text = cell("a | b `c` <script>x</script>\nnew *line* [l](u)")
    assert "|" not in text.replace("\\|", "")
    assert "<" not in text and "\n" not in text and "`" not in text.replace("\\`", "")


def test_markdown_table_keeps_its_columns(hostile_run: RunResult, tmp_path: Path):
    [path] = write_reports(tmp_path, hostile_run, ["md"], [])
    text = path.read_text()
    lowest = text.split("lowest-scoring documents")[1]
    rows = [line for line in lowest.splitlines() if line.startswith("| ") and "cnn-" in line]
    assert len(rows) == 3
    for row in rows:  # id | F1 | prediction -> 4 unescaped pipes
        assert len(re.findall(r"(?<!\\)\|", row)) == 4, row
    flags = [line for line in text.splitlines() if line.startswith("| unsupported |")]
    assert len(flags) == 1 and len(re.findall(r"(?<!\\)\|", flags[0])) == 4, flags
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "*(empty)*" in text


def test_markdown_goes_to_github_step_summary(lead_run, tmp_path: Path, monkeypatch):
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write_reports(tmp_path / "run", lead_run, ["md"], [])
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "## sumbench: lead" in text


def _embedded_rows(page: str) -> list[dict]:
    block = re.search(r'<script type="application/json" id="documents-data">(.*?)</script>',
                      page, re.S)
    return json.loads(block.group(1))["rows"]


def test_html_escapes_hostile_text(hostile_run: RunResult, tmp_path: Path):
    [path] = write_reports(tmp_path, hostile_run, ["html"], [])
    page = path.read_text()
    assert "<img src=x" not in page and "<script>document" not in page
    assert page.count("</script>") == 2  # the data block and our script: nothing breaks out
    rows = _embedded_rows(page)
    assert rows[0]["prediction"] == HOSTILE  # the text survives exactly, as data
    assert "http" not in page.replace("http://x", "").replace("http-equiv", "")  # no CDN
    assert "Content-Security-Policy" in page


def test_csv_one_row_per_document(lead_run: RunResult, tmp_path: Path):
    import csv

    [path] = write_reports(tmp_path, lead_run, ["csv"], [])
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 4 and float(rows[0]["rouge1_fmeasure"]) == (
        lead_run.documents[0].scores["rouge1"].fmeasure)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="Debian's chromium is not installed "
                    "(.ci/run installs it)")
def test_hostile_prediction_is_inert_in_chromium(hostile_run: RunResult, tmp_path: Path):
    """Render the page in a real browser: scripts in predictions must not run, our own
    (CSP-hashed) sorting script must, and the hostile text must show as text."""
    [path] = write_reports(tmp_path, hostile_run, ["html"], [])
    proc = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=2000",
         "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120)
    dom = proc.stdout
    assert "<body" in dom, proc.stderr[-2000:]
    body_tag = re.search(r"<body[^>]*>", dom).group()
    assert "data-pwned" not in body_tag  # neither the script nor the onerror handler ran
    assert 'data-ready="1"' in dom  # our script ran, so the page's JS works under the CSP
    assert "&lt;script&gt;document.body.setAttribute" in dom  # shown as text
    assert "&lt;img src=x onerror=" in dom


def _dump_dom(url: str, profile: Path) -> str:
    proc = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", url],
        capture_output=True, text=True, timeout=180)
    assert "<body" in proc.stdout, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="Debian's chromium is not installed "
                    "(.ci/run installs it)")
def test_large_report_renders_one_page_sorted_in_chromium(tmp_path: Path):
    """11,500 documents: the data is embedded once and only one page of rows is in the DOM;
    the page named in the address, sorted as asked, is the one shown."""
    examples = load_jsonl(CNNDM)
    base = evaluate_suite(examples, LeadSummarizer(3), RougeSpec(), data_source="cnndm-dev.jsonl")
    docs = tuple(replace(d, id=f"doc-{n:05d}")
                 for n, d in enumerate(islice(cycle(base.documents), 11_500)))
    big = replace(base, documents=docs)
    [path] = write_reports(tmp_path, big, ["html"], [])
    page = path.read_text()
    # the aggregate and diagnostics tables only: documents are data
    assert page.count("<tr>") < 40
    assert len(_embedded_rows(page)) == 11_500

    dom = _dump_dom(path.as_uri() + "#page=3&sort=rouge1&dir=asc", tmp_path / "profile")
    body = re.search(r'<table id="documents".*?<tbody>(.*?)</tbody>', dom, re.S).group(1)
    shown = re.findall(r"<tr><td>(doc-\d{5})</td>", body)
    order = sorted(range(len(docs)), key=lambda i: (docs[i].scores["rouge1"].fmeasure, i))
    assert shown == [docs[i].id for i in order[200:300]]
    assert "page 3 of 115" in dom and 'data-ready="1"' in dom
