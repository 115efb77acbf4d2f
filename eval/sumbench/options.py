"""A run's settings, grouped by concern and checked when built: a bad value is refused
before any file is read or any model is fetched.

``RunOptions`` nests the suite (``SuiteOptions``), the summarizer's own options (the
dataclass its class names as ``Options``: ``hf.HFOptions``, ``served.APISettings``...),
the scoring (``ScoringOptions``) and the output (``OutputOptions``), plus the run's seed.
``RunOptions.build`` takes one flat set of names, as the command line and
``sumbench.evaluate`` give them, and sends each to its group; a name that belongs to
another summarizer than the chosen one is refused with the summarizer it is for.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sumbench import defaults
from sumbench.errors import SettingError, check_at_least, check_choice, setting

if TYPE_CHECKING:
    from sumbench.metrics import Metric


@dataclass(frozen=True)
class SuiteOptions:
    """Which documents: a folder suite, or ``data`` (JSONL or a table) with its columns."""

    references: Path = Path("references")
    data: Path | None = None
    article_field: str | None = None  # column names for tables (suites/tables.py)
    reference_field: tuple[str, ...] = ()
    id_field: str | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.reference_field, str):
            object.__setattr__(self, "reference_field", (self.reference_field,))
        elif not isinstance(self.reference_field, tuple):
            object.__setattr__(self, "reference_field", tuple(self.reference_field))
        if self.data is None and (self.article_field or self.reference_field or self.id_field):
            raise SettingError("article_field", "and the other field names are for --data")
        check_at_least("limit", self.limit)


@dataclass(frozen=True)
class ScoringOptions:
    """How summaries are scored: the metric families and ROUGE's settings."""

    metrics: tuple[str, ...] = ("rouge", "diagnostics")  # families (metrics/); a comma string too
    stemmer: bool = True
    tokenizer: str = "default"
    multi_reference: str = "max"
    rouge_types: str = ",".join(defaults.ROUGE_TYPES)  # or a list of types (Python API)
    split: str = "auto"  # ROUGE-Lsum's sentences (defaults.SPLIT_MODES)
    rouge_engine: str = "auto"
    rouge_impl: str = "rouge-score"
    rouge155_flags: str | None = None
    lang: str | None = None  # XL-Sum's multilingual ROUGE for this language (multilingual.py)

    def __post_init__(self) -> None:
        from sumbench.metrics import parse_metric_names

        if not isinstance(self.rouge_types, str):  # a Python caller's list of types
            object.__setattr__(self, "rouge_types", ",".join(self.rouge_types))
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
        if self.lang is not None:
            from sumbench.multilingual import canonical

            if self.rouge_impl != "rouge-score" or self.tokenizer != "default":
                raise SettingError("lang", "brings XL-Sum's tokenizer for its language: it "
                                   "takes neither --tokenizer nor --rouge-impl rouge155")
            object.__setattr__(self, "lang", canonical(self.lang))
        object.__setattr__(self, "metrics", parse_metric_names(self.metrics))

    @property
    def rouge_type_list(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.rouge_types.split(",") if t.strip())


@dataclass(frozen=True)
class OutputOptions:
    """Where the run goes and how it is kept: folder, label, cache, shard, failures."""

    out: Path | None = None  # the run folder; None: write nothing (the Python API)
    label: str | None = None  # names the run in history and reports (default: its folder)
    cache: bool = True
    cache_file: Path | None = None
    shard: str | None = None  # "I/N": only shard I of N (shards.py)
    max_failures: int = 0  # failed documents tolerated before the run exits non-zero
    quiet: bool = False

    def __post_init__(self) -> None:
        check_at_least("max_failures", self.max_failures, 0)
        if self.shard is not None:
            from sumbench.shards import parse_shard

            parse_shard(self.shard)
        if self.label is not None and not self.label.strip():
            raise SettingError("label", "must not be empty")
        if self.out is not None and self.out.exists() and not self.out.is_dir():
            raise SettingError("out", f"{self.out} exists and is not a folder")


GROUPS = (SuiteOptions, ScoringOptions, OutputOptions)


@dataclass(frozen=True)
class RunOptions:
    """Everything ``sumbench run`` (or ``sumbench.evaluate``) was asked to do."""

    summarizer: str = "hf"
    settings: Any = None  # the summarizer's own options (its class's Options); None: defaults
    suite: SuiteOptions = field(default_factory=SuiteOptions)
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    output: OutputOptions = field(default_factory=OutputOptions)
    seed: int = defaults.SEED  # generation's seed and the bootstrap's
    argv: list[str] = field(default_factory=list)
    # metric name -> its own settings (its class's Options), for metrics that have any
    metric_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from sumbench.summarizers.registry import REGISTRY

        check_choice("summarizer", self.summarizer, tuple(REGISTRY))
        own = summarizer_options(self.summarizer)
        if self.settings is None:
            object.__setattr__(self, "settings", _with_seed(own, {}, self.seed))
        elif not isinstance(self.settings, own):
            raise SettingError("settings", f"must be a {own.__name__} for the summarizer "
                               f"{self.summarizer!r}; got {type(self.settings).__name__}")

    @classmethod
    def build(cls, **given: Any) -> RunOptions:
        """From one flat set of names (the command line's, ``sumbench.evaluate``'s): each
        goes to the group that declares it, or to the chosen summarizer's options."""
        summarizer = given.pop("summarizer", "hf")
        seed, argv = given.pop("seed", defaults.SEED), list(given.pop("argv", []))
        from sumbench.metrics import parse_metric_names
        from sumbench.summarizers.registry import REGISTRY

        check_choice("summarizer", summarizer, tuple(REGISTRY))
        own = summarizer_options(summarizer)
        sorted_out: dict[type, dict[str, Any]] = {group: {} for group in (*GROUPS, own)}
        chosen = parse_metric_names(given.get("metrics"))
        metric_groups = _metric_option_groups(chosen)
        by_metric: dict[str, dict[str, Any]] = {}
        for name, value in given.items():
            group = next((g for g in (own, *GROUPS) if name in _names(g)), None)
            metric = next((m for m, g in metric_groups.items() if name in _names(g)), None)
            if group is not None:
                sorted_out[group][name] = value
            elif metric is not None:
                if value is not None:  # None: not given (the command line passes all)
                    by_metric.setdefault(metric, {})[name] = value
            else:
                _refuse_foreign(name, value, summarizer)
        scoring = sorted_out[ScoringOptions]
        scoring["metrics"] = _with_metrics_turned_on(chosen, metric_groups, by_metric)
        return cls(summarizer=summarizer, settings=_with_seed(own, sorted_out[own], seed),
                   suite=SuiteOptions(**sorted_out[SuiteOptions]),
                   scoring=ScoringOptions(**scoring),
                   output=OutputOptions(**sorted_out[OutputOptions]), seed=seed, argv=argv,
                   metric_options={m: metric_groups[m](**values)
                                   for m, values in by_metric.items()})

    def metric_settings(self, name: str) -> Any:
        """The settings of the metric ``name`` (its class's ``Options``): as given, or
        its defaults."""
        from sumbench.metrics import metric_class

        if name in self.metric_options:
            return self.metric_options[name]
        group = metric_class(name).Options
        if group is None:
            raise SettingError("metrics", f"the metric {name!r} declares no Options")
        return group()

    def metric_objects(self) -> list[Metric]:
        """Each chosen metric, built from these options (ROUGE first)."""
        from sumbench.metrics import metric_class

        return [metric_class(name).from_options(self) for name in self.scoring.metrics]


def _metric_option_groups(chosen: tuple[str, ...] = ()) -> dict[str, type]:
    """The Options class of every metric that declares one: the built-in metrics and the
    chosen ones (a plugin not chosen is not imported)."""
    from sumbench.metrics import REGISTRY, metric_class

    names = dict.fromkeys([*REGISTRY, *chosen])
    groups = {name: metric_class(name).Options for name in names}
    return {name: group for name, group in groups.items() if group is not None}


def metric_option_names() -> set[str]:
    """Every setting name of the built-in metrics' own Options (``judge_criteria``...)."""
    return {name for group in _metric_option_groups().values() for name in _names(group)}


def _with_metrics_turned_on(chosen: tuple[str, ...], groups: dict[str, type],
                            given: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    """The chosen metrics, plus those a ``turns_on`` setting asks for; a metric's
    setting given a non-default value while the metric is not in the run is refused."""
    names = list(chosen)
    for metric, values in given.items():
        declared = {f.name: f for f in fields(groups[metric])}
        changed = [name for name, value in values.items() if value != _default(declared[name])]
        if metric in names or not changed:
            continue
        if any(declared[name].metadata.get("turns_on") for name in changed):
            names.append(metric)
        else:
            raise SettingError(changed[0], f"is a setting of the metric {metric!r}, which "
                               f"this run does not compute: add it with --metrics "
                               f"{','.join([*names, metric])}")
    return tuple(names)


def _default(declared: Any) -> Any:
    if declared.default is not MISSING:
        return declared.default
    if declared.default_factory is not MISSING:
        return declared.default_factory()
    return None


def summarizer_options(name: str) -> type:
    """The options dataclass the summarizer registered as ``name`` declares."""
    from sumbench.summarizers.registry import summarizer_class

    return summarizer_class(name).Options  # type: ignore[attr-defined,no-any-return]


def _names(group: type) -> set[str]:
    return {f.name for f in fields(group)}


def _with_seed(own: type, values: dict[str, Any], seed: int) -> Any:
    """The summarizer's options, with the run's seed where it takes one."""
    return own(**values, **({"seed": seed} if "seed" in _names(own) else {}))


def _refuse_foreign(name: str, value: Any, summarizer: str) -> None:
    """A setting of another summarizer: fine at its default (the command line passes every
    option), refused otherwise, naming the summarizers it is for."""
    from sumbench.summarizers.registry import REGISTRY

    owners = [other for other in REGISTRY if name in _names(summarizer_options(other))]
    if not owners:
        raise SettingError(name, "is no setting of a run (see `sumbench run --help`)")
    declared = next(f for f in fields(summarizer_options(owners[0])) if f.name == name)
    default = declared.default if declared.default is not MISSING else None
    if value in (default, None, ()) or (value == {} and default is None):
        return
    hint = ("; a served model's settings belong to its server (or --extra-body)"
            if summarizer == "api" else "")
    raise SettingError(name, "is only for the summarizer "
                       + " or ".join(repr(o) for o in owners) + hint)
