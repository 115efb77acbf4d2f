"""A model behind an OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp, Ollama,
``transformers serve``, hosted APIs) as a summarizer.

- ``concurrency`` worker threads pull documents from one shared iterator, so requests
  in flight never exceed it whatever the suite size, and nothing is queued up front.
  Several base URLs are replicas of one model: worker ``w`` starts on replica
  ``w mod R`` and each retry moves to the next one.
- One retry layer: 408, 429, 5xx, connection errors, read timeouts and unreadable
  replies are retried with exponential backoff and full jitter, waiting at least the
  server's ``Retry-After`` (capped at ``RETRY_AFTER_CAP_S``); 400, 401, 403, 404 and 422
  are not. A document that still fails comes back with ``error`` set; the run goes on.
- A kept-alive connection is checked before it is reused: one the server has closed
  (or that holds bytes no request asked for) is replaced by a new one before anything
  is sent. A request on a reused connection that the server closed before any reply
  byte (the close raced the request) is resent at once on a new connection, and that
  resend does not count against ``max_retries``: the server never answered, so the
  document has not used an attempt. Every send is logged (``attempt_log``).
- Each result goes to ``on_each`` as it arrives, in the calling thread, where the
  response cache commits it: a crash loses only requests in flight.
- The API key is read from the environment, sent only in the Authorization header and
  scrubbed from every message; it is never part of the spec or the cache key.

Standard library HTTP (``http.client``) keeps the client free of a dependency and of a
second retry layer, with one persistent connection per worker and replica.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sumbench import defaults
from sumbench.errors import ModelError, SettingError, check_at_least, check_choice
from sumbench.records import Example, Generation
from sumbench.summarizers import ResultHook
from sumbench.summarizers.cleanup import CLEANUP_VERSION, clean_prediction
from sumbench.summarizers.connection import (
    RETRYABLE_STATUS,
    Connection,
    RequestFailed,
    backoff,
    public_url,
    retry_after,
    snippet,
)
from sumbench.summarizers.prompting import chat_messages, check_prompt, user_text

if TYPE_CHECKING:
    from sumbench.options import RunOptions


@dataclass(frozen=True)
class APISettings:
    """What is sent and how: the request body fields decide the output and key the cache;
    the client fields (URLs, key, concurrency, timeouts) do not."""

    model: str | None = None  # the name the server lists at /v1/models (needed)
    base_url: tuple[str, ...] = ()  # the server's API root; several: replicas (needed)
    endpoint: str = "chat"
    prompt: str | None = None  # None: defaults.PROMPT
    system_prompt: str | None = None
    max_new_tokens: int = defaults.MAX_NEW_TOKENS
    seed: int = defaults.SEED
    extra_body: dict[str, Any] | None = None  # merged into each request body
    api_key_env: str = defaults.API_KEY_ENV
    concurrency: int = defaults.API_CONCURRENCY
    timeout: float = defaults.API_TIMEOUT_S  # seconds per attempt without a reply byte
    max_retries: int = defaults.API_MAX_RETRIES

    def __post_init__(self) -> None:
        if isinstance(self.base_url, str):  # a Python caller's single URL
            object.__setattr__(self, "base_url", (self.base_url,))
        elif not isinstance(self.base_url, tuple):
            object.__setattr__(self, "base_url", tuple(self.base_url))
        if self.prompt is None:
            object.__setattr__(self, "prompt", defaults.PROMPT)
        if self.extra_body is None:
            object.__setattr__(self, "extra_body", {})
        if not self.model:
            raise SettingError("model", "is needed by the summarizer 'api': the model name "
                               "as the server lists it at /v1/models")
        if not self.base_url:
            raise SettingError("base_url", "is needed by the summarizer 'api', e.g. "
                               "http://127.0.0.1:8000/v1")
        for url in self.base_url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SettingError("base_url", f"must be an http(s) URL such as "
                                   f"http://127.0.0.1:8000/v1; got {public_url(url)!r}")
        check_choice("endpoint", self.endpoint, defaults.API_ENDPOINTS)
        check_prompt(self.prompt)
        if self.system_prompt is not None and self.endpoint != "chat":
            raise SettingError("system_prompt", "needs the chat endpoint: completions "
                               "sends one prompt text")
        for name in ("max_new_tokens", "concurrency"):
            check_at_least(name, getattr(self, name))
        check_at_least("max_retries", self.max_retries, 0)
        if not self.timeout > 0:
            raise SettingError("timeout", f"must be more than 0 seconds; got {self.timeout}")
        reserved = {"model", "messages", "prompt"} & set(self.extra_body)
        if reserved:
            raise SettingError("extra_body", f"may not set {sorted(reserved)}: sumbench "
                               "sends them")

    def body(self, article: str) -> dict[str, Any]:
        """The request body for one article: standard fields, then ``extra_body``."""
        body: dict[str, Any] = {"model": self.model}
        if self.endpoint == "chat":
            body["messages"] = chat_messages(self.prompt, self.system_prompt, article)
        else:
            body["prompt"] = user_text(self.prompt, article)
        body.update(max_tokens=self.max_new_tokens, temperature=0, seed=self.seed)
        body.update(self.extra_body)
        return body


@dataclass
class _Stats:
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


class APISummarizer:
    """Summaries from a served model; see the module docstring."""

    Options = APISettings  # what the run's options hold for this summarizer
    name = "api"
    runs_model = True
    batch_size: int | None = None  # one queue over the whole run, not chunks

    def __init__(self, settings: APISettings) -> None:
        self.settings = settings
        self._key = os.environ.get(settings.api_key_env) or None
        self._ready = False
        self._stats = _Stats()
        self._lock = threading.Lock()
        self._in_flight = 0

    @classmethod
    def from_options(cls, options: RunOptions, examples: Sequence[Example]) -> APISummarizer:
        return cls(options.settings)

    # -- identity -------------------------------------------------------------------
    def fingerprint(self) -> str:
        """Model, endpoint, the request body around the article, and cleanup: what decides
        the output. Base URLs are left out so replicas and reruns share the cache."""
        payload = {"api": self.settings.endpoint, "body": self.settings.body("{article}"),
                   "cleanup": CLEANUP_VERSION}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def describe(self) -> dict[str, Any]:
        s = self.settings
        return {"summarizer": self.name, "model": s.model,
                "api": {"endpoint": s.endpoint, "request_body": s.body("{article}"),
                        "prompt": s.prompt, "system_prompt": s.system_prompt,
                        "do_sample": False},
                "cleanup": CLEANUP_VERSION}

    def plan(self, n_documents: int) -> None:
        return None

    def timings(self) -> dict[str, Any]:
        st, s = self._stats, self.settings
        lat = sorted(st.latencies)
        return {"requests": {
            "servers": [public_url(u) for u in s.base_url],
            "concurrency": s.concurrency, "timeout_s": s.timeout,
            "max_retries": s.max_retries, "requests": st.attempts,
            "requests_per_s": round(st.attempts / st.seconds, 3) if st.seconds else None,
            "latency_p50_s": _percentile(lat, 0.50), "latency_p95_s": _percentile(lat, 0.95),
            "retries": st.retries, "errors_by_class": dict(sorted(st.errors.items())),
            "stale_connections": st.stale_connections,
            "failed_documents": st.failed_documents, "max_in_flight": st.max_in_flight,
            "prompt_tokens": st.prompt_tokens, "completion_tokens": st.completion_tokens,
            "total_tokens": st.prompt_tokens + st.completion_tokens}}

    # -- readiness --------------------------------------------------------------------
    def check_ready(self) -> None:
        """Each server answers /models and lists the model; else one clear line."""
        for url in self.settings.base_url:
            connection = Connection(url, self.settings.timeout)
            try:
                status, _, body = connection.request("GET", "/models", None,
                                                           self._headers())
            except RequestFailed as err:
                raise ModelError(self._scrub(f"cannot reach {public_url(url)}: {err}")
                                 ) from None
            finally:
                connection.close()
            where = f"{public_url(url)}/models"
            if status in (401, 403):
                hint = (f"the key in ${self.settings.api_key_env} was refused" if self._key
                        else f"set ${self.settings.api_key_env} or name another variable "
                        "with --api-key-env")
                raise ModelError(f"{where}: authentication failed (HTTP {status}): {hint}")
            if status != 200:
                raise ModelError(self._scrub(
                    f"{where}: HTTP {status}: {snippet(body)} (is the base URL the API root, "
                    "usually ending in /v1?)"))
            try:
                served = [m["id"] for m in json.loads(body)["data"]]
            except (ValueError, KeyError, TypeError):
                raise ModelError(self._scrub(f"{where}: not a model list: {snippet(body)}")
                                 ) from None
            if self.settings.model not in served:
                shown = ", ".join(repr(m) for m in served[:20]) or "none"
                raise ModelError(f"{public_url(url)} does not serve the model "
                                 f"{self.settings.model!r}; it serves: {shown}")
        self._ready = True

    # -- generation -------------------------------------------------------------------
    def summarize(self, examples: Sequence[Example],
                  on_each: ResultHook | None = None) -> list[Generation]:
        if not examples:
            return []
        if not self._ready:
            self.check_ready()
        todo = iter(enumerate(examples))
        take = threading.Lock()
        done: queue.Queue[tuple[int, Generation | BaseException]] = queue.Queue()
        stop = threading.Event()

        def worker(number: int) -> None:
            connections: dict[str, Connection] = {}
            try:
                while not stop.is_set():
                    with take:
                        item = next(todo, None)
                    if item is None:
                        return
                    index, example = item
                    try:
                        done.put((index, self._summarize_one(example, number, connections)))
                    except BaseException as err:  # a bug: handed to the caller, not lost
                        done.put((index, err))
                        return
            finally:
                for connection in connections.values():
                    connection.close()

        workers = [threading.Thread(target=worker, args=(n,), daemon=True,
                                    name=f"sumbench-api-{n}")
                   for n in range(min(self.settings.concurrency, len(examples)))]
        started = time.perf_counter()
        for thread in workers:
            thread.start()
        results: dict[int, Generation] = {}
        try:
            while len(results) < len(examples):
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
            self._stats.seconds += time.perf_counter() - started
        return [results[i] for i in range(len(examples))]

    def _summarize_one(self, example: Example, worker: int,
                       connections: dict[str, Connection]) -> Generation:
        s = self.settings
        path = "/chat/completions" if s.endpoint == "chat" else "/completions"
        payload = json.dumps(self.settings.body(example.article)).encode()
        started = time.perf_counter()
        failure: RequestFailed | None = None
        log: list[dict[str, Any]] = []  # one entry per request sent: requests.jsonl
        sent = counted = 0  # requests sent; those that count against max_retries
        resend = False  # the last one met a stale connection: again, same replica, free
        while True:
            if not resend:
                counted += 1
                url = s.base_url[(worker + counted - 1) % len(s.base_url)]
            sent += 1
            connection = connections.get(url) or Connection(url, s.timeout)
            connections[url] = connection
            entry: dict[str, Any] = {"attempt": sent, "server": public_url(url),
                                     "start": round(time.time(), 3)}
            try:
                reply = self._attempt(connection, path, payload)
            except RequestFailed as err:
                failure = err
                connection.close()  # a fresh connection for the next attempt
                resend = err.stale and not resend  # this one is not counted, then
                retry = err.retry and (resend or counted <= s.max_retries)
                log.append(self._log_entry(entry, connection, err.status, err.kind, retry,
                                           counted=not resend))
                with self._lock:
                    self._stats.errors[err.kind] += 1
                    self._stats.retries += int(retry)
                if not retry:
                    break
                if not resend:
                    time.sleep(backoff(counted, err.wait_s))
                continue
            log.append(self._log_entry(entry, connection, 200, "ok", False))
            return self._generation(example, reply, url, sent,
                                    time.perf_counter() - started, log)
        with self._lock:
            self._stats.failed_documents += 1
        message = self._scrub(f"{failure} (after {sent} attempt{'s' * (sent > 1)})")
        return Generation(example.id, "", "", error=message,
                          request={"latency_s": round(time.perf_counter() - started, 4),
                                   "attempts": sent, "server": public_url(url),
                                   "error_class": failure.kind, "attempt_log": log})

    def _log_entry(self, entry: dict[str, Any], connection: Connection, status: int | None,
                   outcome: str, retried: bool, counted: bool = True) -> dict[str, Any]:
        """One request as requests.jsonl shows it (see the README's "Served models")."""
        if connection.replaced or not counted:  # found closed before or after sending
            with self._lock:
                self._stats.stale_connections += 1
        return {**entry, "end": round(time.time(), 3), "connection": connection.how,
                "status": status, "outcome": outcome, "retried": retried, "counted": counted}

    def _attempt(self, connection: Connection, path: str, payload: bytes) -> dict[str, Any]:
        """One request: the parsed reply, or RequestFailed saying whether to retry."""
        with self._lock:
            self._in_flight += 1
            self._stats.attempts += 1
            self._stats.max_in_flight = max(self._stats.max_in_flight, self._in_flight)
        try:
            status, headers, body = connection.request("POST", path, payload, self._headers())
        finally:
            with self._lock:
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

    def _generation(self, example: Example, reply: dict[str, Any], url: str, attempts: int,
                    latency: float, log: list[dict[str, Any]]) -> Generation:
        choice = reply["choices"][0]
        if self.settings.endpoint == "chat":
            text = (choice.get("message") or {}).get("content")
        else:
            text = choice.get("text")
        raw = text if isinstance(text, str) else ""  # null content: a named empty summary
        usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
        n_in, n_out = _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))
        with self._lock:
            self._stats.latencies.append(latency)
            self._stats.prompt_tokens += n_in or 0
            self._stats.completion_tokens += n_out or 0
        finish = choice.get("finish_reason")
        return Generation(
            example.id, clean_prediction(raw), raw_prediction=raw, input_tokens=n_in,
            output_tokens=n_out, finish_reason=finish if isinstance(finish, str) else None,
            request={"latency_s": round(latency, 4), "attempts": attempts,
                     "server": public_url(url), "server_model": reply.get("model"),
                     "content_null": text is None, "attempt_log": log})

    # -- secrets ----------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        return headers

    def _scrub(self, message: str) -> str:
        """Servers may echo a request back: the key never leaves in a message."""
        return message.replace(self._key, "***") if self._key else message


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None without values."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), math.ceil(q * len(sorted_values))))
    return round(sorted_values[rank - 1], 4)

