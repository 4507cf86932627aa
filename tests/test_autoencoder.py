import copy
import pickle
import warnings
from unittest import mock

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skae import AutoEncoderTransformer, StackedAutoEncoderRegressor
from skae._feeding import hold_out, n_held_out

FAST = {"hidden_layer_sizes": (16,), "max_iter": 5, "random_state": 0, "device": "cpu",
        "init": "random", "early_stopping": False}


def linear_ae(k, **kwargs):
    return AutoEncoderTransformer(k, hidden_layer_sizes=(), activation="identity",
                                  solver="lbfgs", device="cpu", random_state=0, **kwargs)


def test_linear_autoencoder_learns_pca_subspace(digits):
    X, _ = digits
    pca = PCA(8).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = linear_ae(8, max_iter=30, alpha=0.0).fit(X)
    decoder = ae.module_.decoder[0].weight.detach().numpy()  # (64, 8)
    angle = np.degrees(subspace_angles(decoder, pca.components_.T).max())
    assert angle <= 2.0
    pca_mse = np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2)
    assert -ae.score(X) <= 1.02 * pca_mse


def test_hidden_layer_reconstructs_better_than_pca(digits):
    X, _ = digits
    X_train, X_test = X[:1400], X[1400:]
    pca = PCA(8).fit(X_train)
    pca_mse = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    ae = AutoEncoderTransformer(8, max_iter=60, random_state=0, device="cpu").fit(X_train)
    assert -ae.score(X_test) < 0.9 * pca_mse


def test_pipeline_grid_search_in_parallel(digits):
    X, y = digits
    pipe = make_pipeline(AutoEncoderTransformer(**FAST), LogisticRegression(max_iter=500))
    search = GridSearchCV(pipe, {"autoencodertransformer__n_components": [4, 8]}, n_jobs=2, cv=2)
    search.fit(X[:400], y[:400])
    assert search.best_score_ > 0.5


def test_unsupervised_grid_search_prefers_more_components(digits):
    X, _ = digits
    search = GridSearchCV(linear_ae(None, max_iter=10), {"n_components": [2, 16]}, cv=2)
    search.fit(X[:600])
    assert search.best_params_ == {"n_components": 16}


def test_same_random_state_fits_bit_identical(small):
    a = AutoEncoderTransformer(3, **FAST).fit(small)
    b = AutoEncoderTransformer(3, **FAST).fit(small)
    c = AutoEncoderTransformer(3, **{**FAST, "random_state": 1}).fit(small)
    assert np.array_equal(a.transform(small), b.transform(small))
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.transform(small), c.transform(small))


def test_fit_leaves_global_random_state_alone(small):
    torch.manual_seed(123)
    np.random.seed(7)
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    AutoEncoderTransformer(3, **FAST).fit(small)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state)


def test_pickle_round_trip_gives_identical_codes(small):
    ae = AutoEncoderTransformer(3, **FAST).fit(small)
    clone = pickle.loads(pickle.dumps(ae))
    assert np.array_equal(ae.transform(small), clone.transform(small))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_dtype_follows_input(small, dtype):
    ae = AutoEncoderTransformer(3, **FAST).fit(small.astype(dtype))
    assert ae.transform(small.astype(dtype)).dtype == dtype
    assert ae.inverse_transform(ae.transform(small.astype(dtype))).dtype == dtype


def test_standardises_internally_and_undoes_it(small):
    ae = AutoEncoderTransformer(**FAST).fit(small * 1e4)
    assert np.allclose(ae.mean_, (small * 1e4).mean(axis=0))
    assert ae.scale_ == pytest.approx(np.sqrt((small * 1e4).var(axis=0).mean()))
    reconstruction = ae.inverse_transform(ae.transform(small * 1e4))
    assert np.abs(reconstruction.mean(axis=0) - ae.mean_).max() < 0.5 * ae.scale_


def test_pandas_output_and_inverse_transform_keeps_column_names(small):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(small, columns=[f"f{i}" for i in range(6)])
    ae = AutoEncoderTransformer(2, **FAST).set_output(transform="pandas")
    Z = ae.fit_transform(df)
    assert list(Z.columns) == ["autoencodertransformer0", "autoencodertransformer1"]
    back = ae.inverse_transform(Z)
    assert isinstance(back, pd.DataFrame)
    assert list(back.columns) == list(df.columns)
    assert back.index.equals(Z.index)


def test_polars_inverse_transform(small):
    pl = pytest.importorskip("polars")
    df = pl.DataFrame(small, schema=[f"f{i}" for i in range(6)], orient="row")
    ae = AutoEncoderTransformer(2, **FAST).set_output(transform="polars").fit(df)
    assert isinstance(ae.transform(df), pl.DataFrame)
    assert ae.inverse_transform(ae.transform(df)).columns == df.columns


def test_sparse_csr_matches_dense(small):
    dense = np.where(small > 12, small, 0.0)
    a = AutoEncoderTransformer(3, **FAST).fit(dense)
    b = AutoEncoderTransformer(3, **FAST).fit(sp.csr_matrix(dense))
    np.testing.assert_allclose(a.transform(dense), b.transform(sp.csr_matrix(dense)), rtol=1e-5)


def test_read_only_memmap(tmp_path, small):
    path = tmp_path / "X.npy"
    np.save(path, small.astype(np.float32))
    X = np.load(path, mmap_mode="r")
    ae = AutoEncoderTransformer(3, **FAST).fit(X)
    assert ae.transform(X).shape == (60, 3)


def test_score_samples_is_negative_row_mse(small):
    ae = AutoEncoderTransformer(3, **FAST).fit(small)
    expected = -((ae.inverse_transform(ae.transform(small)) - small) ** 2).mean(axis=1)
    np.testing.assert_allclose(ae.score_samples(small), expected, rtol=1e-6)
    assert ae.score(small) == pytest.approx(expected.mean())


def test_feature_names_out(small):
    ae = AutoEncoderTransformer(3, **FAST).fit(small)
    assert list(ae.get_feature_names_out()) == [f"autoencodertransformer{i}" for i in range(3)]


def test_n_components_none_keeps_all_features(small):
    assert AutoEncoderTransformer(**FAST).fit(small).n_components_ == 6


def test_max_iter_reached_warns():
    X = np.random.default_rng(0).normal(size=(50, 4))
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        AutoEncoderTransformer(2, **FAST).fit(X)


def test_stops_once_loss_stops_improving(small):
    ae = AutoEncoderTransformer(3, **{**FAST, "max_iter": 100}, tol=10.0, n_iter_no_change=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ae.fit(small)
    assert ae.n_iter_ == 3  # the first epoch improves on nothing, then two misses
    assert len(ae.loss_curve_) == ae.n_iter_


def test_early_stopping_records_validation_scores(small):
    ae = AutoEncoderTransformer(3, **{**FAST, "early_stopping": True}).fit(small)
    assert len(ae.validation_scores_) == ae.n_iter_
    assert all(s <= 0 for s in ae.validation_scores_)
    assert AutoEncoderTransformer(3, **FAST).fit(small).validation_scores_ is None


def test_partial_fit_trains_one_epoch_per_call(small):
    ae = AutoEncoderTransformer(3, **FAST)
    with warnings.catch_warnings():
        # one epoch is what partial_fit is asked for, the first call included: no
        # ConvergenceWarning (as scikit-learn's MLP partial_fit)
        warnings.simplefilter("error", ConvergenceWarning)
        for chunk in np.array_split(small, 3):
            ae.partial_fit(chunk)
    assert ae.n_iter_ == 3
    np.testing.assert_allclose(ae.mean_, small[:20].mean(axis=0))


def test_warm_start_continues_training(small):
    ae = AutoEncoderTransformer(3, **FAST, warm_start=True).fit(small)
    first = ae.net_
    ae.fit(small)
    # a copy is trained (the fit is a transaction); the history carries on
    assert ae.net_ is not first and ae.n_iter_ == 10
    assert ae.net_.history[:5, "train_loss"] == first.history[:, "train_loss"]


def test_a_warm_start_with_early_stopping_never_ends_worse_than_it_began(digits):
    # it holds out the first fit's rows, its start is a candidate (its epoch 0), and
    # best_epoch_ counts epochs over all calls, as n_iter_ does (a hostile trial: a
    # warm fit at a larger step kept weights worse on its own held-out rows)
    X = digits[0]
    ae = AutoEncoderTransformer(8, hidden_layer_sizes=(64,), max_iter=15, random_state=0,
                                warm_start=True, device="cpu")
    with mock.patch("skae._base.hold_out", wraps=hold_out) as split:
        ae.fit(X)
        first_best, first_n, before = ae.best_epoch_, ae.n_iter_, copy.deepcopy(ae)
        ae.set_params(learning_rate=0.05, n_iter_no_change=3).fit(X)
    seeds = [call.args[2] for call in split.call_args_list]
    assert seeds[0] == seeds[1]
    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seeds[0]))
    held_out = X[order[:n_held_out(len(X), 0.1)].numpy()]
    assert ae.score(held_out) >= before.score(held_out)
    assert len(ae.validation_scores_) == ae.n_iter_ > first_n
    if ae.best_epoch_ == first_best:  # the start kept
        np.testing.assert_array_equal(ae.transform(X), before.transform(X))
    else:
        assert first_n < ae.best_epoch_ <= ae.n_iter_


def test_a_warm_start_that_turns_early_stopping_on_records_its_scores(small):
    # validation_scores_ was None: it needed a score for every epoch of every call
    ae = AutoEncoderTransformer(3, **{**FAST, "early_stopping": False}, warm_start=True)
    ae.fit(small).set_params(early_stopping=True).fit(small)
    scores = np.asarray(ae.validation_scores_)
    assert len(scores) == ae.n_iter_ == len(ae.loss_curve_)
    assert np.isnan(scores[:5]).all() and np.isfinite(scores[5:]).all()
    assert ae.best_epoch_ >= 5


def test_verbose_prints_epochs_and_quiet_prints_nothing(small, capsys):
    AutoEncoderTransformer(3, **FAST).fit(small)
    assert capsys.readouterr().out == ""
    AutoEncoderTransformer(3, **FAST, verbose=1).fit(small)
    out = capsys.readouterr().out
    assert "train_loss" in out and out.count("\n") >= 5
    AutoEncoderTransformer(3, **FAST, batch_size=4, verbose=1).fit(small)
    assert "%|" not in capsys.readouterr().err  # the progress bar is verbose=2's
    AutoEncoderTransformer(3, **FAST, batch_size=4, verbose=2).fit(small)
    assert "%|" in capsys.readouterr().err


def test_verbose_heads_each_pretraining_table(small, capsys):
    from skae import StackedAutoEncoder

    StackedAutoEncoder(2, hidden_layer_sizes=(4,), pretrain_max_iter=1, max_iter=1,
                       random_state=0, device="cpu", verbose=1).fit(small)
    heads = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert heads == [f"[StackedAutoEncoder] pre-training layer 1 of 2: {small.shape[1]} -> 4 "
                     "units", "[StackedAutoEncoder] pre-training layer 2 of 2: 4 -> 2 units",
                     "[StackedAutoEncoder] fine-tuning the whole network"]


def test_move_to_device(small):
    ae = AutoEncoderTransformer(3, **FAST).fit(small)
    codes = ae.transform(small)
    assert ae.to("cpu") is ae
    assert ae.device_ == torch.device("cpu")
    np.testing.assert_array_equal(ae.transform(small), codes)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fit_matches_cpu_and_moves_back(small):
    cpu = AutoEncoderTransformer(3, **FAST).fit(small)
    gpu = AutoEncoderTransformer(3, **{**FAST, "device": "cuda"}).fit(small)
    assert gpu.device_.type == "cuda"
    np.testing.assert_allclose(gpu.transform(small), cpu.transform(small), rtol=1e-3, atol=1e-3)
    restored = pickle.loads(pickle.dumps(gpu.to("cpu")))
    assert next(restored.module_.parameters()).device.type == "cpu"


# ---- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("value, name", [(np.inf, "infinity"), (-np.inf, "infinity")])
def test_non_finite_input_is_named(small, value, name):  # NaN means missing (test_missing)
    X = small.copy()
    X[3, 2] = value
    with pytest.raises(ValueError, match=name):
        AutoEncoderTransformer(**FAST).fit(X)


def test_wrong_width_at_transform(small):
    ae = AutoEncoderTransformer(3, **FAST).fit(small)
    with pytest.raises(ValueError, match="X has 5 features"):
        ae.transform(small[:, :5])
    with pytest.raises(ValueError, match="n_components=3"):
        ae.inverse_transform(np.zeros((2, 4)))


def test_too_many_components(small):
    with pytest.raises(ValueError, match="n_components=7 must be at most"):
        AutoEncoderTransformer(7, **FAST).fit(small)


def test_strings_and_empty_input():
    with pytest.raises(ValueError, match="convert"):
        AutoEncoderTransformer(**FAST).fit([["a", "b"], ["c", "d"]])
    with pytest.raises(ValueError, match="0 sample"):
        AutoEncoderTransformer(**FAST).fit(np.empty((0, 3)))


def test_values_beyond_float32_range(small):
    with pytest.raises(ValueError, match="float32"):
        AutoEncoderTransformer(**FAST).fit(small * 1e300)


@pytest.mark.parametrize("params, name", [
    ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
    ({"activation": "swish"}, "activation"),
    ({"n_components": 0}, "n_components"),
    ({"learning_rate": -1.0}, "learning_rate"),
    ({"device": "tpu"}, "device"),
])
def test_invalid_parameters_are_named(small, params, name):
    with pytest.raises(ValueError, match=name):
        AutoEncoderTransformer(**{**FAST, **params}).fit(small)


def test_divergence_raises_and_leaves_estimator_unfitted(small):
    ae = AutoEncoderTransformer(3, **{**FAST, "hidden_layer_sizes": (), "activation": "identity"},
                                learning_rate=1e9, alpha=0.0)
    with pytest.raises(FloatingPointError, match="diverged"):
        ae.fit(small * 1e3)
    assert not hasattr(ae, "net_")


@pytest.mark.parametrize("offset", [1e8, 1e5])
@pytest.mark.parametrize("method", ["fit", "partial_fit", "regressor"])
def test_a_column_too_coarse_for_float32_warns(offset, method):
    # values near 1e8 varying by 1: float32 steps there are 8
    X = np.random.default_rng(0).normal(size=(200, 3))
    X[:, 0] += offset
    est = (StackedAutoEncoderRegressor((4,), max_iter=2, pretraining="none", device="cpu")
           if method == "regressor" else AutoEncoderTransformer(2, max_iter=2, device="cpu"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if method == "regressor":
            est.fit(X, X[:, 1])
        else:
            getattr(est, method)(X)
    coarse = [w for w in caught if "vary little for their size" in str(w.message)]
    assert len(coarse) == (offset > 1e6)
    if coarse:
        assert "column(s) 0 of X" in str(coarse[0].message)
        assert coarse[0].filename == __file__  # the user's line


def test_the_column_warnings_name_a_frames_columns():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 3)), columns=["a", "b", "c"])
    X["b"] += 1e8
    X["c"] = np.nan
    X.iloc[0, 2] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        AutoEncoderTransformer(1, max_iter=2, device="cpu").fit(X)
    messages = [str(w.message) for w in caught]
    assert any("column(s) 'b' of X vary little" in m for m in messages)
    assert any("column(s) 'c' of X have no observed entry" in m for m in messages)


def test_warnings_under_cross_validation_point_at_the_users_line():
    from sklearn.model_selection import cross_val_score

    X = np.random.default_rng(0).normal(size=(200, 3))
    X[:, 0] += 1e8
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cross_val_score(AutoEncoderTransformer(2, max_iter=2, device="cpu"), X, cv=2)
    ours = [w for w in caught if issubclass(w.category, (UserWarning, ConvergenceWarning))
            and ("vary little" in str(w.message) or "Maximum iterations" in str(w.message))]
    assert len(ours) == 4 and all(w.filename == __file__ for w in ours)
