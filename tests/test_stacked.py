import numpy as np
import pytest
import torch

from skae import AutoEncoderTransformer, StackedAutoEncoder
from skae._base import derive_seed
from skae._data import column_stats
from skae._pretraining import pretrain_stack

FAST = {"max_iter": 5, "pretrain_max_iter": 3, "random_state": 0, "device": "cpu"}


def test_records_one_pretraining_curve_per_layer(digits):
    X, _ = digits
    sae = StackedAutoEncoder(4, hidden_layer_sizes=(32, 16), **FAST).fit(X[:300])
    assert [len(c) for c in sae.pretrain_loss_curves_] == [3, 3, 3]
    assert len(sae.loss_curve_) == sae.n_iter_ == 5
    assert sae.transform(X[:10]).shape == (10, 4)
    assert sae.inverse_transform(sae.transform(X[:10])).shape == (10, 64)


def test_pretraining_alone_then_fine_tuning_lowers_error(digits):
    X, _ = digits
    params = {"hidden_layer_sizes": (32,), "pretrain_max_iter": 10, "random_state": 0,
              "device": "cpu"}
    pretrained = StackedAutoEncoder(8, max_iter=0, **params).fit(X)
    assert pretrained.n_iter_ == 0 and pretrained.loss_curve_ == []
    fine_tuned = StackedAutoEncoder(8, max_iter=20, **params).fit(X)
    assert fine_tuned.score(X) > pretrained.score(X)


def test_pretrained_weights_initialise_the_unrolled_stack(digits):
    X, _ = digits
    sae = StackedAutoEncoder(8, hidden_layer_sizes=(32,), max_iter=0, pretrain_max_iter=5,
                             random_state=0, device="cpu").fit(X)
    fresh = AutoEncoderTransformer(8, hidden_layer_sizes=(32,), max_iter=1, random_state=0,
                                   device="cpu", init="random", early_stopping=False).fit(X)
    assert sae.score(X) > fresh.score(X)  # pre-training alone already reconstructs


def test_empty_hidden_layers_is_one_layer(digits):
    X, _ = digits
    sae = StackedAutoEncoder(8, hidden_layer_sizes=(), **FAST).fit(X[:200])
    assert len(sae.pretrain_loss_curves_) == 1


def test_denoising_pretraining_repeats_and_differs(digits):
    X, _ = digits
    dae = {"hidden_layer_sizes": (16,), "pretraining": "denoising", **FAST}
    a = StackedAutoEncoder(4, **dae).fit(X[:200])
    b = StackedAutoEncoder(4, **dae).fit(X[:200])
    c = StackedAutoEncoder(4, hidden_layer_sizes=(16,), **FAST).fit(X[:200])
    assert np.array_equal(a.transform(X[:20]), b.transform(X[:20]))
    assert a.pretrain_loss_curves_ != c.pretrain_loss_curves_


def test_no_pretraining(digits):
    X, _ = digits
    sae = StackedAutoEncoder(4, hidden_layer_sizes=(16,), **{**FAST, "pretrain_max_iter": 0})
    assert sae.fit(X[:100]).pretrain_loss_curves_ == []


@pytest.mark.parametrize("params, name", [
    ({"hidden_layer_sizes": (16, -1)}, "hidden_layer_sizes"),
    ({"pretraining": "denoising", "noise_ratio": 1.0}, "noise_ratio"),
    ({"pretraining": "denoising", "noise_ratio": (0.1, 0.2)}, "noise_ratio"),  # 2 for 3 layers
    ({"pretraining": "denoising", "noise": "gaussian", "noise_ratio": (0.1, 0.2, -1.0)},
     "noise_ratio"),
    # checked whatever pretraining is, as scikit-learn checks every parameter
    ({"pretraining": "autoencoder", "noise_ratio": 1.5}, "noise_ratio"),
    ({"pretraining": "none", "noise_ratio": (0.1, 0.2)}, "noise_ratio"),
    ({"pretrain_max_iter": -1}, "pretrain_max_iter"),
    ({"tied_weights": "yes"}, "tied_weights"),
    ({"code_activation": "softmax"}, "code_activation"),
    ({"reconstruction_loss": "l1"}, "reconstruction_loss"),
    ({"reconstruction_loss": "cross_entropy", "activation": "sigmoid"}, r"X in \[0, 1\]"),
])
def test_bad_parameters_are_named(digits, params, name):
    X, _ = digits
    with pytest.raises(ValueError, match=name):
        StackedAutoEncoder(4, **{**FAST, **params}).fit(X[:50])


def test_noise_ratio_per_layer_bottom_first(digits):
    X, _ = digits
    params = {**FAST, "hidden_layer_sizes": (16, 8), "max_iter": 0,
              "pretraining": "denoising"}
    one = StackedAutoEncoder(4, **params, noise_ratio=0.25).fit(X[:200])
    ramp = StackedAutoEncoder(4, **params, noise_ratio=(0.25, 0.5, 0.25)).fit(X[:200])
    bottom, middle = (list(m.module_.encoder.parameters())[::2][:2] for m in (one, ramp))
    np.testing.assert_array_equal(middle[0].detach(), bottom[0].detach())  # same ratio
    assert not np.array_equal(middle[1].detach(), bottom[1].detach())  # 0.5, not 0.25


def test_cross_entropy_needs_sigmoid_codes_below_the_top(digits):
    X = digits[0][:50] / 16
    params = {**FAST, "reconstruction_loss": "cross_entropy"}
    # layers above the first reconstruct codes, which must lie in [0, 1]
    with pytest.raises(ValueError, match="needs activation='sigmoid'"):
        StackedAutoEncoder(4, hidden_layer_sizes=(8,), **params).fit(X)
    # one layer reconstructs X only: any activation will do
    StackedAutoEncoder(4, hidden_layer_sizes=(), **params).fit(X)


@pytest.mark.parametrize("options", [
    {},
    {"tied_weights": True, "pretraining": "denoising"},
    {"code_activation": "sigmoid", "activation": "tanh"},
    # the papers' stacked denoising autoencoder
    {"reconstruction_loss": "cross_entropy", "activation": "sigmoid", "tied_weights": True,
     "code_activation": "sigmoid", "pretraining": "denoising"},
], ids=["defaults", "tied", "sigmoid-code", "papers"])
def test_the_unrolled_stack_starts_where_pretraining_ended(digits, options):
    """max_iter=0: the stack encodes and decodes exactly as its pre-trained layers do."""
    X = (digits[0][:200] / 16).astype(np.float32)
    sae = StackedAutoEncoder(4, hidden_layer_sizes=(16,), max_iter=0, pretrain_max_iter=3,
                             random_state=0, device="cpu", **options).fit(X)
    layers, _ = pretrain_stack(
        X, (16, 4), sae._fit_config, stats=column_stats(X), mean=sae.mean_, scale=sae.scale_,
        top_activation=sae.code_activation, device=torch.device("cpu"), seed=derive_seed(0))
    logits = sae.reconstruction_loss == "cross_entropy"
    with torch.no_grad():
        code = layers[1].encode(layers[0].encode(torch.from_numpy(X)))
        hidden = layers[1].decoder(code)
        output = layers[0].decoder(torch.sigmoid(hidden) if logits else hidden)
        output = torch.sigmoid(output) if logits else (
            output * sae.scale_ + torch.from_numpy(sae.mean_))
    np.testing.assert_allclose(sae.transform(X), code, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sae.inverse_transform(sae.transform(X)), output, rtol=1e-5,
                               atol=1e-6)
    if logits:  # the papers' setting: [0, 1] data used as it is
        np.testing.assert_array_equal(sae.mean_, 0)
        assert sae.scale_ == 1.0


def test_tied_stack_stays_tied_while_fine_tuning(digits):
    X, _ = digits
    sae = StackedAutoEncoder(4, hidden_layer_sizes=(16,), tied_weights=True, **FAST).fit(X[:200])
    encoder = [m for m in sae.module_.encoder if isinstance(m, torch.nn.Linear)]
    decoder = [m for m in sae.module_.decoder if hasattr(m, "source")]
    assert [d.source for d in decoder] == encoder[::-1]
    untied = StackedAutoEncoder(4, hidden_layer_sizes=(16,), **FAST).fit(X[:200])
    n_params = sum(p.numel() for p in sae.module_.parameters())
    assert n_params == sum(p.numel() for p in untied.module_.parameters()) - 64 * 16 - 16 * 4
    assert sae.n_iter_ == 5 and not np.array_equal(sae.transform(X[:20]),
                                                   untied.transform(X[:20]))
