"""The run's settings as one frozen dataclass, checked when it is built: a bad value is
refused before any file is read or any model is fetched."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sumbench import defaults

if TYPE_CHECKING:
    from sumbench.metrics import Metric
from sumbench.errors import SettingError, check_at_least, check_choice, check_device, setting


@dataclass(frozen=True)
class RunOptions:
    """Everything ``sumbench run`` (or ``sumbench.evaluate``) was asked to do."""

    out: Path | None = None  # the run folder; None: write nothing (the Python API)
    references: Path = Path("references")
    data: Path | None = None
    article_field: str | None = None  # column names for tables (tables.py)
    reference_field: tuple[str, ...] = ()
    id_field: str | None = None
    limit: int | None = None
    summarizer: str = "hf"
    predictions: Path | None = None
    lead_sentences: int = defaults.LEAD_SENTENCES
    model: str | None = None
    revision: str | None = None
    prompt: str | None = None
    system_prompt: str | None = None
    max_new_tokens: int = defaults.MAX_NEW_TOKENS
    num_beams: int = defaults.NUM_BEAMS
    max_input_tokens: int | None = None
    batch_size: int | None = None
    compile: str = "auto"
    device: str = "auto"
    dtype: str = "auto"
    quantize: str = "none"
    seed: int = defaults.SEED
    stemmer: bool = True
    tokenizer: str = "default"
    multi_reference: str = "max"
    rouge_types: str = ",".join(defaults.ROUGE_TYPES)  # or a list of types (Python API)
    split: str = "auto"  # ROUGE-Lsum's sentences (defaults.SPLIT_MODES)
    rouge_engine: str = "auto"
    rouge_impl: str = "rouge-score"
    rouge155_flags: str | None = None
    metrics: tuple[str, ...] = ("rouge", "diagnostics")  # families (metrics/); a comma string too
    cache: bool = True
    cache_file: Path | None = None
    trust_remote_code: bool = False
    allow_pickle: bool = False
    base_url: tuple[str, ...] = ()  # --summarizer api: replicas of one served model
    endpoint: str = "chat"
    extra_body: dict[str, Any] | None = None
    api_key_env: str = defaults.API_KEY_ENV
    concurrency: int = defaults.API_CONCURRENCY
    timeout: float = defaults.API_TIMEOUT_S
    max_retries: int = defaults.API_MAX_RETRIES
    max_failures: int = 0  # failed documents tolerated before the run exits non-zero
    shard: str | None = None  # "I/N": only shard I of N (shards.py)
    label: str | None = None  # names the run in history and reports (default: its folder)
    quiet: bool = False
    argv: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from sumbench.summarizers.registry import REGISTRY

        if isinstance(self.reference_field, str):
            object.__setattr__(self, "reference_field", (self.reference_field,))
        elif not isinstance(self.reference_field, tuple):
            object.__setattr__(self, "reference_field", tuple(self.reference_field))
        if self.data is None and (self.article_field or self.reference_field or self.id_field):
            raise SettingError("article_field", "and the other field names are for --data")
        if not isinstance(self.rouge_types, str):  # a Python caller's list of types
            object.__setattr__(self, "rouge_types", ",".join(self.rouge_types))
        if isinstance(self.base_url, str):  # a Python caller's single URL
            object.__setattr__(self, "base_url", (self.base_url,))
        elif not isinstance(self.base_url, tuple):
            object.__setattr__(self, "base_url", tuple(self.base_url))
        check_choice("summarizer", self.summarizer, tuple(REGISTRY))
        check_choice("dtype", self.dtype, defaults.DTYPES)
        check_choice("compile", self.compile, defaults.COMPILE_MODES)
        check_choice("quantize", self.quantize, defaults.QUANTIZE_MODES)
        check_choice("tokenizer", self.tokenizer, defaults.TOKENIZERS)
        check_choice("multi_reference", self.multi_reference, defaults.MULTI_REFERENCE)
        check_choice("split", self.split, defaults.SPLIT_MODES)
        check_choice("rouge_engine", self.rouge_engine, defaults.ROUGE_ENGINES)
        check_choice("rouge_impl", self.rouge_impl, defaults.ROUGE_IMPLEMENTATIONS)
        if self.rouge_impl == "rouge155":
            for name, default in (("rouge_types", ",".join(defaults.ROUGE_TYPES)),
                                  ("stemmer", True), ("tokenizer", "default"),
                                  ("multi_reference", "max")):
                if getattr(self, name) != default:
                    raise SettingError(name, "does not apply to ROUGE-1.5.5: its flags "
                                       f"decide it ({setting('rouge155_flags')}: -n, -m, "
                                       "-f ...)")
        elif self.rouge155_flags is not None:
            raise SettingError("rouge155_flags", "is only for --rouge-impl rouge155")
        check_device("device", self.device)
        for name in ("limit", "lead_sentences", "max_new_tokens", "num_beams",
                     "max_input_tokens", "batch_size"):
            check_at_least(name, getattr(self, name))
        if self.summarizer != "predictions" and self.predictions is not None:
            raise SettingError("predictions", "is only for the summarizer 'predictions'")
        if self.summarizer == "predictions" and self.predictions is None:
            raise SettingError("predictions", "is needed by the summarizer 'predictions': a "
                               "JSONL file of id and prediction")
        check_at_least("max_failures", self.max_failures, 0)
        api_only = {"base_url": (), "endpoint": "chat", "extra_body": None,
                    "api_key_env": defaults.API_KEY_ENV,
                    "concurrency": defaults.API_CONCURRENCY, "timeout": defaults.API_TIMEOUT_S,
                    "max_retries": defaults.API_MAX_RETRIES}
        in_process_only = {"num_beams": defaults.NUM_BEAMS, "max_input_tokens": None,
                           "batch_size": None, "revision": None, "compile": "auto",
                           "device": "auto", "dtype": "auto", "quantize": "none"}
        if self.summarizer != "api":
            for name, default in api_only.items():
                if getattr(self, name) != default:
                    raise SettingError(name, "is only for the summarizer 'api'")
        else:
            for name, default in in_process_only.items():
                if getattr(self, name) != default:
                    raise SettingError(name, "is for in-process models; a served model's "
                                       "settings belong to its server (or --extra-body)")
        from sumbench.metrics import parse_metric_names

        object.__setattr__(self, "metrics", parse_metric_names(self.metrics))
        if self.shard is not None:
            from sumbench.shards import parse_shard

            parse_shard(self.shard)
        if self.label is not None and not self.label.strip():
            raise SettingError("label", "must not be empty")
        from sumbench.summarizers.prompting import check_prompt

        check_prompt(self.prompt)
        if self.out is not None and self.out.exists() and not self.out.is_dir():
            raise SettingError("out", f"{self.out} exists and is not a folder")

    def metric_objects(self) -> list[Metric]:
        """Each chosen metric, built from these options (ROUGE first)."""
        from sumbench.metrics import metric_class

        return [metric_class(name).from_options(self) for name in self.metrics]

    @property
    def rouge_type_list(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.rouge_types.split(",") if t.strip())
