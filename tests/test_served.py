"""--summarizer api against a scripted server on 127.0.0.1 (tests/openai_stub.py): every
fault ends in the documented state, in-flight requests never exceed --concurrency,
nothing finished is lost, a rerun sends only what failed, and the key never leaks."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sumbench.cli import app
from sumbench.errors import EXIT_BAD_INPUT, EXIT_FAILED_DOCUMENTS

from .conftest import read_jsonl
from .openai_stub import StubServer

runner = CliRunner()

# marker -> (script of actions per attempt, final status, attempts)
FAULTS = {
    "retry-after": (["429:1", "ok"], "ok", 2),
    "unavailable": (["503", "ok"], "ok", 2),
    "too-slow": (["slow", "ok"], "ok", 2),
    "dropped": (["drop", "ok"], "ok", 2),
    "bad-gateway-twice": (["502", "500", "ok"], "ok", 3),
    "unauthorised": (["401"], "failed", 1),
    "unprocessable": (["422"], "failed", 1),
    "not-json": (["invalid_json"], "failed", 3),  # --max-retries 2: three attempts
    "null-content": (["null_content"], "empty", 1),
    "no-usage": (["no_usage"], "ok", 1),
    "cut-short": (["length"], "ok", 1),
}


def suite(tmp_path: Path, markers: list[str], plain: int = 3) -> Path:
    rows = [{"id": f"doc-{m}", "article": f"[[{m}]] The council met on Monday and agreed "
             f"a budget for {m}. It will be spent on roads.", "references": ["A budget."]}
            for m in markers]
    rows += [{"id": f"plain-{i}", "article": f"Plain article {i} says the river rose by "
              f"{i} metres overnight. Homes were flooded.", "references": ["Floods."]}
             for i in range(plain)]
    path = tmp_path / "suite.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def run_api(server: StubServer, data: Path, out: Path, *extra: str,
            cache: Path | None = None, model: str | None = None) -> tuple[int, str]:
    args = ["run", "--summarizer", "api", "--base-url", server.url,
            "--model", model or server.model,
            "--data", str(data), "--out", str(out), "--quiet", "--timeout", "1",
            "--max-retries", "2", "--concurrency", "3",
            *(["--cache-file", str(cache)] if cache else ["--no-cache"]), *extra]
    result = runner.invoke(app, args)
    return result.exit_code, result.output


def by_id(run_dir: Path, name: str = "samples.jsonl") -> dict[str, dict]:
    return {row["id"]: row for row in read_jsonl(run_dir / name)}


def test_every_fault_ends_as_documented_and_a_rerun_sends_only_failures(tmp_path: Path):
    data = suite(tmp_path, list(FAULTS))
    cache = tmp_path / "cache.sqlite"
    with StubServer(scripts={m: script for m, (script, _, _) in FAULTS.items()}) as server:
        code, output = run_api(server, data, tmp_path / "run", cache=cache)
        assert code == EXIT_FAILED_DOCUMENTS, output
        assert server.max_in_flight <= 3
        first_requests = server.completion_requests()

    samples, requests = by_id(tmp_path / "run"), by_id(tmp_path / "run", "requests.jsonl")
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert len(samples) == len(FAULTS) + 3  # every document written, failed ones too
    for marker, (_, status, attempts) in FAULTS.items():
        sample, request = samples[f"doc-{marker}"], requests[f"doc-{marker}"]
        assert request["attempts"] == attempts, marker
        if status == "failed":
            assert sample["error"] and sample["prediction"] == "", marker
            assert all(s["fmeasure"] == 0 for s in sample["scores"].values())
        else:
            assert sample["error"] is None, marker
            assert sample["empty_prediction"] is (status == "empty"), marker
    assert "HTTP 401" in samples["doc-unauthorised"]["error"]
    assert "HTTP 422" in samples["doc-unprocessable"]["error"]
    assert "unreadable reply" in samples["doc-not-json"]["error"]
    assert "after 3 attempts" in samples["doc-not-json"]["error"]
    assert requests["doc-null-content"]["content_null"] is True
    assert samples["doc-no-usage"]["input_tokens"] is None
    assert samples["doc-no-usage"]["output_tokens"] is None
    assert samples["plain-0"]["output_tokens"] == 9
    assert samples["doc-cut-short"]["finish_reason"] == "length"
    counts = {k: v for k, v in results["counts"].items() if not k.startswith("flag_")}
    assert counts == {"n_documents": 14, "n_truncated": 0, "n_empty_predictions": 1,
                      "n_failed": 3, "n_cut_at_token_limit": 1, "n_split_masked": 0,
                      "n_split_unsplit": 0}
    assert results["counts"]["flag_empty"] == 4  # the null content and the 3 failures
    stats = results["timings"]["requests"]
    assert stats["errors_by_class"] == {"bad_response": 3, "connection": 1, "http_401": 1,
                                        "http_422": 1, "http_429": 1, "http_500": 1,
                                        "http_502": 1, "http_503": 1, "timeout": 1}
    assert stats["retries"] == 8 and stats["failed_documents"] == 3
    assert stats["requests"] == first_requests == 14 + 8
    assert stats["max_in_flight"] <= 3
    assert "doc-null-content" in " ".join(results["warnings"])  # a named empty prediction

    # the same command again: the server is healthy now, and only the failures are sent
    with StubServer() as server:
        code, output = run_api(server, data, tmp_path / "run", cache=cache)
        assert code == 0, output
        assert server.completion_requests() == 3
        assert set(server.requests) == {"unauthorised", "unprocessable", "not-json"}
    again = json.loads((tmp_path / "run" / "results.json").read_text())
    assert again["timings"]["cache_hits"] == 11 and again["counts"]["n_failed"] == 0


def test_retry_after_is_waited_for(tmp_path: Path):
    data = suite(tmp_path, ["retry-after"], plain=0)
    with StubServer(scripts={"retry-after": ["429:2", "ok"]}) as server:
        code, output = run_api(server, data, tmp_path / "run")
    assert code == 0, output
    # a lower bound, never a race: the retry may not be sent before the server's 2 s
    assert by_id(tmp_path / "run", "requests.jsonl")["doc-retry-after"]["latency_s"] >= 2.0


def test_tolerated_failures_exit_zero_and_are_still_recorded(tmp_path: Path):
    data = suite(tmp_path, ["unprocessable"])
    with StubServer(scripts={"unprocessable": ["422"]}) as server:
        code, output = run_api(server, data, tmp_path / "run", "--max-failures", "1")
    assert code == 0, output
    assert by_id(tmp_path / "run")["doc-unprocessable"]["error"].startswith("HTTP 422")


def test_in_flight_requests_reach_but_never_exceed_the_concurrency(tmp_path: Path):
    """Held requests are released only once three are in flight at once: the run can
    finish only if the client really keeps three going, and never more."""
    data = suite(tmp_path, [f"held-{i}" for i in range(9)], plain=0)
    with StubServer(scripts={f"held-{i}": ["hold"] for i in range(9)}) as server:
        import threading

        def release_when_three() -> None:
            deadline = time.monotonic() + 20
            while server.in_flight < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            server.release()

        watcher = threading.Thread(target=release_when_three, daemon=True)
        watcher.start()
        code, output = run_api(server, data, tmp_path / "run", "--timeout", "30")
        watcher.join(timeout=30)
        assert code == 0, output
        assert server.max_in_flight == 3


def test_readiness_errors_are_one_clear_line(tmp_path: Path):
    data = suite(tmp_path, [], plain=1)
    with StubServer(model="served-model") as server:
        code, output = run_api(server, data, tmp_path / "a", model="stub-model")
        assert code == EXIT_BAD_INPUT
        assert "does not serve the model 'stub-model'; it serves: 'served-model'" in output
        url = server.url
    result = runner.invoke(app, ["run", "--summarizer", "api", "--base-url", url, "--model",
                                 "m", "--data", str(data), "--out", str(tmp_path / "b"),
                                 "--no-cache", "--quiet", "--timeout", "2"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert f"cannot reach {url}" in result.output
    with StubServer(api_key="right-key") as server:
        code, output = run_api(server, data, tmp_path / "c")
        assert code == EXIT_BAD_INPUT
        assert "authentication failed (HTTP 401): set $OPENAI_API_KEY" in output
        assert server.completion_requests() == 0  # nothing is sent before the check passes
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()


def test_the_key_never_leaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    key = "sk-test-4f1c9a7be2d84c0c-never-print-me"
    monkeypatch.setenv("SUMBENCH_TEST_KEY", key)
    data = suite(tmp_path, ["echo", "unavailable"])
    cache = tmp_path / "cache.sqlite"
    out = tmp_path / "run"
    with StubServer(api_key=key, scripts={"echo": ["echo_auth"],
                                          "unavailable": ["503", "ok"]}) as server:
        code, output = run_api(server, data, out, "--api-key-env", "SUMBENCH_TEST_KEY",
                               "--report", "md,html,junit,csv", cache=cache)
        assert server.headers_seen[0]["Authorization"] == f"Bearer {key}"  # it was sent
    assert code == EXIT_FAILED_DOCUMENTS, output
    assert "Bearer ***" in by_id(out)["doc-echo"]["error"]  # the echo was scrubbed
    written = [p for p in out.rglob("*") if p.is_file()] + [cache]
    assert len(written) >= 7
    for path in written:
        assert key.encode() not in path.read_bytes(), path
    assert key not in output


def test_completions_endpoint_sends_the_prompt_text(tmp_path: Path):
    data = suite(tmp_path, [], plain=2)
    with StubServer() as server:
        code, output = run_api(server, data, tmp_path / "run", "--endpoint", "completions",
                               "--extra-body", '{"top_k": 1}')
    assert code == 0, output
    spec = json.loads((tmp_path / "run" / "results.json").read_text())["spec"]
    body = spec["api"]["request_body"]
    assert body == {"model": "stub-model", "prompt": "Write a short summary of this article:"
                    "\n\n{article}", "max_tokens": 96, "temperature": 0, "seed": 0,
                    "top_k": 1}
    assert by_id(tmp_path / "run")["plain-1"]["prediction"].startswith("Plain article 1")


@pytest.mark.parametrize(("args", "message"), [
    (["--base-url", "ftp://x/v1"], "--base-url must be an http(s) URL"),
    (["--base-url", "http://h/v1", "--num-beams", "2"], "--num-beams is only for the summarizer "
     "'hf'; a served model's settings belong to its server"),
    (["--base-url", "http://h/v1", "--extra-body", "[1]"], "--extra-body must be a JSON "
     "object"),
    (["--base-url", "http://h/v1", "--extra-body", "{"], "--extra-body is not valid JSON"),
    (["--base-url", "http://h/v1", "--extra-body", '{"model": "x"}'], "may not set"),
    (["--base-url", "http://h/v1", "--endpoint", "completions", "--system-prompt", "s"],
     "--system-prompt needs the chat endpoint"),
    (["--base-url", "http://h/v1", "--concurrency", "0"], "--concurrency must be at least 1"),
    (["--base-url", "http://h/v1", "--timeout", "0"], "--timeout must be more than 0"),
])
def test_bad_api_settings_are_refused_before_any_request(tmp_path: Path, args, message):
    data = suite(tmp_path, [], plain=1)
    result = runner.invoke(app, ["run", "--summarizer", "api", "--model", "m", "--data",
                                 str(data), "--out", str(tmp_path / "r"), "--no-cache",
                                 "--quiet", *args])
    assert result.exit_code == EXIT_BAD_INPUT
    assert message in result.output


def test_api_flags_are_refused_for_other_summarizers(tmp_path: Path):
    result = runner.invoke(app, ["run", "--summarizer", "lead", "--base-url", "http://h/v1",
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "--base-url is only for the summarizer 'api'" in result.output


def test_kill_9_then_the_same_command_resumes_exactly(tmp_path: Path):
    """The server answers four documents, then holds every request; the run is killed
    once those four are in the cache, and the rerun sends only the rest."""
    n_docs, answered = 10, 4
    markers = [f"d{i}" for i in range(n_docs)]
    data = suite(tmp_path, markers, plain=0)
    cache = tmp_path / "cache.sqlite"
    # equal lengths: the run sends them in suite order, so the first four are answered
    scripts = {m: (["ok"] if i < answered else ["hold"]) for i, m in enumerate(markers)}
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with StubServer(scripts=scripts) as server:
        args = [sys.executable, "-m", "sumbench", "run", "--summarizer", "api", "--base-url",
                server.url, "--model", server.model, "--data", str(data), "--out",
                str(tmp_path / "killed"), "--cache-file", str(cache), "--quiet",
                "--concurrency", "2", "--timeout", "60"]
        process = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                if _cached_rows(cache) == answered and server.in_flight == 2:
                    break
                time.sleep(0.05)
            assert _cached_rows(cache) == answered, process.stderr.read1().decode()
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    with StubServer() as server:
        args[args.index("--base-url") + 1] = server.url
        resumed = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True,
                                 timeout=120)
        assert resumed.returncode == 0, resumed.stderr.decode()
        assert server.completion_requests() == n_docs - answered
    results = json.loads((tmp_path / "killed" / "results.json").read_text())
    assert results["timings"]["cache_hits"] == answered
    with StubServer() as server:  # an uninterrupted run, with a cache of its own
        code, output = run_api(server, data, tmp_path / "whole")
        assert code == 0, output
    assert (tmp_path / "killed" / "samples.jsonl").read_bytes() == \
        (tmp_path / "whole" / "samples.jsonl").read_bytes()


def _cached_rows(cache: Path) -> int:
    if not cache.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not there yet
        return 0


def test_replicas_share_the_work_and_the_cache(tmp_path: Path):
    """Each replica holds its request until both have one: the run finishes only if the
    two workers went to different replicas."""
    data = suite(tmp_path, ["h0", "h1"], plain=0)
    cache = tmp_path / "cache.sqlite"
    scripts = {"h0": ["hold"], "h1": ["hold"]}
    with StubServer(scripts=scripts) as first, StubServer(scripts=scripts) as second:
        import threading

        def release_when_both_busy() -> None:
            deadline = time.monotonic() + 20
            while (first.in_flight, second.in_flight) != (1, 1) and time.monotonic() < deadline:
                time.sleep(0.01)
            first.release()
            second.release()

        watcher = threading.Thread(target=release_when_both_busy, daemon=True)
        watcher.start()
        code, output = run_api(first, data, tmp_path / "run", "--base-url", second.url,
                               "--concurrency", "2", "--timeout", "30", cache=cache)
        watcher.join(timeout=30)
        assert code == 0, output
        assert (first.max_in_flight, second.max_in_flight) == (1, 1)
        assert first.completion_requests() == second.completion_requests() == 1
    with StubServer() as other:  # another replica later: every document is a cache hit
        code, output = run_api(other, data, tmp_path / "again", cache=cache)
        assert code == 0 and other.completion_requests() == 0



def test_retry_after_backoff_and_percentiles_by_hand():
    import email.utils

    from sumbench import connection as api
    from sumbench.summarizers import served

    assert api.retry_after("3") == 3.0
    assert api.retry_after("600") == api.RETRY_AFTER_CAP_S  # capped
    assert api.retry_after("-5") == 0.0
    assert api.retry_after("soon") is None and api.retry_after(None) is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= api.retry_after(later) <= 30
    for attempt in (1, 2, 3, 10):
        wait = api.backoff(attempt, None)
        assert 0 <= wait <= min(api.BACKOFF_CAP_S, api.BACKOFF_BASE_S * 2 ** (attempt - 1))
    assert api.backoff(1, 5.0) >= 5.0  # never sooner than the server asked
    assert served._percentile([], 0.5) is None
    assert served._percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0  # nearest rank
    assert served._percentile([1.0, 2.0, 3.0, 4.0], 0.95) == 4.0


def test_credentials_in_the_base_url_never_reach_the_files(tmp_path: Path):
    data = suite(tmp_path, [], plain=2)
    with StubServer() as server:
        url = server.url.replace("http://", "http://someone:pa55word-in-url@")
        result = runner.invoke(app, ["run", "--summarizer", "api", "--base-url", url,
                                     "--model", server.model, "--data", str(data), "--out",
                                     str(tmp_path / "run"), "--no-cache", "--quiet"])
        assert result.exit_code == 0, result.output
        assert server.headers_seen[0]["Authorization"].startswith("Basic ")
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            assert b"pa55word-in-url" not in path.read_bytes(), path
    log = by_id(tmp_path / "run", "requests.jsonl")
    assert log["plain-0"]["server"] == server.url


# -- issue #27: kept-alive connections, and every attempt in requests.jsonl -------------

def _quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    from sumbench import connection

    monkeypatch.setattr(connection, "BACKOFF_BASE_S", 0.01)  # the waits are not under test here


def _wait_for(condition, limit_s: float = 10.0) -> bool:
    deadline = time.monotonic() + limit_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_a_request_on_a_connection_the_server_closed_does_not_use_up_a_retry(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """One worker: the first document leaves its connection kept alive, and the server
    closes it as the second document's request goes out (``drop`` on the reused
    connection: nothing answered). Then 503 four times, then a reply: with --max-retries
    4 the document succeeds only if the closed connection did not cost an attempt."""
    _quick_backoff(monkeypatch)
    data = suite(tmp_path, ["opens-the-connection", "stale"], plain=0)  # longest goes first
    scripts = {"opens-the-connection": ["ok"],
               "stale": ["drop", "503", "503", "503", "503", "ok"]}
    with StubServer(scripts=scripts) as server:
        code, output = run_api(server, data, tmp_path / "run", "--concurrency", "1",
                               "--max-retries", "4")
        assert code == 0, output
        assert server.requests["stale"] == 6
    log = by_id(tmp_path / "run", "requests.jsonl")["doc-stale"]
    assert log["attempts"] == 6
    attempts = log["attempt_log"]
    assert [a["connection"] for a in attempts] == ["reused"] + ["new"] * 5
    assert [a["outcome"] for a in attempts] == ["connection"] + ["http_503"] * 4 + ["ok"]
    assert [a["counted"] for a in attempts] == [False] + [True] * 5
    assert [a["retried"] for a in attempts] == [True] * 5 + [False]
    stats = json.loads((tmp_path / "run" / "results.json").read_text())["timings"]["requests"]
    assert stats["stale_connections"] == 1 and stats["failed_documents"] == 0
    assert stats["errors_by_class"] == {"connection": 1, "http_503": 4}

    # a connection that fails on its first use is not stale: it counts, as before
    with StubServer(scripts={"stale": ["drop", "503", "503", "503", "503", "ok"]}) as server:
        code, _ = run_api(server, suite(tmp_path, ["stale"], plain=0), tmp_path / "fresh",
                          "--concurrency", "1", "--max-retries", "4")
        assert code == EXIT_FAILED_DOCUMENTS and server.requests["stale"] == 5


def test_a_kept_alive_connection_is_checked_before_it_is_reused():
    """A connection the server closed after its reply, or one holding an unasked-for
    reply (a late answer to an earlier request), is replaced before the next request:
    the next request is neither lost nor answered with the stray reply."""
    from sumbench.connection import Connection, readable

    def ask(connection: Connection, marker: str, words: str) -> str:
        body = json.dumps({"model": "stub-model", "messages": [
            {"role": "user", "content": f"Summarize:\n\n[[{marker}]] {words}"}]}).encode()
        status, _, reply = connection.request("POST", "/chat/completions", body,
                                              {"Content-Type": "application/json"})
        assert status == 200
        return json.loads(reply)["choices"][0]["message"]["content"]

    with StubServer(scripts={"closes": ["close_after"], "strays": ["stray"]}) as server:
        for marker in ("strays", "closes"):  # release() lets every later stray go at once
            server.tampered.clear()
            connection = Connection(server.url, 10)
            try:
                assert ask(connection, marker, "first words") == "first words."
                assert connection.how == "new"
                server.release()  # strays: the unasked-for reply goes out now
                assert server.tampered.wait(10)
                sock = connection._conn.sock  # type: ignore[union-attr]
                assert _wait_for(lambda sock=sock: readable(sock)), marker
                assert ask(connection, "plain", "second words") == "second words.", marker
                assert (connection.how, connection.replaced) == ("replaced", True)
                assert ask(connection, "plain", "third words") == "third words."
                assert (connection.how, connection.replaced) == ("reused", False)
            finally:
                connection.close()
        assert server.completion_requests() == 6


def test_requests_jsonl_logs_every_attempt_and_keeps_it_through_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _quick_backoff(monkeypatch)
    data = suite(tmp_path, ["unavailable-twice", "broken", "too-slow"], plain=1)
    cache = tmp_path / "cache.sqlite"
    scripts = {"unavailable-twice": ["503", "503", "ok"], "broken": ["500"],
               "too-slow": ["slow", "ok"]}
    with StubServer(scripts=scripts) as server:
        url = server.url.replace("http://", "http://someone:pa55word@")
        started = time.time()
        code, output = run_api(server, data, tmp_path / "run", "--base-url", url,
                               "--max-retries", "2", cache=cache)
        assert code == EXIT_FAILED_DOCUMENTS, output
        # the timed-out request's connection was closed, not kept for a later request
        assert _wait_for(lambda: server.clients_left == 1)
    log = by_id(tmp_path / "run", "requests.jsonl")
    assert b"pa55word" not in (tmp_path / "run" / "requests.jsonl").read_bytes()

    twice = log["doc-unavailable-twice"]["attempt_log"]
    assert [a["attempt"] for a in twice] == [1, 2, 3]
    assert [a["status"] for a in twice] == [503, 503, 200]
    assert [a["outcome"] for a in twice] == ["http_503", "http_503", "ok"]
    assert [a["retried"] for a in twice] == [True, True, False]
    for a in twice:
        assert set(a) == {"attempt", "server", "connection", "start", "end", "status",
                          "outcome", "retried", "counted"}
        assert a["server"] in (server.url, url.replace("someone:pa55word@", ""))
        assert started - 1 <= a["start"] <= a["end"] <= time.time() + 1
    assert twice[0]["end"] <= twice[1]["start"] and twice[1]["end"] <= twice[2]["start"]

    broken = log["doc-broken"]
    assert broken["attempts"] == 3 and broken["error_class"] == "http_500"
    assert [(a["status"], a["retried"]) for a in broken["attempt_log"]] == \
        [(500, True), (500, True), (500, False)]
    slow = log["doc-too-slow"]["attempt_log"]
    assert [(a["status"], a["outcome"]) for a in slow] == [(None, "timeout"), (200, "ok")]
    assert slow[1]["connection"] == "new"  # never the connection that timed out
    assert [a["outcome"] for a in log["plain-0"]["attempt_log"]] == ["ok"]

    # healed: the rerun sends only the failed document; the others come from the cache
    # with the log of the run that sent them, marked "cached"
    with StubServer() as server:
        code, output = run_api(server, data, tmp_path / "run", cache=cache)
        assert code == 0, output
        assert dict(server.requests) == {"broken": 1}
    again = by_id(tmp_path / "run", "requests.jsonl")
    assert again["doc-unavailable-twice"]["attempt_log"] == twice
    assert again["doc-unavailable-twice"]["cached"] is True
    assert "cached" not in again["doc-broken"]
    assert [a["status"] for a in again["doc-broken"]["attempt_log"]] == [200]
