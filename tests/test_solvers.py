"""The sgd solver (with momentum) and pre-training's own step size."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from torch import nn

from skae import AutoEncoderTransformer, StackedAutoEncoder, StackedAutoEncoderClassifier
from skae._modules import linears


@pytest.fixture
def X(digits):
    return digits[0][:300].astype(np.float32)


def test_sgd_is_torchs_sgd_with_momentum_and_decay_on_weights_only(X):
    ae = AutoEncoderTransformer(4, hidden_layer_sizes=(16,), solver="sgd", momentum=0.5,
                                alpha=1e-3, learning_rate=0.05, max_iter=2, random_state=0,
                                device="cpu").fit(X)
    opt = ae.net_.optimizer_
    assert type(opt) is torch.optim.SGD
    assert [g["momentum"] for g in opt.param_groups] == [0.5, 0.5]
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.05]
    assert sorted(g["weight_decay"] for g in opt.param_groups) == [0.0, 1e-3]


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_sgd_trains_as_a_hand_written_sgd_loop(X, alpha):
    """One full batch of linear-autoencoder SGD, against torch by hand.

    With one batch, no shuffling and momentum 0, skae's step is plain SGD on the
    squared error of the standardised data (the estimator's loss scale) plus
    ``0.5 * alpha * ||W||^2`` on the weights, not the biases (the documented penalty).
    """
    ae = AutoEncoderTransformer(3, hidden_layer_sizes=(), activation="identity", solver="sgd",
                                momentum=0.0, alpha=alpha, learning_rate=0.1, batch_size=len(X),
                                max_iter=1, shuffle=False, random_state=0, device="cpu",
                                init="random", early_stopping=False)
    ae.fit(X)
    # the same initial weights: the same fit with a step too small to change float32 weights
    module = clone(ae).set_params(learning_rate=1e-30).fit(X).module_
    enc, dec = linears(module.encoder) + linears(module.decoder)
    Z = torch.from_numpy(((X - ae.mean_) / ae.scale_).astype(np.float32))
    loss = nn.functional.mse_loss(dec(enc(Z)), Z)
    loss = loss + 0.5 * alpha * (enc.weight.pow(2).sum() + dec.weight.pow(2).sum())
    start = [enc.weight, enc.bias, dec.weight, dec.bias]
    expected = [p - 0.1 * g for p, g in zip(start, torch.autograd.grad(loss, start), strict=True)]
    trained_enc, trained_dec = linears(ae.module_.encoder) + linears(ae.module_.decoder)
    trained = [trained_enc.weight, trained_enc.bias, trained_dec.weight, trained_dec.bias]
    for got, want in zip(trained, expected, strict=True):
        torch.testing.assert_close(got.detach(), want.detach(), rtol=1e-5, atol=1e-6)


def test_sgd_fits_repeat_bit_for_bit_and_learn(X):
    params = {"hidden_layer_sizes": (32,), "solver": "sgd", "learning_rate": 0.05, "batch_size": 32,
              "max_iter": 20, "random_state": 0, "device": "cpu"}
    a, b = AutoEncoderTransformer(4, **params).fit(X), AutoEncoderTransformer(4, **params).fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert a.loss_curve_[-1] < 0.8 * a.loss_curve_[0]


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5])
def test_momentum_outside_zero_one_is_refused(X, momentum):
    with pytest.raises(ValueError, match="momentum"):
        AutoEncoderTransformer(2, solver="sgd", momentum=momentum).fit(X)


@pytest.mark.parametrize("value", [0.0, -1e-3])
def test_pretrain_learning_rate_must_be_positive(X, value):
    with pytest.raises(ValueError, match="pretrain_learning_rate"):
        StackedAutoEncoder(2, hidden_layer_sizes=(8,), pretrain_learning_rate=value).fit(X)


def _pretrained_layer_params(monkeypatch, estimator, key, *fit_args):
    """The value of ``key`` each pre-trained layer's net was built with."""
    from skae import _pretraining

    seen, build = [], _pretraining.build_net

    def spy(params, **kwargs):
        seen.append(getattr(params, key))
        return build(params, **kwargs)

    monkeypatch.setattr(_pretraining, "build_net", spy)
    estimator.fit(*fit_args)
    return seen


STACKED = [
    lambda **kw: StackedAutoEncoder(2, hidden_layer_sizes=(8,), **kw),
    lambda **kw: StackedAutoEncoderClassifier((8, 4), **kw),
]


@pytest.mark.parametrize("make", STACKED)
def test_pretraining_takes_its_own_step_size(monkeypatch, digits, make):
    X, y = digits[0][:200], digits[1][:200]
    common = {"pretrain_max_iter": 1, "max_iter": 1, "learning_rate": 0.01,
              "random_state": 0, "device": "cpu"}
    own = make(pretrain_learning_rate=0.2, **common)
    assert set(_pretrained_layer_params(monkeypatch, own, "learning_rate", X, y)) == {0.2}
    assert own.net_.optimizer_.param_groups[0]["lr"] == 0.01  # fine-tuning keeps its own
    assert set(_pretrained_layer_params(monkeypatch, make(**common), "learning_rate",
                                        X, y)) == {0.01}


@pytest.mark.parametrize("make", STACKED)
def test_pretraining_takes_its_own_penalty(monkeypatch, digits, make):
    X, y = digits[0][:200], digits[1][:200]
    common = {"pretrain_max_iter": 1, "max_iter": 1, "alpha": 1e-3,
              "random_state": 0, "device": "cpu"}
    own = make(pretrain_alpha=0.0, **common)
    assert _pretrained_layer_params(monkeypatch, own, "alpha", X, y) == [0.0, 0.0]
    decays = {g["weight_decay"] for g in own.net_.optimizer_.param_groups}
    assert 1e-3 in decays  # fine-tuning keeps its own
    assert _pretrained_layer_params(monkeypatch, make(**common), "alpha", X, y) == [1e-3] * 2


@pytest.mark.parametrize("value", [-1e-3, "none", np.nan])
def test_pretrain_alpha_must_be_a_non_negative_number(X, value):
    with pytest.raises(ValueError, match="pretrain_alpha"):
        StackedAutoEncoder(2, hidden_layer_sizes=(8,), pretrain_alpha=value).fit(X)


def test_pretrain_alpha_none_is_alpha(digits):
    X, y = digits[0][:200], digits[1][:200]
    common = {"pretrain_max_iter": 2, "max_iter": 2, "alpha": 1e-2,
              "random_state": 0, "device": "cpu"}
    a = StackedAutoEncoderClassifier((8,), **common).fit(X, y)
    b = StackedAutoEncoderClassifier((8,), pretrain_alpha=1e-2, **common).fit(X, y)
    c = StackedAutoEncoderClassifier((8,), pretrain_alpha=0.0, **common).fit(X, y)
    assert a.pretrain_loss_curves_ == b.pretrain_loss_curves_ != c.pretrain_loss_curves_
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_pretrain_learning_rate_none_is_learning_rate(digits):
    X, y = digits[0][:200], digits[1][:200]
    common = {"pretrain_max_iter": 2, "max_iter": 2, "learning_rate": 0.01,
              "random_state": 0, "device": "cpu"}
    a = StackedAutoEncoderClassifier((8,), **common).fit(X, y)
    b = StackedAutoEncoderClassifier((8,), pretrain_learning_rate=0.01, **common).fit(X, y)
    assert a.pretrain_loss_curves_ == b.pretrain_loss_curves_
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("make", [
    lambda: AutoEncoderTransformer(8, solver="lbfgs", alpha=3.0, max_iter=3, random_state=0,
                                   device="cpu"),
    lambda: StackedAutoEncoder(8, hidden_layer_sizes=(32,), solver="lbfgs", alpha=3.0,
                               max_iter=2, pretrain_max_iter=2, random_state=0, device="cpu"),
], ids=["autoencoder", "stacked"])
def test_lbfgs_judges_divergence_by_the_objective_it_minimises(X, make):
    # L-BFGS adds alpha's L2 term to the loss it records; the start it is judged against
    # must hold it too, or a large penalty at the start reads as divergence
    est = make().fit(X)  # raised "Training diverged"
    assert np.all(np.isfinite(est.loss_curve_)) and est.loss_curve_[-1] <= est.loss_curve_[0]
