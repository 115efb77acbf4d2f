"""The default model behind a real server, `transformers serve` on 127.0.0.1, evaluated
with --summarizer api: its outputs equal the in-process hf path token for token."""

from __future__ import annotations

import json
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sumbench.cli import app

from .conftest import CNNDM, read_jsonl

pytestmark = pytest.mark.slow
STARTUP_LIMIT_S = 300  # loading the model on a busy 2-core machine
_RUNNING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


def _serve_command() -> list[str] | None:
    exe = Path(sys.executable).with_name("transformers")
    if exe.exists():
        return [str(exe), "serve"]
    found = shutil.which("transformers")
    return [found, "serve"] if found else None


@pytest.fixture(scope="module")
def served_model(default_model) -> Iterator[tuple[str, str]]:
    """`transformers serve` on the converted default model, on a port the OS picks (read
    back from its log line, so no port can be taken between choosing and binding)."""
    pytest.importorskip("fastapi", reason="transformers[serving] is a test dependency")
    command = _serve_command()
    if command is None:
        pytest.skip("the `transformers` command is not installed")
    name = str(default_model.path)
    process = subprocess.Popen(
        [*command, name, "--host", "127.0.0.1", "--port", "0", "--device", "cpu",
         "--log-level", "info"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    url, log, deadline = None, [], time.monotonic() + STARTUP_LIMIT_S
    try:
        while url is None and time.monotonic() < deadline and process.poll() is None:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            log.append(line)
            match = _RUNNING.search(line)
            url = match.group(1) if match else None
        assert url, "transformers serve did not start:\n" + "".join(log[-30:])
        yield f"{url}/v1", name
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def test_served_default_model_equals_the_in_process_path(served_model, model_cache_dir,
                                                         tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(model_cache_dir))
    url, name = served_model
    rows = read_jsonl(CNNDM)[:2]
    data = tmp_path / "two.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    common = ["--data", str(data), "--max-new-tokens", "40", "--quiet", "--no-cache"]
    runner = CliRunner()
    served = runner.invoke(app, ["run", "--summarizer", "api", "--base-url", url, "--model",
                                 name, "--concurrency", "2", "--out", str(tmp_path / "api"),
                                 # no attempt may time out however loaded the machine: the
                                 # request statistics below are asserted exactly
                                 "--timeout", "900", *common])
    assert served.exit_code == 0, served.output
    local = runner.invoke(app, ["run", "--out", str(tmp_path / "hf"), *common])
    assert local.exit_code == 0, local.output

    api_rows = read_jsonl(tmp_path / "api" / "samples.jsonl")
    hf_rows = read_jsonl(tmp_path / "hf" / "samples.jsonl")
    for a, h in zip(api_rows, hf_rows, strict=True):
        assert a["raw_prediction"] == h["raw_prediction"], a["id"]
        assert a["scores"] == h["scores"]
        assert (a["input_tokens"], a["output_tokens"], a["finish_reason"]) == \
            (h["input_tokens"], h["output_tokens"], h["finish_reason"])
    log = read_jsonl(tmp_path / "api" / "requests.jsonl")
    assert [r["server_model"] for r in log] == [name, name]
    results = json.loads((tmp_path / "api" / "results.json").read_text())
    assert results["timings"]["requests"]["errors_by_class"] == {}
