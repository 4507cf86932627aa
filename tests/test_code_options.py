"""code_activation, tied_weights and reconstruction_loss of the shallow autoencoders."""

import pickle

import numpy as np
import pytest
import torch

from skae import AutoEncoderTransformer, DenoisingAutoEncoder
from skae._modules import TiedLinear, linears

FAST = {"hidden_layer_sizes": (16,), "max_iter": 4, "random_state": 0, "device": "cpu",
        "init": "random", "early_stopping": False}


@pytest.fixture
def pixels(digits):
    return digits[0][:300] / 16  # in [0, 1]


@pytest.mark.parametrize("Est", [AutoEncoderTransformer, DenoisingAutoEncoder])
def test_tied_decoder_is_the_encoder_transposed(pixels, Est):
    ae = Est(5, tied_weights=True, **FAST).fit(pixels)
    encoder = linears(ae.module_.encoder)
    decoder = [m for m in ae.module_.decoder if isinstance(m, TiedLinear)]
    assert [d.source for d in decoder] == encoder[::-1]
    untied = Est(5, **FAST).fit(pixels)
    n_params = sum(p.numel() for p in ae.module_.parameters())
    assert n_params == sum(p.numel() for p in untied.module_.parameters()) - 64 * 16 - 16 * 5
    # the tie survives pickling: one tensor, not two copies
    restored = pickle.loads(pickle.dumps(ae))
    assert restored.module_.decoder[0].source is linears(restored.module_.encoder)[-1]
    np.testing.assert_array_equal(restored.inverse_transform(restored.transform(pixels)),
                                  ae.inverse_transform(ae.transform(pixels)))


def test_sigmoid_code_lies_in_the_unit_interval(pixels):
    codes = AutoEncoderTransformer(5, code_activation="sigmoid", **FAST).fit_transform(pixels)
    assert codes.min() > 0 and codes.max() < 1
    linear = AutoEncoderTransformer(5, **FAST).fit_transform(pixels)
    assert linear.min() < 0  # the default code is linear


def test_cross_entropy_reconstructs_in_the_unit_interval(pixels):
    ae = DenoisingAutoEncoder(20, reconstruction_loss="cross_entropy",
                              **{**FAST, "max_iter": 30, "early_stopping": True}).fit(pixels)
    reconstruction = ae.inverse_transform(ae.transform(pixels))
    assert reconstruction.min() >= 0 and reconstruction.max() <= 1
    # the papers' setting: [0, 1] data is used as it is
    np.testing.assert_array_equal(ae.mean_, 0)
    assert ae.scale_ == 1.0
    # validation scores are the negative held-out cross-entropy; the loss falls
    assert ae.validation_scores_[-1] > ae.validation_scores_[0]
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]
    # score stays the squared error in X's units, comparable with PCA's
    assert ae.score(pixels) == pytest.approx(-np.mean((reconstruction - pixels) ** 2), rel=1e-5)


def test_cross_entropy_needs_data_in_the_unit_interval(digits):
    with pytest.raises(ValueError, match=r"cross_entropy' needs X in \[0, 1\].*\[0, 16\]"):
        AutoEncoderTransformer(5, reconstruction_loss="cross_entropy", **FAST).fit(digits[0])


@pytest.mark.parametrize("warm", ["partial_fit", "warm_start"])
def test_cross_entropy_needs_the_unit_interval_in_warm_fits_too(pixels, warm):
    ae = AutoEncoderTransformer(5, reconstruction_loss="cross_entropy", **FAST).fit(pixels)
    before = ae.transform(pixels)
    with pytest.raises(ValueError, match=r"needs X in \[0, 1\]"):
        if warm == "partial_fit":
            ae.partial_fit(pixels * 16)
        else:
            ae.set_params(warm_start=True).fit(-5 * pixels)
    np.testing.assert_array_equal(ae.transform(pixels), before)


def test_options_are_validated(pixels):
    for params, name in [({"code_activation": "softmax"}, "code_activation"),
                         ({"tied_weights": "yes"}, "tied_weights"),
                         ({"reconstruction_loss": "l1"}, "reconstruction_loss")]:
        with pytest.raises(ValueError, match=name):
            AutoEncoderTransformer(**params).fit(pixels)


def test_defaults_keep_the_pca_like_linear_code(pixels):
    ae = AutoEncoderTransformer(5, **FAST).fit(pixels)
    assert isinstance(ae.module_.encoder[-1], torch.nn.Linear)
    assert all(isinstance(m, (torch.nn.Linear, torch.nn.ReLU)) for m in ae.module_.decoder)
