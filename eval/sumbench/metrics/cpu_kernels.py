"""Faster float32 matrix products for an encoder on the CPU: oneDNN's prepacked linears.

A BERT-sized encoder spends about 80% of a CPU pass in its ``nn.Linear`` layers. torch
runs them through MKL's ``addmm`` on the weight in its plain layout at every call;
oneDNN (bundled with torch's CPU build) packs each weight once into its kernel's blocked
layout, and can apply the exact (erf) GELU that follows a BERT "intermediate" layer in
the same pass. Measured side by side on SummEval's 2,646 distinct texts with
all-MiniLM-L6-v2 on 2 cores (``python bench/bertscore.py --kernels``), the encoder pass
is 1.17x faster; every vector moves by at most a few 1e-6, and each row's result does
not depend on the batch it sits in.

The numbers stay float32 products with float32 sums (BERTScore measured within 3.6e-7 of
bert-score's). Each swapped layer is checked once, when packed, against the layer it
replaces (and the activation it absorbs) on a random input; wherever oneDNN is missing,
refuses the layer or disagrees, that layer (or the whole model) keeps torch's own kernel.
A Linear with hooks, or of a subclass, is left as it is. The packed model is for
inference only: its packed weights are plain attributes, not parameters, so it cannot be
trained, moved, cast, copied or saved whole.
"""

from __future__ import annotations

import functools
from typing import Any

PACKED = "onednn-packed"  # timings' name for the packed path
PLAIN = "torch"  # torch's own kernels
CHECK_TOLERANCE = 1e-4  # of the layer's largest output on the probe (seen: about 1e-6)


def pack_linears(model: Any) -> str:
    """Swap every ``nn.Linear`` of ``model`` (in place) for a oneDNN prepacked one, fusing
    an exact GELU that follows it in a BERT-style intermediate layer; return the kernel
    name the model now runs on (``PACKED`` if any layer was swapped, else ``PLAIN``)."""
    import torch

    swapped = 0
    for module in list(model.modules()):
        fuse_gelu = _is_gelu_intermediate(module)
        for name, child in list(module.named_children()):
            if (type(child) is not torch.nn.Linear  # a subclass may change forward
                    or child._forward_hooks or child._forward_pre_hooks):
                continue
            gelu = fuse_gelu and name == "dense"
            packed = packed_linear(child, then=module.intermediate_act_fn if gelu else None)
            if packed is None:
                continue
            setattr(module, name, packed)
            if gelu:
                module.intermediate_act_fn = torch.nn.Identity()
            swapped += 1
    return PACKED if swapped else PLAIN


def onednn_linears_available() -> bool:
    """Whether this torch has oneDNN and the two operators a packed linear runs on."""
    import torch

    return (torch.backends.mkldnn.is_available()
            and hasattr(torch.ops.mkldnn, "_linear_pointwise")
            and hasattr(torch.ops.mkldnn, "_reorder_linear_weight"))


def _is_gelu_intermediate(module: Any) -> bool:
    """A BERT/RoBERTa-style ``...Intermediate`` (``act(dense(x))``) whose activation is
    the exact, erf GELU: the one case where the GELU is fused into the product."""
    import torch

    act = getattr(module, "intermediate_act_fn", None)
    dense = getattr(module, "dense", None)
    if not (type(module).__name__.endswith("Intermediate") and dense is not None
            and set(dict(module.named_children())) <= {"dense", "intermediate_act_fn"}):
        return False
    if type(act) is torch.nn.GELU:
        return act.approximate == "none"
    # transformers' GELUActivation: torch's exact gelu unless it asked for the Python one
    return (type(act).__name__ == "GELUActivation"
            and getattr(act, "act", None) is torch.nn.functional.gelu)


def packed_linear(linear: Any, *, then: Any = None) -> Any:
    """``linear`` on a oneDNN prepacked weight, with the exact GELU ``then`` (an activation
    module) fused after it when given; None where this torch has no oneDNN linears,
    oneDNN refuses the layer, or its output differs from ``then(linear(x))`` on a random
    probe."""
    import torch

    if (not onednn_linears_available() or linear.weight.dtype != torch.float32
            or linear.weight.device.type != "cpu"):
        return None
    weight = linear.weight.detach()
    bias = linear.bias.detach() if linear.bias is not None else None
    probe = torch.randn(64, linear.in_features, generator=torch.Generator().manual_seed(0))
    try:
        packed = _packed_class()(torch.ops.mkldnn._reorder_linear_weight(weight, None), bias,
                                 linear.out_features, then is not None)
        with torch.inference_mode():
            want = linear(probe)
            if then is not None:
                want = then(want)
            got = packed(probe)
    except RuntimeError:  # oneDNN refused this layer (shape, platform): keep torch's
        return None
    scale = float(want.abs().max()) or 1.0
    if got.shape != want.shape or float((got - want).abs().max()) > CHECK_TOLERANCE * scale:
        return None
    return packed


@functools.cache
def _packed_class() -> type:
    """The packed layer's class, defined on first use: importing this module stays
    torch-free."""
    import torch

    class PackedLinear(torch.nn.Module):
        """``nn.Linear`` (optionally followed by exact GELU) on a prepacked oneDNN weight."""

        def __init__(self, weight: Any, bias: Any, out_features: int, gelu: bool) -> None:
            super().__init__()
            self.weight = weight  # oneDNN's blocked layout: not a Parameter, never trained
            self.bias = bias
            self.out_features = out_features
            self.attr, self.algorithm = ("gelu", "none") if gelu else ("none", "")

        def forward(self, x: Any) -> Any:
            flat = x.reshape(-1, x.shape[-1])
            y = torch.ops.mkldnn._linear_pointwise(flat, self.weight, self.bias, self.attr,
                                                   [], self.algorithm)
            return y.reshape(*x.shape[:-1], self.out_features)

    return PackedLinear
