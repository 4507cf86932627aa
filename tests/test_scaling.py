"""Out-of-core training, parallel and distributed search."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from skae import AutoEncoderTransformer

FAST = {"hidden_layer_sizes": (8,), "max_iter": 2, "random_state": 0, "device": "cpu"}


def test_partial_fit_over_a_memmap_chunk_by_chunk(tmp_path):
    path = tmp_path / "big.dat"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(5000, 20))
    rng = np.random.default_rng(0)
    for start in range(0, 5000, 1000):
        X[start:start + 1000] = rng.normal(size=(1000, 20))
    X.flush()
    X = np.load(path, mmap_mode="r")
    ae = AutoEncoderTransformer(4, **FAST)
    for start in range(0, len(X), 500):
        ae.partial_fit(X[start:start + 500])
    assert ae.n_iter_ == 10
    assert np.isfinite(ae.transform(X[:100])).all()


def test_a_first_chunk_that_does_not_vary_warns():
    # its rows fix the standardisation for good: one row gives mean_ = that row, scale_ = 1
    X = np.random.default_rng(0).normal(size=(50, 5)) * 100
    with pytest.warns(UserWarning, match="these 1 row\\(s\\) do not vary") as caught:
        ae = AutoEncoderTransformer(2, **FAST).partial_fit(X[:1])
    assert caught[0].filename == __file__  # the caller's line
    assert ae.scale_ == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ae.partial_fit(X[1:2])  # later calls have nothing to warn about
        AutoEncoderTransformer(2, **FAST).partial_fit(X[:10])
        # cross-entropy does not standardise: one row fixes nothing
        AutoEncoderTransformer(2, reconstruction_loss="cross_entropy",
                               **FAST).partial_fit(np.full((1, 5), 0.5))


def test_dask_ml_incremental_over_a_dask_array():
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X = da.from_array(np.random.default_rng(0).normal(size=(600, 6)), chunks=(200, 6))
    inc = wrappers.Incremental(AutoEncoderTransformer(3, **FAST)).fit(X)
    assert inc.estimator_.n_iter_ == 3  # one partial_fit per block
    assert inc.transform(X).compute().shape == (600, 3)


def _threads(_):
    return torch.get_num_threads()


def test_joblib_workers_get_their_share_of_threads():
    from joblib import Parallel, delayed

    counts = Parallel(n_jobs=2)(delayed(_threads)(i) for i in range(2))
    assert all(c <= max(1, torch.get_num_threads() // 2) for c in counts)


def test_fit_leaves_the_callers_thread_setting_alone(small):
    before = torch.get_num_threads()
    AutoEncoderTransformer(2, **FAST).fit(small)
    assert torch.get_num_threads() == before


def test_grid_search_on_a_dask_local_cluster(digits):
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    X, _ = digits
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster), parallel_config(backend="dask"):
        search = GridSearchCV(AutoEncoderTransformer(**FAST), {"n_components": [2, 8]}, cv=2)
        search.fit(X[:300])
    assert search.best_params_ == {"n_components": 8}
