import numpy as np
import pytest

from skae import AutoEncoderTransformer, StackedAutoEncoder

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
                                   device="cpu").fit(X)
    assert sae.score(X) > fresh.score(X)  # pre-training alone already reconstructs


def test_empty_hidden_layers_is_one_layer(digits):
    X, _ = digits
    sae = StackedAutoEncoder(8, hidden_layer_sizes=(), **FAST).fit(X[:200])
    assert len(sae.pretrain_loss_curves_) == 1


def test_denoising_pretraining_repeats_and_differs(digits):
    X, _ = digits
    a = StackedAutoEncoder(4, hidden_layer_sizes=(16,), noise="masking", **FAST).fit(X[:200])
    b = StackedAutoEncoder(4, hidden_layer_sizes=(16,), noise="masking", **FAST).fit(X[:200])
    c = StackedAutoEncoder(4, hidden_layer_sizes=(16,), **FAST).fit(X[:200])
    assert np.array_equal(a.transform(X[:20]), b.transform(X[:20]))
    assert a.pretrain_loss_curves_ != c.pretrain_loss_curves_


def test_no_pretraining(digits):
    X, _ = digits
    sae = StackedAutoEncoder(4, hidden_layer_sizes=(16,), **{**FAST, "pretrain_max_iter": 0})
    assert sae.fit(X[:100]).pretrain_loss_curves_ == []


@pytest.mark.parametrize("params, name", [
    ({"hidden_layer_sizes": (16, -1)}, "hidden_layer_sizes"),
    ({"noise": "masking", "noise_ratio": 1.0}, "noise_ratio"),
    ({"noise": "masking", "noise_ratio": (0.1, 0.2)}, "noise_ratio"),  # 2 for 3 layers
    ({"noise": "gaussian", "noise_ratio": (0.1, 0.2, -1.0)}, "noise_ratio"),
    ({"pretrain_max_iter": -1}, "pretrain_max_iter"),
])
def test_bad_parameters_are_named(digits, params, name):
    X, _ = digits
    with pytest.raises(ValueError, match=name):
        StackedAutoEncoder(4, **{**FAST, **params}).fit(X[:50])


def test_noise_ratio_per_layer_bottom_first(digits):
    X, _ = digits
    params = {**FAST, "hidden_layer_sizes": (16, 8), "max_iter": 0, "noise": "masking"}
    one = StackedAutoEncoder(4, **params, noise_ratio=0.25).fit(X[:200])
    ramp = StackedAutoEncoder(4, **params, noise_ratio=(0.25, 0.5, 0.25)).fit(X[:200])
    bottom, middle = (list(m.module_.encoder.parameters())[::2][:2] for m in (one, ramp))
    np.testing.assert_array_equal(middle[0].detach(), bottom[0].detach())  # same ratio
    assert not np.array_equal(middle[1].detach(), bottom[1].detach())  # 0.5, not 0.25
