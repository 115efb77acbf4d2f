"""oneDNN's prepacked linears: the same float32 numbers as torch's kernels, GELU fused only
where it is the exact one of a BERT intermediate, torch's kernel kept wherever packing
is not exact."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from sumbench.metrics.cpu_kernels import (  # noqa: E402
    PACKED,
    PLAIN,
    onednn_linears_available,
    pack_linears,
    packed_linear,
)

needs_onednn = pytest.mark.skipif(not onednn_linears_available(),
                                  reason="this torch has no oneDNN linears")


def small_bert(hidden_act: str = "gelu") -> object:
    """A randomly initialised 2-layer BERT (no download): its shapes are what matter."""
    config = transformers.BertConfig(vocab_size=100, hidden_size=64, num_hidden_layers=2,
                                     num_attention_heads=4, intermediate_size=256,
                                     hidden_act=hidden_act)
    torch.manual_seed(0)
    return transformers.BertModel(config).eval()


def encode(model: object, ids: object, mask: object) -> object:
    with torch.inference_mode():
        return model(ids, attention_mask=mask)[0]


@needs_onednn
def test_a_packed_bert_gives_torchs_numbers_with_its_gelu_fused():
    """Every Linear packed, each intermediate's exact GELU moved into its product, and the
    hidden states of a padded batch within 1e-5 of the unpacked model's."""
    model = small_bert()
    ids = torch.randint(1, 100, (3, 11))
    mask = torch.ones(3, 11, dtype=torch.long)
    mask[1, 7:] = 0
    mask[2, 4:] = 0
    want = encode(model, ids, mask)

    assert pack_linears(model) == PACKED
    assert not any(type(m) is torch.nn.Linear for m in model.modules())
    for layer in model.encoder.layer:
        assert type(layer.intermediate.intermediate_act_fn) is torch.nn.Identity
        assert layer.intermediate.dense.attr == "gelu"
        assert layer.output.dense.attr == "none"  # its LayerNorm follows, not fused
    got = encode(model, ids, mask)
    assert got.shape == want.shape
    assert float((got - want).abs().max()) < 1e-5


@needs_onednn
def test_an_intermediate_that_is_not_exact_gelu_keeps_its_activation():
    """tanh-approximated GELU (gelu_new) is not what oneDNN's fused "gelu"/"none" computes:
    the product is packed, the activation stays, the numbers match."""
    model = small_bert(hidden_act="gelu_new")
    ids = torch.randint(1, 100, (2, 9))
    mask = torch.ones(2, 9, dtype=torch.long)
    want = encode(model, ids, mask)

    assert pack_linears(model) == PACKED
    for layer in model.encoder.layer:
        assert type(layer.intermediate.intermediate_act_fn) is not torch.nn.Identity
        assert layer.intermediate.dense.attr == "none"
    assert float((encode(model, ids, mask) - want).abs().max()) < 1e-5


def test_layers_that_cannot_be_packed_exactly_keep_torchs_kernel():
    """float64 weights and Linear subclasses (whose forward may differ) are left alone;
    a model with nothing packed reports torch's kernel."""

    class Scaled(torch.nn.Linear):
        def forward(self, x):  # type: ignore[override]
            return 2 * super().forward(x)

    model = torch.nn.Sequential(torch.nn.Linear(4, 4).double(), Scaled(4, 4))
    before = [type(m) for m in model]
    assert packed_linear(model[0]) is None
    assert pack_linears(model) == PLAIN
    assert [type(m) for m in model] == before


@needs_onednn
def test_a_hooked_linear_is_left_alone_and_a_check_that_disagrees_keeps_torchs_kernel():
    """A forward hook would be dropped by the swap, so that Linear stays; a fused product
    whose probe disagrees with the layer it replaces (here: told to absorb a ReLU, which
    oneDNN's fused GELU is not) is refused."""
    hooked = torch.nn.Linear(8, 8)
    hooked.register_forward_hook(lambda module, args, out: out * 0)
    model = torch.nn.Sequential(hooked, torch.nn.Linear(8, 8))
    x = torch.randn(3, 8)
    assert pack_linears(model) == PACKED
    assert model[0] is hooked and type(model[1]) is not torch.nn.Linear
    with torch.inference_mode():
        assert float(model(x).abs().max()) > 0  # the packed second layer adds its bias

    assert packed_linear(torch.nn.Linear(8, 8), then=torch.nn.ReLU()) is None
    assert packed_linear(torch.nn.Linear(8, 8), then=torch.nn.GELU()) is not None
