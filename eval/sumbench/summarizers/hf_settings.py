"""The settings of an in-process model: ``HFOptions`` (what the run's options hold for the
summarizer ``hf``: which model, how it may load, how it generates) and
``GenerationSettings`` (everything that shapes the output, saved with the results)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from sumbench import defaults
from sumbench.errors import check_at_least, check_choice, check_device
from sumbench.summarizers.prompting import check_prompt


@dataclass(frozen=True)
class GenerationSettings:
    """Everything that shapes the model's output; all of it is saved with the results."""

    max_new_tokens: int = defaults.MAX_NEW_TOKENS
    num_beams: int = defaults.NUM_BEAMS
    max_input_tokens: int | None = None  # article tokens kept; None: what fits the context
    batch_size: int | None = None  # None: CPU_BATCH_SIZE or CUDA_BATCH_SIZE
    compile: str = "auto"  # CUDA only: static KV cache + torch.compile; see COMPILE_MIN_DOCS
    device: str = "auto"
    dtype: str = "auto"
    quantize: str = "none"  # int8: dynamic int8 matmuls on CPU; see _quantize
    seed: int = defaults.SEED
    prompt: str = defaults.PROMPT
    system_prompt: str | None = None

    def __post_init__(self) -> None:
        check_prompt(self.prompt)
        for name in ("max_new_tokens", "num_beams", "batch_size", "max_input_tokens"):
            check_at_least(name, getattr(self, name))
        check_choice("compile", self.compile, defaults.COMPILE_MODES)
        check_choice("dtype", self.dtype, defaults.DTYPES)
        check_choice("quantize", self.quantize, defaults.QUANTIZE_MODES)
        check_device("device", self.device)


@dataclass(frozen=True)
class HFOptions:
    """The run's options for an in-process model: which model, how it may load, and the
    generation settings (``GenerationSettings``, with the run's seed)."""

    model: str | None = None  # a folder or Hub id; None: the embedded default model
    revision: str | None = None
    trust_remote_code: bool = False
    allow_pickle: bool = False
    prompt: str | None = None  # None: defaults.PROMPT
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

    def __post_init__(self) -> None:
        self.generation()  # every generation setting is checked now, before any work

    def generation(self) -> GenerationSettings:
        names = {f.name for f in fields(GenerationSettings)}
        values = {k: v for k, v in asdict(self).items() if k in names}
        return GenerationSettings(**{**values, "prompt": self.prompt or defaults.PROMPT})
