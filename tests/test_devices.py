"""The missing-data and outlier paths on each device: a fit there trains about as on
the CPU, keeps observed entries bit for bit, and draws reproducibly. On a machine
without CUDA only the CPU cases run (each against a second CPU fit)."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_digits

from skae import (
    AutoEncoderImputer,
    AutoEncoderTransformer,
    DenoisingAutoEncoder,
    ReconstructionOutlierDetector,
)

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
DEVICES = ["cpu", pytest.param("cuda", marks=CUDA)]
FAST = {"hidden_layer_sizes": (32,), "max_iter": 30, "random_state": 0}


@pytest.fixture(scope="module")
def cancer():
    X, _ = load_breast_cancer(return_X_y=True)
    missing = np.random.default_rng(0).random(X.shape) < 0.3
    missing[missing.all(axis=1), 0] = False
    return X, np.where(missing, np.nan, X), missing


def rmse(X_filled, X, missing):
    return np.sqrt(np.mean(((X_filled - X) / X.std(axis=0))[missing] ** 2))


@pytest.mark.parametrize("device", DEVICES)
def test_imputer_fills_on_the_device_as_on_the_cpu(cancer, device):
    X, X_missing, missing = cancer
    cpu = AutoEncoderImputer(**FAST, device="cpu").fit(X_missing)
    imputer = AutoEncoderImputer(**FAST, device=device).fit(X_missing)
    assert imputer.autoencoder_.device_.type == device
    filled = imputer.transform(X_missing)
    np.testing.assert_array_equal(filled[~missing], X_missing[~missing])
    assert not np.isnan(filled).any()
    ours, theirs = rmse(filled, X, missing), rmse(cpu.transform(X_missing), X, missing)
    assert abs(ours - theirs) < 0.05 * theirs
    restored = pickle.loads(pickle.dumps(imputer))
    np.testing.assert_array_equal(restored.transform(X_missing), filled)


@pytest.mark.parametrize("device", DEVICES)
def test_posterior_draws_on_the_device_repeat_for_a_seed(cancer, device):
    _, X_missing, missing = cancer
    fits = [AutoEncoderImputer(**{**FAST, "random_state": s}, device=device, sample_posterior=True)
            .fit(X_missing) for s in (0, 0, 1)]
    first, again, other = (f.transform(X_missing) for f in fits)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(fits[0].transform(X_missing), first)
    assert not np.array_equal(first[missing], other[missing])
    np.testing.assert_array_equal(first[~missing], X_missing[~missing])


@pytest.mark.parametrize("device", DEVICES)
def test_imputer_early_stopping_on_the_device(cancer, device):
    imputer = AutoEncoderImputer(**{**FAST, "max_iter": 200}, device=device,
                                 early_stopping=True, n_iter_no_change=3).fit(cancer[1])
    scores = imputer.autoencoder_.validation_scores_
    assert imputer.n_iter_ < 200 and len(scores) == imputer.n_iter_
    assert np.isfinite(scores).all() and len(set(scores)) > 1


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("cls, params", [
    (AutoEncoderTransformer, {}),
    (DenoisingAutoEncoder, {"noise": "missing"}),
], ids=["AutoEncoderTransformer", "DenoisingAutoEncoder"])
def test_incomplete_data_on_the_device_as_on_the_cpu(cls, params, device):
    X = load_digits().data.copy()
    X[np.random.default_rng(0).random(X.shape) < 0.2] = np.nan
    cpu = cls(8, **FAST, **params, device="cpu").fit(X)
    ae = cls(8, **FAST, **params, device=device).fit(X)
    assert ae.device_.type == device
    scores = ae.score_samples(X)
    assert np.isfinite(ae.transform(X)).all() and np.isfinite(scores).all()
    np.testing.assert_allclose(ae.mean_, cpu.mean_)
    assert abs(scores.mean() - cpu.score_samples(X).mean()) < 0.05 * abs(scores.mean())


@pytest.mark.parametrize("device", DEVICES)
def test_detector_on_the_device_ranks_as_on_the_cpu(device):
    X, y = load_digits(return_X_y=True)
    inliers, test = X[y == 0][:150], X[150:]
    params = {"hidden_layer_sizes": (), "max_iter": 30, "random_state": 0}
    cpu = ReconstructionOutlierDetector(AutoEncoderTransformer(10, **params, device="cpu"))
    detector = ReconstructionOutlierDetector(AutoEncoderTransformer(10, **params,
                                                                    device=device))
    cpu.fit(inliers)
    detector.fit(inliers)
    assert detector.estimator_.device_.type == device
    ours, theirs = detector.score_samples(test), cpu.score_samples(test)
    assert np.corrcoef(ours, theirs)[0, 1] > 0.99
    assert set(np.unique(detector.predict(test))) <= {-1, 1}
    errors = detector.feature_errors(test)
    assert errors.shape == test.shape and np.isfinite(errors).all()
