"""``init``: the PCA start, held-out selection, and never being worse than PCA."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skae import AutoEncoderTransformer, DenoisingAutoEncoder, StackedAutoEncoder

CPU = {"device": "cpu", "random_state": 0}


def held_out_ratio(est, X, k, seed=0):
    X_train, X_test = train_test_split(X, test_size=0.2, random_state=seed)
    pca = PCA(k, svd_solver="full").fit(X_train)  # "auto" may take the covariance
    est.fit(X_train)

    def mse(model):
        return np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2)

    return mse(est) / mse(pca)


def test_auto_resolves_to_pca_where_the_model_can_represent_it(digits):
    X = digits[0][:200]
    assert AutoEncoderTransformer(4, max_iter=1, **CPU).fit(X).init_ == "pca"
    for params in ({"code_activation": "sigmoid"}, {"init": "random"}):
        assert AutoEncoderTransformer(4, max_iter=1, **CPU, **params).fit(X).init_ == "random"
    pixels = X / 16
    ce = AutoEncoderTransformer(4, max_iter=1, reconstruction_loss="cross_entropy", **CPU)
    assert ce.fit(pixels).init_ == "random"
    assert DenoisingAutoEncoder(100, max_iter=1, **CPU).fit(X).init_ == "random"  # over-complete


def test_a_noisy_code_as_wide_as_the_input_starts_at_random(digits):
    # PCA with every component is the identity, which no noisy fit beats at clean
    # reconstruction: from the PCA start DenoisingAutoEncoder() would learn nothing
    X = digits[0][:300] / 16
    dae = DenoisingAutoEncoder(max_iter=12, n_iter_no_change=2, **CPU).fit(X)
    assert dae.n_components_ == X.shape[1]
    assert dae.init_ == "random" and dae.best_epoch_ > 0
    assert DenoisingAutoEncoder(max_iter=1, noise_ratio=0, **CPU).fit(X).init_ == "pca"
    assert DenoisingAutoEncoder(max_iter=1, init="pca", **CPU).fit(X).init_ == "pca"
    assert DenoisingAutoEncoder(8, max_iter=1, **CPU).fit(X).init_ == "pca"


@pytest.mark.parametrize("params, blocker", [
    ({"code_activation": "sigmoid"}, "code_activation"),
    ({"reconstruction_loss": "cross_entropy"}, "reconstruction_loss"),
])
def test_pca_where_the_model_cannot_represent_it_names_init_and_the_blocker(digits, params,
                                                                           blocker):
    with pytest.raises(ValueError, match=f"init='pca'.*{blocker}"):
        AutoEncoderTransformer(4, init="pca", max_iter=1, **CPU, **params).fit(digits[0] / 16)


def test_init_is_validated(digits):
    with pytest.raises(ValueError, match="'init' parameter"):
        AutoEncoderTransformer(4, init="zeros").fit(digits[0])


def test_the_linear_pca_start_is_pca_exactly(digits):
    X = digits[0]
    ae = AutoEncoderTransformer(8, hidden_layer_sizes=(), activation="identity", init="pca",
                                max_iter=1, learning_rate=1e-30, **CPU).fit(X)
    pca = PCA(8).fit(X)
    assert ae.best_epoch_ == 0  # no step moved it: PCA of all rows
    # the model's codes are PCA's in its units (divided by the global scale)
    np.testing.assert_allclose(ae.transform(X), pca.transform(X) / ae.scale_, atol=2e-3)
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(X)),
                               pca.inverse_transform(pca.transform(X)), atol=2e-3)


def test_when_no_epoch_beats_pca_it_returns_pca_of_all_rows(capsys):
    X = load_wine().data
    ae = AutoEncoderTransformer(5, verbose=1, **CPU).fit(X)
    assert ae.init_ == "pca" and ae.best_epoch_ == 0
    assert "PCA fitted on all rows" in capsys.readouterr().out
    pca = PCA(5).fit(X)
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(X)),
                               pca.inverse_transform(pca.transform(X)), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("load", [load_breast_cancer, load_wine])
@pytest.mark.parametrize("cls", [AutoEncoderTransformer, DenoisingAutoEncoder])
def test_never_worse_than_pca_on_raw_tables(load, cls):
    assert held_out_ratio(cls(5, **CPU), load().data, 5) <= 1.01


@pytest.mark.parametrize("factor", [1e6, 1e10])
def test_never_worse_than_pca_with_a_column_in_large_units(factor):
    # proline in other units: its variance dwarfs the rest, and the covariance's
    # eigenvectors no longer resolve the components after the first (was 1.85x PCA)
    X = load_wine().data
    X[:, 12] *= factor
    assert held_out_ratio(AutoEncoderTransformer(3, **CPU), X, 3) <= 1 + 1e-6


def test_the_default_fit_keeps_the_nonlinear_gain_and_ends_on_its_own(digits):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ae = AutoEncoderTransformer(16, **CPU)
        ratio = held_out_ratio(ae, digits[0], 16)
    assert ratio < 0.55 and ae.n_iter_ < ae.max_iter and ae.best_epoch_ > 0


def test_stacked_has_no_init():
    assert "init" not in StackedAutoEncoder().get_params()
