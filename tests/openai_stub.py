"""A scripted OpenAI-compatible server on 127.0.0.1 for tests and bench/api.py.

Each request is matched to a script by a marker in its prompt (``[[name]]``); the n-th
request carrying that marker gets the n-th action of the script (the last one repeats).
Without a marker, or for the action ``ok``, the reply is a deterministic summary: the
first eight words of the article. Actions:

    ok, null_content, no_usage, length, invalid_json, drop, slow, hold,
    close_after (replies, then closes the kept-alive connection without a
    ``Connection: close`` header, as a server that drops idle connections does),
    stray (replies; once ``release()`` is called, writes a second, unasked-for reply on
    the connection, as a late reply to an earlier request would arrive),
    late:S (replies after S seconds whatever the client does: for bench/soak_served.py),
    echo_auth (a 400 whose body repeats the Authorization header),
    429:N (Retry-After: N seconds), or any HTTP status such as 503, 401 or 422,
    or a JSON object (a judge's reply, for tests/test_judge.py):
    ``{"content": "4", "top": [[" 4", -0.5], ["4", -1.2]]}`` replies with that content
    and, when ``top`` is given, ``logprobs.content[0].top_logprobs`` in OpenAI's shape.

``slow`` replies only after the client has given up (it waits for the client to close
the connection, at most ``HOLD_CAP_S``), so a client timeout always fires first; ``hold``
waits until ``release()`` is called (or the client leaves). Apart from ``late``, which
the tests do not use, nothing here races a clock. The server counts requests in flight
and keeps the most it saw, counts the requests that ended with the client leaving
(``slow``, ``hold``), and sets ``tampered`` once ``close_after`` or ``stray`` is done.

Run as ``python tests/openai_stub.py [SCRIPTS_JSON]`` it serves until stdin closes,
prints its URL first and, at the end, the completion requests per marker as JSON.
"""

from __future__ import annotations

import json
import re
import select
import socket
import sys
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOLD_CAP_S = 30.0  # no request is held longer than this, whatever the test does
_MARKER = re.compile(r"\[\[([a-z0-9_-]+)\]\]")


class StubServer:
    """Start with ``with StubServer(...) as server:``; ``server.url`` ends in /v1."""

    def __init__(self, *, model: str = "stub-model", api_key: str | None = None,
                 scripts: dict[str, list[str]] | None = None) -> None:
        self.model = model
        self.api_key = api_key
        self.scripts = scripts or {}
        self.requests: Counter[str] = Counter()  # completion requests per marker ("" none)
        self.headers_seen: list[dict[str, str]] = []
        self.bodies: list[dict[str, Any]] = []  # every completion request's JSON body
        self.in_flight = 0
        self.max_in_flight = 0
        self.clients_left = 0  # slow or held requests the client closed the connection on
        self.tampered = threading.Event()  # a close_after or stray action has finished
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._per_marker: dict[str, int] = defaultdict(int)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def release(self) -> None:
        """Let every held request (action ``hold``) reply."""
        self._released.set()

    def completion_requests(self) -> int:
        return sum(self.requests.values())

    # -- the handler ------------------------------------------------------------------
    def _next_action(self, prompt: str) -> tuple[str, str]:
        match = _MARKER.search(prompt)
        marker = match.group(1) if match else ""
        with self._lock:
            self.requests[marker] += 1
            n = self._per_marker[marker]
            self._per_marker[marker] += 1
        script = self.scripts.get(marker) or ["ok"]
        return marker, script[min(n, len(script) - 1)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers

            def log_message(self, *args: Any) -> None:  # quiet
                return None

            def setup(self) -> None:
                super().setup()
                # headers and body go out in two writes: without this, Nagle's algorithm
                # and the client's delayed ACK stall every reply by ~40 ms
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None,
                      raw: bytes | None = None) -> None:
                body = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _authorised(self) -> bool:
                if stub.api_key is None:
                    return True
                if self.headers.get("Authorization") == f"Bearer {stub.api_key}":
                    return True
                self._send(401, {"error": {"message": "invalid api key"}})
                return False

            def do_GET(self) -> None:
                if self.path == "/health":
                    self._send(200, {"status": "ok"})
                elif self.path == "/v1/models":
                    if self._authorised():
                        self._send(200, {"object": "list", "data": [
                            {"id": stub.model, "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with stub._lock:
                    stub.headers_seen.append(dict(self.headers))
                    stub.bodies.append(body)
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                try:
                    self._complete(body)
                finally:
                    with stub._lock:
                        stub.in_flight -= 1

            def _wait_for_client_to_leave(self, until: threading.Event | None) -> bool:
                """True when the client closed the connection first."""
                waited = 0.0
                while waited < HOLD_CAP_S:
                    if until is not None and until.is_set():
                        return False
                    readable, _, _ = select.select([self.connection], [], [], 0.05)
                    if readable and not self.connection.recv(1, 0x2):  # MSG_PEEK: EOF
                        return True
                    waited += 0.05
                return False

            def _complete(self, body: dict[str, Any]) -> None:
                if not self._authorised():
                    return
                chat = self.path.endswith("/chat/completions")
                prompt = (body["messages"][-1]["content"] if chat else body.get("prompt", ""))
                _, action = stub._next_action(prompt)
                if action.startswith("late:"):  # a real delay: only the soak uses it
                    time.sleep(min(float(action.partition(":")[2]), HOLD_CAP_S))
                    action = "ok"
                if action in ("slow", "hold"):
                    if self._wait_for_client_to_leave(None if action == "slow"
                                                      else stub._released):
                        with stub._lock:
                            stub.clients_left += 1
                        self.close_connection = True
                        return
                    action = "ok"
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if action == "invalid_json":
                    self._send(200, None, raw=b'{"choices": [{"message": ')
                    return
                if action == "echo_auth":
                    self._send(400, {"error": {"message": "bad request from "
                                               + self.headers.get("Authorization", "")}})
                    return
                if action.startswith("{"):
                    self._send(200, _judge_reply(stub.model, json.loads(action)))
                    return
                if action.split(":")[0].isdigit():
                    status, _, wait = action.partition(":")
                    self._send(int(status), {"error": {"message": f"scripted {status}"}},
                               {"Retry-After": wait} if wait else None)
                    return
                words = re.sub(r"\[\[[^]]*\]\]", "", prompt.split("\n\n", 1)[-1]).split()
                text = None if action == "null_content" else " ".join(words[:8]) + "."
                finish = "length" if action == "length" else "stop"
                choice = ({"index": 0, "message": {"role": "assistant", "content": text},
                           "finish_reason": finish} if chat else
                          {"index": 0, "text": text, "finish_reason": finish})
                reply: dict[str, Any] = {"id": "stub", "object": "chat.completion",
                                         "model": stub.model, "choices": [choice]}
                if action != "no_usage":
                    reply["usage"] = {"prompt_tokens": len(prompt.split()),
                                      "completion_tokens": 9,
                                      "total_tokens": len(prompt.split()) + 9}
                self._send(200, reply)
                if action == "close_after":  # after the reply, without telling the client
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_WR)
                    self.close_connection = True
                    stub.tampered.set()
                elif action == "stray":
                    stub._released.wait(HOLD_CAP_S)  # the client has read the first reply
                    choice["message" if chat else "text"] = (
                        {"role": "assistant", "content": "STRAY REPLY."} if chat
                        else "STRAY REPLY.")
                    self._send(200, reply)
                    self.wfile.flush()
                    stub.tampered.set()

        return Handler


def _judge_reply(model: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A chat reply with the given content and, if ``top`` is given, the first position's
    top logprobs (OpenAI's shape)."""
    choice: dict[str, Any] = {"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": spec["content"]}}
    if "top" in spec:
        top = [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in spec["top"]]
        first = top[0] if top else {"token": "", "logprob": 0.0, "bytes": []}
        choice["logprobs"] = {"content": [{**first, "top_logprobs": top}]}
    return {"id": "stub", "object": "chat.completion", "model": model, "choices": [choice],
            "usage": {"prompt_tokens": 100, "completion_tokens": 1, "total_tokens": 101}}


if __name__ == "__main__":
    with StubServer(scripts=json.loads(sys.argv[1]) if len(sys.argv) > 1 else None
                    ) as server:
        print(server.url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin
        print(json.dumps(dict(server.requests)), flush=True)
