import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.decomposition import PCA

from skae._data import (
    as_float32_rows,
    column_stats,
    covariance_resolves,
    global_scale,
    pca_basis,
)
from skae._device import resolve_device


@pytest.mark.parametrize("make", [np.asarray, sp.csr_matrix])
def test_column_stats_match_numpy(make):
    X = np.random.default_rng(0).normal(size=(20000, 4)) * [1, 2, 3, 4] + 5
    X[X < 3] = 0
    stats = column_stats(make(X))
    np.testing.assert_allclose(stats["mean"], X.mean(axis=0))
    np.testing.assert_allclose(stats["var"], X.var(axis=0))
    np.testing.assert_allclose(stats["min"], X.min(axis=0))
    np.testing.assert_allclose(stats["max"], X.max(axis=0))
    np.testing.assert_allclose(stats["std"], X.std(axis=0))


@pytest.mark.parametrize("scale", [1e-300, 1e-170, 1e160, 1e300])
def test_dense_column_stats_hold_at_any_float64_scale(scale):
    X = np.random.default_rng(0).normal(size=(50, 3)) + [0, 3, -3]
    unit, scaled = column_stats(X), column_stats(X * scale)
    np.testing.assert_allclose(scaled["mean"] / scale, unit["mean"], rtol=1e-12)
    np.testing.assert_allclose(scaled["std"] / scale, unit["std"], rtol=1e-12)


@pytest.mark.parametrize("make", [np.asarray, sp.csr_matrix])
def test_pca_basis_matches_pca_where_one_column_dwarfs_the_rest(make):
    X = np.random.default_rng(0).normal(size=(300, 6)) * [1, 2, 3, 4, 5, 1e9]
    mean, components = pca_basis(make(X), 3)
    pca = PCA(3, svd_solver="full").fit(X)
    np.testing.assert_allclose(np.abs(components @ pca.components_.T), np.eye(3), atol=1e-9)


def test_a_wide_sparse_matrix_gets_its_dense_copys_basis():
    # beyond 4096 columns the basis comes from a randomized SVD, for sparse X as for dense
    # (another route would give another basis, so another autoencoder)
    X = sp.random(40, 4100, density=0.01, random_state=0, format="lil")
    X[:, 7] = np.nan  # missing entries count as the column's mean on both routes
    X = X.tocsr()
    sparse, dense = pca_basis(X, 5), pca_basis(X.toarray(), 5)
    np.testing.assert_array_equal(sparse[0], dense[0])
    np.testing.assert_array_equal(sparse[1], dense[1])


@pytest.mark.parametrize("load", [load_digits, load_breast_cancer,
                                  lambda: load_diabetes(scaled=False)])
def test_ordinary_tables_keep_the_covariance_route(load):
    # the R factor's SVD is the slow route, for ill-conditioned columns only
    X = load().data
    values = np.linalg.eigh(np.cov(X, rowvar=False) * (len(X) - 1))[0]
    assert all(covariance_resolves(values, k) for k in (1, 2, 5, 8))
    spiked = values.copy()
    spiked[-1] *= 1e20  # one column on a scale that dwarfs the rest
    assert not covariance_resolves(spiked, 2)


def test_global_scale():
    assert global_scale(np.array([1.0, 3.0])) == pytest.approx(np.sqrt(2.0))
    assert global_scale(np.zeros(3)) == 1.0


def test_values_beyond_float32_are_refused_before_the_cast():
    assert as_float32_rows(np.array([[-1e30, 1e30]])).dtype == np.float32
    with pytest.raises(ValueError, match="float32"):
        as_float32_rows(np.array([[0.0, 1e39]]))
    with pytest.raises(ValueError, match="float32"):
        as_float32_rows(sp.csr_matrix(np.array([[0.0, -1e39]])))


def test_as_float32_rows_copies_only_when_needed():
    X = np.ones((3, 2), dtype=np.float32)
    assert as_float32_rows(X) is X
    assert as_float32_rows(X.astype(np.float64)).dtype == np.float32
    assert sp.issparse(as_float32_rows(sp.csr_matrix(X)))


def test_resolve_device():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(ValueError, match="device='tpu'"):
        resolve_device("tpu")
