import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skae import AutoEncoderTransformer, DenoisingAutoEncoder

FAST = {"hidden_layer_sizes": (16,), "max_iter": 5, "random_state": 0, "device": "cpu",
        "init": "random", "early_stopping": False}


@pytest.mark.parametrize("noise", ["masking", "gaussian", "salt_and_pepper"])
def test_zero_noise_trains_exactly_like_the_plain_autoencoder(small, noise):
    dae = DenoisingAutoEncoder(3, noise=noise, noise_ratio=0.0, **FAST).fit(small)
    ae = AutoEncoderTransformer(3, **FAST).fit(small)
    assert np.array_equal(dae.transform(small), ae.transform(small))


@pytest.mark.parametrize("noise", ["masking", "gaussian", "salt_and_pepper"])
def test_noise_changes_training_and_repeats_bit_for_bit(small, noise):
    a = DenoisingAutoEncoder(3, noise=noise, **FAST).fit(small)
    b = DenoisingAutoEncoder(3, noise=noise, **FAST).fit(small)
    ae = AutoEncoderTransformer(3, **FAST).fit(small)
    assert np.array_equal(a.transform(small), b.transform(small))
    assert not np.array_equal(a.transform(small), ae.transform(small))


def test_corruption_only_in_training(small):
    dae = DenoisingAutoEncoder(3, noise_ratio=0.5, **FAST).fit(small)
    codes = [dae.transform(small) for _ in range(3)]
    scores = [dae.score_samples(small) for _ in range(3)]
    assert all(np.array_equal(codes[0], c) for c in codes)
    assert all(np.array_equal(scores[0], s) for s in scores)
    dae.module_.train()
    x = torch.as_tensor(small, dtype=torch.float32)
    assert not torch.equal(dae.module_.corruption(x), x)
    dae.module_.eval()
    assert torch.equal(dae.module_.corruption(x), x)


def test_masking_sets_entries_to_zero_in_input_units(small):
    dae = DenoisingAutoEncoder(3, noise_ratio=0.5, **FAST).fit(small)
    dae.module_.corruption.train()
    torch.manual_seed(0)
    out = dae.module_.corruption(torch.as_tensor(small, dtype=torch.float32))
    assert 0.4 < (out == 0).float().mean() < 0.6  # zero, not the (non-zero) mean


def test_overcomplete_codes_allowed(small):
    assert DenoisingAutoEncoder(20, **FAST).fit(small).transform(small).shape == (60, 20)
    with pytest.raises(ValueError, match="n_components"):
        AutoEncoderTransformer(20, **FAST).fit(small)


@pytest.mark.parametrize("noise, ratio", [("masking", 1.0), ("salt_and_pepper", 1.5),
                                          ("gaussian", -0.1)])
def test_bad_noise_ratio_is_named(small, noise, ratio):
    with pytest.raises(ValueError, match="noise_ratio"):
        DenoisingAutoEncoder(noise=noise, noise_ratio=ratio, **FAST).fit(small)


def test_gaussian_ratio_may_exceed_one(small):
    DenoisingAutoEncoder(3, noise="gaussian", noise_ratio=2.0, **FAST).fit(small)


def test_unknown_noise_is_named(small):
    with pytest.raises(ValueError, match="noise"):
        DenoisingAutoEncoder(noise="dropout", **FAST).fit(small)


def test_grid_search_over_noise_ratio(digits):
    X, y = digits
    pipe = Pipeline([("dae", DenoisingAutoEncoder(16, **FAST)),
                     ("clf", LogisticRegression(max_iter=300))])
    search = GridSearchCV(pipe, {"dae__noise_ratio": [0, 0.25]}, n_jobs=2, cv=2)
    search.fit(X[:300], y[:300])
    assert search.best_params_["dae__noise_ratio"] in (0, 0.25)
    assert len(search.cv_results_["mean_test_score"]) == 2
