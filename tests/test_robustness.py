"""Property-based robustness: every input either works or raises a clear ValueError."""

import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skae import AutoEncoderTransformer, DenoisingAutoEncoder, StackedAutoEncoder

FAST = {"hidden_layer_sizes": (4,), "max_iter": 2, "random_state": 0, "device": "cpu"}
# derandomized so that CI is repeatable; run with SKAE_HYPOTHESIS_EXPLORE=1 to search afresh
SETTINGS = settings(max_examples=int(os.environ.get("SKAE_HYPOTHESIS_EXAMPLES", 25)),
                    deadline=None, derandomize=not os.environ.get("SKAE_HYPOTHESIS_EXPLORE"),
                    suppress_health_check=[HealthCheck.too_slow])
DTYPES = [np.float16, np.float32, np.float64, np.int32, np.int64]
MAGNITUDES = [1e-30, 1e-3, 1.0, 1e3, 1e30]


@st.composite
def matrices(draw):
    n_rows, n_cols = draw(st.integers(1, 30)), draw(st.integers(1, 6))
    dtype = draw(st.sampled_from(DTYPES))
    magnitude = draw(st.sampled_from(MAGNITUDES))
    seed = draw(st.integers(0, 2**16))
    X = np.random.default_rng(seed).normal(size=(n_rows, n_cols)) * magnitude
    if draw(st.booleans()):
        X[:, 0] = X[0, 0]  # a constant column
    if n_cols > 1 and draw(st.booleans()):
        X[:, -1] = X[:, 0]  # a duplicate column
    if np.issubdtype(dtype, np.integer) or dtype == np.float16:
        X = np.clip(X, -60000, 60000)
    return X.astype(dtype)


def fit_or_clear_error(est, X):
    """Fit; return codes if it worked, None if it raised a ValueError with a message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return est.fit_transform(X)
    except ValueError as exc:
        assert str(exc)
        return None


@SETTINGS
@given(X=matrices(), n_components=st.integers(1, 6))
def test_autoencoder_works_or_raises_clearly(X, n_components):
    est = AutoEncoderTransformer(n_components, **FAST)
    codes = fit_or_clear_error(est, X)
    if n_components > X.shape[1] or X.shape[0] < 2:  # nothing to hold out from one row
        assert codes is None
        return
    assert codes is not None
    assert codes.shape == (X.shape[0], n_components)
    assert np.isfinite(codes).all()
    reconstruction = est.inverse_transform(codes)
    assert np.isfinite(reconstruction).all()
    assert np.isfinite(est.score(X))


@SETTINGS
@given(X=matrices())
def test_denoising_and_stacked_never_return_nan(X):
    for est in (DenoisingAutoEncoder(3, noise="salt_and_pepper", **FAST),
                StackedAutoEncoder(1, pretrain_max_iter=1, **FAST)):
        codes = fit_or_clear_error(est, X)
        if X.shape[0] < 2 and est.early_stopping:
            assert codes is None
            continue
        assert codes is not None and np.isfinite(codes).all()


@SETTINGS
@given(density=st.floats(0.0, 1.0), seed=st.integers(0, 100))
def test_sparse_input(density, seed):
    X = sp.random(20, 5, density=density, format="csr", random_state=seed)
    codes = AutoEncoderTransformer(2, **FAST).fit_transform(X)
    assert np.isfinite(codes).all()


def test_pandas_mixed_dtypes_and_strings():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"i": np.arange(10), "f": np.linspace(0, 1, 10),
                          "b": np.arange(10) % 2 == 0})
    codes = AutoEncoderTransformer(2, **FAST).fit_transform(frame)
    assert np.isfinite(codes).all()
    with pytest.raises(ValueError):
        AutoEncoderTransformer(2, **FAST).fit(frame.assign(s=["a"] * 10))


def test_one_row_and_one_feature():
    with pytest.raises(ValueError, match="n_samples = 1"):
        AutoEncoderTransformer(**FAST).fit(np.ones((1, 3)))  # nothing to hold out
    one_row = AutoEncoderTransformer(**FAST, early_stopping=False)
    assert one_row.fit_transform(np.ones((1, 3))).shape == (1, 3)
    assert AutoEncoderTransformer(**FAST).fit_transform(np.arange(5.0)[:, None]).shape == (5, 1)
