"""The client of an OpenAI-compatible server, shared by the served summarizer
(``summarizers/served.py``) and the served judge (``metrics/judge.py``).

- ``concurrency`` worker threads pull items from one shared iterator, so requests in
  flight never exceed it whatever the number of items, and nothing is queued up front.
  Several base URLs are replicas of one model: worker ``w`` starts on replica
  ``w mod R`` and each retry moves to the next one.
- One retry layer (``connection.py``'s policy): 408, 429, 5xx, connection errors, read
  timeouts and unreadable replies are retried with backoff; other 4xx are not. A request
  that still fails comes back as a ``Failed`` naming why; the caller goes on.
- A request on a reused connection that the server closed before any reply byte is
  resent at once on a new connection without using up a retry. Every send is logged.
- The API key is read from the environment, sent only in the Authorization header and
  scrubbed from every message; it is never part of a spec or a cache key.
"""

from __future__ import annotations

import json
import math
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sumbench.connection import (
    RETRYABLE_STATUS,
    Connection,
    RequestFailed,
    backoff,
    public_url,
    retry_after,
    snippet,
)
from sumbench.errors import ModelError

T = TypeVar("T")
R = TypeVar("R")
Connections = dict[str, Connection]  # one worker's connections, by base URL


@dataclass
class Stats:
    """Per-run request statistics, updated under a lock by the workers."""

    latencies: list[float] = field(default_factory=list)
    attempts: int = 0
    retries: int = 0
    stale_connections: int = 0  # reused connections found closed (replaced or resent)
    errors: Counter = field(default_factory=Counter)  # by kind, every failed attempt
    failed_documents: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    max_in_flight: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Replied:
    """A request that got a readable 200 reply."""

    reply: dict[str, Any]
    url: str  # the replica that answered
    attempts: int  # requests sent, resends included
    latency: float  # seconds from the first send to the reply
    log: list[dict[str, Any]]  # one entry per request sent


@dataclass(frozen=True)
class Failed:
    """A request that still failed after its retries."""

    message: str  # scrubbed of the key
    kind: str  # the last attempt's error class, e.g. http_503
    url: str
    attempts: int
    latency: float
    log: list[dict[str, Any]]


class ServedClient:
    """Requests to replicas of one served model; see the module docstring."""

    def __init__(self, model: str, base_urls: Sequence[str], *, api_key_env: str,
                 concurrency: int, timeout: float, max_retries: int) -> None:
        self.model = model
        self.base_urls = tuple(base_urls)
        self.api_key_env = api_key_env
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.key = os.environ.get(api_key_env) or None
        self.ready = False
        self.stats = Stats()
        self.lock = threading.Lock()
        self._in_flight = 0

    # -- readiness --------------------------------------------------------------------
    def check_ready(self) -> None:
        """Each server answers /models and lists the model; else one clear line."""
        for url in self.base_urls:
            connection = Connection(url, self.timeout)
            try:
                status, _, body = connection.request("GET", "/models", None, self.headers())
            except RequestFailed as err:
                raise ModelError(self.scrub(f"cannot reach {public_url(url)}: {err}")
                                 ) from None
            finally:
                connection.close()
            where = f"{public_url(url)}/models"
            if status in (401, 403):
                hint = (f"the key in ${self.api_key_env} was refused" if self.key
                        else f"set ${self.api_key_env} or name another variable "
                        "with --api-key-env")
                raise ModelError(f"{where}: authentication failed (HTTP {status}): {hint}")
            if status != 200:
                raise ModelError(self.scrub(
                    f"{where}: HTTP {status}: {snippet(body)} (is the base URL the API root, "
                    "usually ending in /v1?)"))
            try:
                served = [m["id"] for m in json.loads(body)["data"]]
            except (ValueError, KeyError, TypeError):
                raise ModelError(self.scrub(f"{where}: not a model list: {snippet(body)}")
                                 ) from None
            if self.model not in served:
                shown = ", ".join(repr(m) for m in served[:20]) or "none"
                raise ModelError(f"{public_url(url)} does not serve the model "
                                 f"{self.model!r}; it serves: {shown}")
        self.ready = True

    # -- the worker pool ----------------------------------------------------------------
    def map(self, items: Sequence[T], send: Callable[[T, int, Connections], R],
            on_each: Callable[[R], None] | None = None) -> list[R]:
        """``send(item, worker, connections)`` for every item on ``concurrency`` threads;
        results in the items' order, each handed to ``on_each`` (in this thread) as it
        arrives. An exception in ``send`` is a bug: raised here, not lost."""
        if not items:
            return []
        if not self.ready:
            self.check_ready()
        todo = iter(enumerate(items))
        take = threading.Lock()
        done: queue.Queue[tuple[int, Any]] = queue.Queue()
        stop = threading.Event()

        def worker(number: int) -> None:
            connections: Connections = {}
            try:
                while not stop.is_set():
                    with take:
                        item = next(todo, None)
                    if item is None:
                        return
                    index, value = item
                    try:
                        done.put((index, send(value, number, connections)))
                    except BaseException as err:  # a bug: handed to the caller, not lost
                        done.put((index, err))
                        return
            finally:
                for connection in connections.values():
                    connection.close()

        workers = [threading.Thread(target=worker, args=(n,), daemon=True,
                                    name=f"sumbench-api-{n}")
                   for n in range(min(self.concurrency, len(items)))]
        started = time.perf_counter()
        for thread in workers:
            thread.start()
        results: dict[int, R] = {}
        try:
            while len(results) < len(items):
                try:  # a timeout keeps the main thread responsive to Ctrl-C
                    index, outcome = done.get(timeout=0.5)
                except queue.Empty:
                    continue
                if isinstance(outcome, BaseException):
                    raise outcome
                results[index] = outcome
                if on_each:
                    on_each(outcome)
        finally:
            stop.set()  # workers finish the request in hand and take no more
            self.stats.seconds += time.perf_counter() - started
        return [results[i] for i in range(len(items))]

    # -- one request, retried -------------------------------------------------------------
    def post(self, path: str, payload: bytes, worker: int,
             connections: Connections) -> Replied | Failed:
        """POST ``payload`` to ``path`` under the retry policy; the reply or why not."""
        started = time.perf_counter()
        failure: RequestFailed | None = None
        log: list[dict[str, Any]] = []  # one entry per request sent: requests.jsonl
        sent = counted = 0  # requests sent; those that count against max_retries
        resend = False  # the last one met a stale connection: again, same replica, free
        url = self.base_urls[0]
        while True:
            if not resend:
                counted += 1
                url = self.base_urls[(worker + counted - 1) % len(self.base_urls)]
            sent += 1
            connection = connections.get(url) or Connection(url, self.timeout)
            connections[url] = connection
            entry: dict[str, Any] = {"attempt": sent, "server": public_url(url),
                                     "start": round(time.time(), 3)}
            try:
                reply = self._attempt(connection, path, payload)
            except RequestFailed as err:
                failure = err
                connection.close()  # a fresh connection for the next attempt
                resend = err.stale and not resend  # this one is not counted, then
                retry = err.retry and (resend or counted <= self.max_retries)
                log.append(self._log_entry(entry, connection, err.status, err.kind, retry,
                                           counted=not resend))
                with self.lock:
                    self.stats.errors[err.kind] += 1
                    self.stats.retries += int(retry)
                if not retry:
                    break
                if not resend:
                    time.sleep(backoff(counted, err.wait_s))
                continue
            log.append(self._log_entry(entry, connection, 200, "ok", False))
            return Replied(reply, url, sent, time.perf_counter() - started, log)
        with self.lock:
            self.stats.failed_documents += 1
        assert failure is not None
        message = self.scrub(f"{failure} (after {sent} attempt{'s' * (sent > 1)})")
        return Failed(message, failure.kind, url, sent, time.perf_counter() - started, log)

    def _log_entry(self, entry: dict[str, Any], connection: Connection, status: int | None,
                   outcome: str, retried: bool, counted: bool = True) -> dict[str, Any]:
        """One request as requests.jsonl shows it (see the README's "Served models")."""
        if connection.replaced or not counted:  # found closed before or after sending
            with self.lock:
                self.stats.stale_connections += 1
        return {**entry, "end": round(time.time(), 3), "connection": connection.how,
                "status": status, "outcome": outcome, "retried": retried, "counted": counted}

    def _attempt(self, connection: Connection, path: str, payload: bytes) -> dict[str, Any]:
        """One request: the parsed reply, or RequestFailed saying whether to retry."""
        with self.lock:
            self._in_flight += 1
            self.stats.attempts += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self._in_flight)
        try:
            status, headers, body = connection.request("POST", path, payload, self.headers())
        finally:
            with self.lock:
                self._in_flight -= 1
        if status != 200:
            retry = status in RETRYABLE_STATUS or status >= 500
            raise RequestFailed(f"http_{status}", f"HTTP {status}: {snippet(body)}",
                                retry=retry, wait_s=retry_after(headers.get("retry-after")),
                                status=status)
        try:
            reply = json.loads(body)
            choice = reply["choices"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            raise RequestFailed("bad_response", f"unreadable reply: {snippet(body)}",
                                retry=True, status=status) from None
        if not isinstance(choice, dict):
            raise RequestFailed("bad_response", f"unreadable reply: {snippet(body)}",
                                retry=True, status=status)
        return reply

    # -- usage and timings ----------------------------------------------------------------
    def record_usage(self, reply: dict[str, Any], latency: float
                     ) -> tuple[int | None, int | None]:
        """Count a reply's tokens and latency; its (prompt, completion) token counts."""
        usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
        n_in, n_out = count(usage.get("prompt_tokens")), count(usage.get("completion_tokens"))
        with self.lock:
            self.stats.latencies.append(latency)
            self.stats.prompt_tokens += n_in or 0
            self.stats.completion_tokens += n_out or 0
        return n_in, n_out

    def timings(self) -> dict[str, Any]:
        st = self.stats
        lat = sorted(st.latencies)
        return {
            "servers": [public_url(u) for u in self.base_urls],
            "concurrency": self.concurrency, "timeout_s": self.timeout,
            "max_retries": self.max_retries, "requests": st.attempts,
            "requests_per_s": round(st.attempts / st.seconds, 3) if st.seconds else None,
            "latency_p50_s": percentile(lat, 0.50), "latency_p95_s": percentile(lat, 0.95),
            "retries": st.retries, "errors_by_class": dict(sorted(st.errors.items())),
            "stale_connections": st.stale_connections,
            "failed_documents": st.failed_documents, "max_in_flight": st.max_in_flight,
            "prompt_tokens": st.prompt_tokens, "completion_tokens": st.completion_tokens,
            "total_tokens": st.prompt_tokens + st.completion_tokens}

    # -- secrets ----------------------------------------------------------------------
    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        return headers

    def scrub(self, message: str) -> str:
        """Servers may echo a request back: the key never leaves in a message."""
        return message.replace(self.key, "***") if self.key else message


def count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None without values."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), math.ceil(q * len(sorted_values))))
    return round(sorted_values[rank - 1], 4)
