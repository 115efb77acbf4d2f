"""A model behind an OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp, Ollama,
``transformers serve``, hosted APIs) as a summarizer.

The requests themselves (concurrency, replicas, retries with backoff, the check of a
kept-alive connection, the attempt log, key handling) are ``openai_client.ServedClient``,
shared with the served judge. A document that still fails comes back with ``error`` set;
the run goes on. Each result goes to ``on_each`` as it arrives, in the calling thread,
where the response cache commits it: a crash loses only requests in flight.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sumbench import defaults
from sumbench.connection import checked_urls, public_url
from sumbench.errors import SettingError, check_at_least, check_choice
from sumbench.openai_client import Connections, Failed, ServedClient, percentile
from sumbench.records import Example, Generation
from sumbench.summarizers import ResultHook
from sumbench.summarizers.cleanup import CLEANUP_VERSION, clean_prediction
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
        object.__setattr__(self, "base_url", checked_urls("base_url", self.base_url))
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


class APISummarizer:
    """Summaries from a served model; see the module docstring."""

    Options = APISettings  # what the run's options hold for this summarizer
    name = "api"
    runs_model = True
    batch_size: int | None = None  # one queue over the whole run, not chunks

    def __init__(self, settings: APISettings) -> None:
        self.settings = settings
        self.client = ServedClient(settings.model or "", settings.base_url,
                                   api_key_env=settings.api_key_env,
                                   concurrency=settings.concurrency,
                                   timeout=settings.timeout, max_retries=settings.max_retries)

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
        return {"requests": self.client.timings()}

    # -- readiness --------------------------------------------------------------------
    def check_ready(self) -> None:
        """Each server answers /models and lists the model; else one clear line."""
        self.client.check_ready()

    # -- generation -------------------------------------------------------------------
    def summarize(self, examples: Sequence[Example],
                  on_each: ResultHook | None = None) -> list[Generation]:
        return self.client.map(examples, self._summarize_one, on_each)

    def _summarize_one(self, example: Example, worker: int,
                       connections: Connections) -> Generation:
        path = "/chat/completions" if self.settings.endpoint == "chat" else "/completions"
        payload = json.dumps(self.settings.body(example.article)).encode()
        outcome = self.client.post(path, payload, worker, connections)
        if isinstance(outcome, Failed):
            return Generation(example.id, "", "", error=outcome.message,
                              request={"latency_s": round(outcome.latency, 4),
                                       "attempts": outcome.attempts,
                                       "server": public_url(outcome.url),
                                       "error_class": outcome.kind,
                                       "attempt_log": outcome.log})
        return self._generation(example, outcome.reply, outcome.url, outcome.attempts,
                                outcome.latency, outcome.log)

    def _generation(self, example: Example, reply: dict[str, Any], url: str, attempts: int,
                    latency: float, log: list[dict[str, Any]]) -> Generation:
        choice = reply["choices"][0]
        if self.settings.endpoint == "chat":
            text = (choice.get("message") or {}).get("content")
        else:
            text = choice.get("text")
        raw = text if isinstance(text, str) else ""  # null content: a named empty summary
        n_in, n_out = self.client.record_usage(reply, latency)
        finish = choice.get("finish_reason")
        return Generation(
            example.id, clean_prediction(raw), raw_prediction=raw, input_tokens=n_in,
            output_tokens=n_out, finish_reason=finish if isinstance(finish, str) else None,
            request={"latency_s": round(latency, 4), "attempts": attempts,
                     "server": public_url(url), "server_model": reply.get("model"),
                     "content_null": text is None, "attempt_log": log})


_percentile = percentile  # the nearest-rank percentile of request latencies

