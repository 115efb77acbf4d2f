"""An LLM judge as a metric: each summary rated on criteria (consistency, relevance,
coherence, fluency, or a file's own) by a served model or one run in process, scored
G-Eval's way (the probability-weighted mean over the scale; ``judge_scoring.py``).

Columns ``judge_<criterion>`` (higher is better). Every call is cached in the response
cache (key: the judge model, the exact messages, the scale and the scoring settings);
a call that fails is recorded with its reason, its score null and nothing cached, so the
same command again sends only what failed. ``judge.jsonl`` has one line per document
and criterion: the messages sent, the distribution, the score, attempts and error.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from sumbench import defaults
from sumbench.connection import checked_urls
from sumbench.errors import SettingError, check_at_least
from sumbench.metrics import judge_criteria as jc
from sumbench.metrics import judge_scoring as js
from sumbench.metrics.base import Column, DocumentValues, Metric
from sumbench.metrics.judge_backends import Call, Verdict

JUDGE_VERSION = "1"  # of how calls are made and read; part of the cache key
_UNSAFE = re.compile(r"[^A-Za-z0-9._/+=@-]")  # what a signature token may not carry


@dataclass(frozen=True)
class JudgeOptions:
    """The judge's own settings (``--judge-*``)."""

    judge_criteria: str | None = field(default=None, metadata={"turns_on": True})
    judge_criteria_file: Path | None = field(default=None, metadata={"turns_on": True})
    judge_model: str | None = None  # served: its name; in process: folder or Hub id
    judge_base_url: tuple[str, ...] = ()  # served judge's API root(s); none: in process
    judge_samples: int = 1  # >1: sampled replies averaged (servers without logprobs)
    judge_temperature: float = 1.0  # of the samples
    judge_top_logprobs: int = 20
    judge_max_tokens: int = 16  # of a served reply (its first integer, without logprobs)
    judge_batch_size: int = 16  # in process: calls per forward pass
    judge_concurrency: int = defaults.API_CONCURRENCY
    judge_timeout: float = defaults.API_TIMEOUT_S
    judge_max_retries: int = defaults.API_MAX_RETRIES
    judge_api_key_env: str = defaults.API_KEY_ENV

    def __post_init__(self) -> None:
        object.__setattr__(self, "judge_base_url",
                           checked_urls("judge_base_url", self.judge_base_url))
        for name in ("judge_samples", "judge_top_logprobs", "judge_max_tokens",
                     "judge_batch_size", "judge_concurrency"):
            check_at_least(name, getattr(self, name))
        check_at_least("judge_max_retries", self.judge_max_retries, 0)
        if not self.judge_timeout > 0:
            raise SettingError("judge_timeout", f"must be more than 0; got {self.judge_timeout}")
        if not 0 < self.judge_temperature <= 2:
            raise SettingError("judge_temperature", "must be in (0, 2]; got "
                               f"{self.judge_temperature}")
        if self.judge_base_url:
            if not self.judge_model:
                raise SettingError("judge_model", "is needed with judge_base_url: the "
                                   "model name the server lists at /v1/models")
        elif self.judge_samples > 1:
            raise SettingError("judge_samples", "is for a served judge (judge_base_url): "
                               "in process the distribution is read exactly from the logits")
        self.criteria()  # unknown names and bad files fail now, before any scoring

    def criteria(self) -> tuple[jc.Criterion, ...]:
        """The chosen criteria; without names, every criterion of the file, or else the
        four built-in ones."""
        from_file = (jc.read_criteria_file(self.judge_criteria_file)
                     if self.judge_criteria_file is not None else ())
        names = jc.parse_names(self.judge_criteria or "")
        if not names and not from_file:
            names = tuple(jc.BUILTIN)
        return jc.choose(names, from_file)

    @property
    def mode(self) -> str:
        """How scores are read: logits (in process), logprobs (served, the reply's first
        integer where a server sends none) or samplesN-tT."""
        if not self.judge_base_url:
            return "logits"
        if self.judge_samples == 1:
            return "logprobs"
        return f"samples{self.judge_samples}-t{self.judge_temperature:g}"


class Judge(Metric):
    """See the module docstring."""

    name: ClassVar[str] = "judge"
    needs: ClassVar[frozenset[str]] = frozenset({"prediction", "article"})
    Options: ClassVar[type | None] = JudgeOptions

    def __init__(self, settings: JudgeOptions | None = None, *,
                 cache_file: Path | None = None, seed: int = defaults.SEED) -> None:
        self.settings = settings or JudgeOptions()
        self.criteria = self.settings.criteria()
        self.cache_file = cache_file
        self.seed = seed
        self.document_ids: Sequence[str] = ()
        self._backend: Any = None
        self._identity: str | None = None
        self._records: list[dict[str, Any]] = []
        self._failures: dict[int, str] = {}

    @classmethod
    def from_options(cls, options: Any) -> Judge:
        """With a run's options and no response cache, a served judge's servers are asked
        for the model now, before any summary is made, since summaries made without the
        cache would be lost to a wrong URL or model. With the cache, the check waits for
        the first call, so a rerun whose verdicts are all cached needs no server."""
        if options is None:
            return cls()
        settings = (options.metric_settings(cls.name) if hasattr(options, "metric_settings")
                    else JudgeOptions())
        cache_file = None
        if options.output.cache:
            from sumbench.downloads import cache_dir

            cache_file = options.output.cache_file or cache_dir() / "responses.sqlite"
        judge = cls(settings, cache_file=cache_file, seed=options.seed)
        if settings.judge_base_url and not options.output.cache:
            judge.backend().client.check_ready()
        return judge

    # -- what it reports ------------------------------------------------------------------
    def columns(self) -> tuple[Column, ...]:
        return tuple(Column(f"judge_{c.name}", ("value",), "higher") for c in self.criteria)

    def criteria_digest(self) -> str:
        """Which criteria, in which words: the built-in version, or a digest."""
        if all(jc.BUILTIN.get(c.name) == c for c in self.criteria):
            return f"v{jc.CRITERIA_VERSION}"
        text = "".join(c.digest() for c in self.criteria)
        return "h" + hashlib.sha256(text.encode()).hexdigest()[:10]

    def model_name(self) -> str:
        from sumbench.models import DEFAULT_MODEL

        return self.settings.judge_model or DEFAULT_MODEL

    def signature(self) -> str:
        model = _UNSAFE.sub("_", self.model_name())
        return f"judge-{model}-{self.settings.mode}-{self.criteria_digest()}"

    def describe(self) -> dict[str, Any]:
        s = self.settings
        return {"model": self.model_name(), "served": bool(s.judge_base_url),
                "scoring": s.mode, "criteria_version": self.criteria_digest(),
                "criteria": [{"name": c.name, "description": c.description,
                              "steps": list(c.steps), "scale": list(c.scale),
                              "article": c.article} for c in self.criteria],
                **({"samples": s.judge_samples, "temperature": s.judge_temperature,
                    "top_logprobs": s.judge_top_logprobs, "max_tokens": s.judge_max_tokens,
                    "seed": self.seed} if s.judge_base_url else {}),
                **({"model_weights_sha256": self._identity}
                   if self._identity and not s.judge_base_url else {})}

    # -- scoring ---------------------------------------------------------------------
    def backend(self) -> Any:
        """The served client or the in-process model, built on first use."""
        if self._backend is None:
            s = self.settings
            if s.judge_base_url:
                from sumbench.metrics.judge_backends import ServedJudge
                from sumbench.openai_client import ServedClient

                client = ServedClient(self.model_name(), s.judge_base_url,
                                      api_key_env=s.judge_api_key_env,
                                      concurrency=s.judge_concurrency,
                                      timeout=s.judge_timeout, max_retries=s.judge_max_retries)
                self._backend = ServedJudge(client, samples=s.judge_samples,
                                            temperature=s.judge_temperature,
                                            top_logprobs=s.judge_top_logprobs,
                                            max_tokens=s.judge_max_tokens, seed=self.seed)
                self._identity = self.model_name()
            else:
                from sumbench.metrics.judge_backends import InProcessJudge
                from sumbench.models import resolve_model

                resolved = resolve_model(s.judge_model)
                self._backend = InProcessJudge(str(resolved.path),
                                               batch_size=s.judge_batch_size)
                self._identity = resolved.weights_sha256
        return self._backend

    def fingerprint(self) -> str:
        """What decides a call's result besides its messages: model, scoring settings."""
        self.backend()
        s = self.settings
        payload: dict[str, Any] = {"judge": JUDGE_VERSION, "model": self._identity,
                                   "mode": s.mode}
        if s.judge_base_url:
            payload.update(samples=s.judge_samples, temperature=s.judge_temperature,
                           top_logprobs=s.judge_top_logprobs, max_tokens=s.judge_max_tokens,
                           seed=self.seed)
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def score(self, *, predictions: Sequence[str], references: Sequence[Sequence[str]],
              articles: Sequence[str]) -> list[DocumentValues]:
        ids = list(self.document_ids) or [str(i) for i in range(len(predictions))]
        jobs = [(doc, criterion, Call(tuple(jc.messages(criterion, article, prediction)),
                                      criterion.scale))
                for doc, (article, prediction) in enumerate(zip(articles, predictions,
                                                                strict=True))
                for criterion in self.criteria]
        verdicts = self._judge_cached([call for _, _, call in jobs])
        rows: list[DocumentValues] = [{c.name: {"value": None} for c in self.columns()}
                                      for _ in predictions]
        why: dict[int, list[str]] = {}
        for (doc, criterion, call), verdict in zip(jobs, verdicts, strict=True):
            value = js.expected(verdict.distribution) if verdict.distribution else None
            rows[doc][f"judge_{criterion.name}"]["value"] = value
            if value is None:
                why.setdefault(doc, []).append(f"{criterion.name}: {verdict.error}")
            self._records.append(_record(ids[doc], criterion.name, call, value, verdict))
        self._failures = {doc: "judge " + "; ".join(reasons) for doc, reasons in why.items()}
        return rows

    def _judge_cached(self, calls: list[Call]) -> list[Verdict]:
        """Verdicts from the cache where it has them; the rest from the backend, each
        committed as it arrives (failures never)."""
        from sumbench.cache import ResponseCache, cache_key
        from sumbench.records import Generation

        if not calls:
            return []
        backend = self.backend()
        cache = ResponseCache(self.cache_file) if self.cache_file is not None else None
        fingerprint = self.fingerprint()
        keys = [cache_key(fingerprint, json.dumps({"messages": c.messages, "scale": c.scale},
                                                  sort_keys=True)) for c in calls]
        verdicts: dict[int, Verdict] = {}
        try:
            found = cache.get_many(keys) if cache else {}
            for i, key in enumerate(keys):
                if key in found:
                    verdicts[i] = _from_cache(found[key])
            todo = [i for i in range(len(calls)) if i not in verdicts]

            def commit(position: int, verdict: Verdict) -> None:
                i = todo[position]
                if cache is not None and verdict.distribution is not None:
                    stored = json.dumps({"distribution": verdict.distribution,
                                         "mode": verdict.mode})
                    cache.put_many(fingerprint, [(keys[i], Generation(
                        str(i), stored, verdict.reply or "", verdict.prompt_tokens,
                        verdict.completion_tokens, request={
                            "attempts": verdict.attempts, "latency_s": verdict.latency_s}))])

            if todo:  # all from the cache: the model is not even loaded
                fresh = backend.judge([calls[i] for i in todo], commit)
                verdicts.update(zip(todo, fresh, strict=True))
        finally:
            if cache is not None:
                cache.close()
        return [verdicts[i] for i in range(len(calls))]

    # -- what the runner reads after score() ------------------------------------------
    def failures(self) -> dict[int, str]:
        return dict(self._failures)

    def records(self) -> list[dict[str, Any]]:
        return list(self._records)

    def counts(self) -> dict[str, Any]:
        modes = Counter(r["mode"] for r in self._records if r["mode"])
        return {"calls": len(self._records),
                "cached": sum(r["cached"] for r in self._records),
                "failed": sum(r["error"] is not None for r in self._records),
                "modes": dict(sorted(modes.items()))}

    def timings(self) -> dict[str, Any]:
        return self._backend.timings() if self._backend is not None else {}


def _from_cache(row: tuple[Any, ...]) -> Verdict:
    stored, raw, n_in, n_out, _, _, request = row
    data = json.loads(stored)
    meta = json.loads(request) if request else {}
    return Verdict({int(k): float(v) for k, v in data["distribution"].items()}, data["mode"],
                   attempts=0, reply=raw or None, prompt_tokens=n_in, completion_tokens=n_out,
                   latency_s=meta.get("latency_s"), cached=True)


def _record(doc_id: str, criterion: str, call: Call, score: float | None,
            verdict: Verdict) -> dict[str, Any]:
    return {"id": doc_id, "criterion": criterion, "messages": list(call.messages),
            "score": score, "distribution": ({str(k): p for k, p in
                                              verdict.distribution.items()}
                                             if verdict.distribution else None),
            "mode": verdict.mode, "reply": verdict.reply, "attempts": verdict.attempts,
            "error": verdict.error, "cached": verdict.cached}
