"""NaN means missing: every skae estimator trains on and applies to incomplete data."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import load_breast_cancer, load_digits

from skae import (
    AutoEncoderTransformer,
    DenoisingAutoEncoder,
    StackedAutoEncoder,
    StackedAutoEncoderClassifier,
    StackedAutoEncoderRegressor,
)
from skae._data import check_observed_rows, column_stats, may_hold_nan, pca_basis
from skae._modules import LayerAutoEncoder, PairLoss, fill_missing
from skae.noise import missing

FAST = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0, "device": "cpu"}


def holes(X, share=0.2, seed=0):
    X = np.array(X, dtype=np.float64)
    X[np.random.default_rng(seed).random(X.shape) < share] = np.nan
    X[np.isnan(X).all(axis=1), 0] = 1.0  # every row keeps an observed entry
    return X


@pytest.fixture(scope="module")
def digits():
    return load_digits().data[:300]


def test_column_stats_leave_missing_entries_out():
    X = np.array([[1.0, np.nan, 5.0], [3.0, np.nan, np.nan], [np.nan, np.nan, 7.0]])
    stats = column_stats(X)
    np.testing.assert_allclose(stats["mean"], [2.0, 0.0, 6.0])
    np.testing.assert_allclose(stats["var"], [1.0, 0.0, 1.0])
    np.testing.assert_allclose(stats["min"], [1.0, 0.0, 5.0])
    np.testing.assert_allclose(stats["max"], [3.0, 0.0, 7.0])
    sparse = column_stats(sp.csr_matrix(np.nan_to_num(X, nan=0.0)))
    assert np.all(np.isfinite(sparse["mean"]))
    assert stats["count"].tolist() == [2, 0, 2]
    # a cell stored twice is one entry; implicit zeros are observed
    twice = sp.csr_matrix((np.array([np.nan, np.nan, 5.0, 1.0, 2.0]), np.array([0, 0, 1, 0, 1]),
                           np.array([0, 3, 5])), shape=(2, 3))
    assert column_stats(twice)["count"].tolist() == [1, 2, 2]


def test_pca_basis_counts_missing_entries_as_the_mean():
    X = holes(np.random.default_rng(0).normal(size=(50, 4)))
    filled = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
    mean, components = pca_basis(X, 2)
    mean_f, components_f = pca_basis(filled, 2)
    np.testing.assert_allclose(mean, mean_f)
    np.testing.assert_allclose(components, components_f, atol=1e-10)


def test_check_observed_rows_names_the_empty_row():
    X = np.ones((4, 3))
    X[2] = np.nan
    with pytest.raises(ValueError, match="Row 2 of X is entirely missing"):
        check_observed_rows(X)
    S = sp.csr_matrix(np.ones((4, 3)))
    S.data[3:6] = np.nan  # row 1, all three stored entries
    with pytest.raises(ValueError, match="Row 1 of X"):
        check_observed_rows(S)
    S = sp.csr_matrix(np.array([[np.nan, 0.0, 0.0]]))  # implicit zeros are observed
    check_observed_rows(S)
    # a cell stored twice is one entry: two NaN in one cell leave another observed, and
    # NaN stored twice in each cell of a row leave nothing observed
    twice = sp.csr_matrix((np.full(4, np.nan), [0, 0, 1, 2], [0, 4]), shape=(1, 4))
    check_observed_rows(twice)
    every_cell_twice = sp.csr_matrix((np.full(6, np.nan), [0, 0, 1, 1, 2, 2], [0, 6]),
                                     shape=(1, 3))
    with pytest.raises(ValueError, match="Row 0 of X"):
        check_observed_rows(every_cell_twice)


def test_a_sparse_matrix_with_a_cell_stored_twice_fits_as_its_dense_sum():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    indices = np.tile([0, 0, 1, 2], 40)  # column 0 twice in each row: X[:, 0] split in two
    data = np.column_stack([X[:, 0] - 1.0, np.ones(40), X[:, 1:]]).ravel()
    S = sp.csr_matrix((data, indices, np.arange(0, 161, 4)), shape=(40, 3))
    assert not S.has_canonical_format and np.allclose(S.toarray(), X)
    stats, dense_stats = column_stats(S), column_stats(X)
    for key in ("mean", "var", "min", "max", "count"):
        np.testing.assert_allclose(stats[key], dense_stats[key], err_msg=key)
    sparse = AutoEncoderTransformer(2, **FAST).fit(S)
    dense = AutoEncoderTransformer(2, **FAST).fit(X)
    assert sparse.scale_ == pytest.approx(dense.scale_)
    np.testing.assert_allclose(sparse.transform(S), dense.transform(X), atol=1e-5)
    # finite cells stored twice that sum to infinity are infinity, as toarray() reads them
    S = sp.csr_matrix((data.astype(np.float32), indices, np.arange(0, 161, 4)), shape=(40, 3))
    S.data[:2] = 3e38  # each finite in float32, their sum not
    assert not S.has_canonical_format and np.isfinite(S.data).all()
    with pytest.raises(ValueError, match="Input X contains infinity: cells stored twice"):
        AutoEncoderTransformer(2, **FAST).fit(S)
    with pytest.raises(ValueError, match="Input X contains infinity: cells stored twice"):
        dense.transform(S)


def test_pair_loss_is_the_mean_over_observed_entries():
    reconstruction = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    target = torch.tensor([[0.0, np.nan], [3.0, 2.0]])
    assert float(PairLoss("mse")((reconstruction, target))) == pytest.approx((1 + 0 + 4) / 3)
    logits = torch.zeros(2, 2, requires_grad=True)
    loss = PairLoss("cross_entropy")((logits, torch.tensor([[1.0, np.nan], [0.0, 1.0]])))
    assert float(loss.detach()) == pytest.approx(np.log(2))
    loss.backward()
    assert logits.grad[0, 1] == 0 and torch.isfinite(logits.grad).all()


def test_fill_missing_and_its_indicator():
    z = torch.tensor([[1.0, np.nan]])
    assert fill_missing(z).tolist() == [[1.0, 0.0]]
    assert fill_missing(z, indicator=True).tolist() == [[1.0, 0.0, 1.0, 0.0]]


CROSS_ENTROPY = {"activation": "sigmoid", "reconstruction_loss": "cross_entropy"}


@pytest.mark.parametrize("make", [
    lambda: AutoEncoderTransformer(4, **CROSS_ENTROPY, **FAST),
    lambda: DenoisingAutoEncoder(4, noise="missing", **CROSS_ENTROPY, **FAST),
    lambda: StackedAutoEncoder(4, pretrain_max_iter=2, **CROSS_ENTROPY, **FAST),
], ids=["ae", "dae", "stacked"])
def test_a_missing_entry_enters_at_its_column_mean_without_standardisation(make, digits):
    # a cross-entropy model does not standardise (mean_ 0): a missing entry must still
    # enter as its column's mean, not as 0
    X = holes(digits / 16)
    est = make().fit(X)
    assert not est.mean_.any()
    row = X[:1].copy()
    row[0, 20] = np.nan
    at_mean, at_zero = row.copy(), row.copy()
    at_mean[0, 20], at_zero[0, 20] = np.nanmean(X[:, 20]), 0.0
    np.testing.assert_allclose(est.transform(row), est.transform(at_mean), rtol=1e-6)
    assert not np.allclose(est.transform(row), est.transform(at_zero))
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(row), est.transform(row))


def test_missing_noise_is_not_masking_under_cross_entropy(digits):
    fit = dict(CROSS_ENTROPY, **FAST, early_stopping=False)
    X = digits / 16
    masking = DenoisingAutoEncoder(4, noise="masking", **fit).fit(X)
    missing_ = DenoisingAutoEncoder(4, noise="missing", **fit).fit(X)
    assert masking.loss_curve_ != missing_.loss_curve_


def test_a_pretrained_layer_fills_a_missing_code_at_its_mean():
    layer = LayerAutoEncoder(3, 2, "relu", "relu", True, mean=np.zeros(3), scale=1.0,
                             center=np.array([0.5, 2.0, 0.0]))
    x = torch.tensor([[np.nan, 1.0, np.nan]])
    torch.testing.assert_close(layer.encode(x), layer.encode(torch.tensor([[0.5, 1.0, 0.0]])))


def test_missing_noise_hides_entries_as_nan():
    x = torch.ones(200, 50)
    hidden = torch.isnan(missing(x, 0.3, {}, torch.Generator().manual_seed(0)))
    assert 0.25 < float(hidden.float().mean()) < 0.35


@pytest.mark.parametrize("estimator", [
    AutoEncoderTransformer(4, **FAST),
    AutoEncoderTransformer(4, **FAST, init="random", early_stopping=False),
    DenoisingAutoEncoder(4, noise="missing", **FAST),
    DenoisingAutoEncoder(4, code_activation="sigmoid", tied_weights=True, **FAST),
    StackedAutoEncoder(n_components=4, pretrain_max_iter=2, **FAST),
], ids=repr)
def test_autoencoders_fit_transform_and_score_incomplete_data(estimator, digits):
    X = holes(digits)
    codes = estimator.fit(X).transform(X)
    assert np.isfinite(codes).all()
    scores = estimator.score_samples(X)
    assert np.isfinite(scores).all()
    # the score averages each row's squared error over its observed entries
    rec = estimator.inverse_transform(codes)
    expected = -np.nanmean((rec - X) ** 2, axis=1)
    np.testing.assert_allclose(scores, expected, rtol=1e-4)


def test_partial_fit_and_sparse_input_with_missing_entries(digits):
    X = holes(digits)
    ae = AutoEncoderTransformer(4, **FAST)
    ae.partial_fit(X[:150]).partial_fit(X[150:])
    assert np.isfinite(ae.transform(X)).all()
    S = sp.csr_matrix(np.nan_to_num(digits))
    S.data[::5] = np.nan
    assert np.isfinite(AutoEncoderTransformer(4, **FAST).fit(S).transform(S)).all()


def test_the_standardisation_uses_observed_entries_only(digits):
    X = holes(digits)
    ae = AutoEncoderTransformer(4, **FAST).fit(X)
    np.testing.assert_allclose(ae.mean_, np.nanmean(X, axis=0), rtol=1e-6)


@pytest.mark.parametrize("method", ["fit", "transform", "score_samples"])
def test_an_entirely_missing_row_is_an_error_naming_it(method, digits):
    X = holes(digits)
    ae = AutoEncoderTransformer(4, **FAST).fit(X)
    bad = X.copy()
    bad[7] = np.nan
    with pytest.raises(ValueError, match="Row 7 of X is entirely missing"):
        getattr(ae, method)(bad)


@pytest.mark.parametrize("make, method", [
    (lambda: AutoEncoderTransformer(4, **FAST), "fit"),
    (lambda: AutoEncoderTransformer(4, **FAST), "partial_fit"),
    (lambda: StackedAutoEncoderRegressor(**FAST), "fit"),
])
@pytest.mark.parametrize("sparse", [False, True])
def test_a_column_with_nothing_observed_warns(digits, make, method, sparse):
    X = holes(digits)
    X[:, [3, 9]] = np.nan
    X = sp.csr_matrix(np.nan_to_num(X, nan=-1.0)) if sparse else X
    if sparse:
        X.data[X.data == -1.0] = np.nan
    args = (X, digits[:, 30]) if "Regressor" in repr(make()) else (X,)
    with pytest.warns(UserWarning, match=rf"{method}: column\(s\) 3, 9 of X have no observed"):
        getattr(make(), method)(*args)
    # a later chunk's empty column is only missing: the standardisation is already set
    est = AutoEncoderTransformer(4, **FAST).partial_fit(holes(digits))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        est.partial_fit(X)


def test_infinity_is_still_an_error(digits):
    X = holes(digits)
    X[3, 3] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        AutoEncoderTransformer(4, **FAST).fit(X)


def test_supervised_estimators_train_on_incomplete_data():
    X, y = load_breast_cancer(return_X_y=True)
    X = holes(X[:200])
    clf = StackedAutoEncoderClassifier(hidden_layer_sizes=(16,), max_iter=100,
                                       learning_rate=1e-2,
                                       pretraining="denoising", pretrain_max_iter=2,
                                       random_state=0, device="cpu").fit(X, y[:200])
    assert clf.score(X, y[:200]) > 0.9
    reg = StackedAutoEncoderRegressor(hidden_layer_sizes=(16,), max_iter=5,
                                      pretrain_max_iter=2, random_state=0,
                                      device="cpu").fit(X, y[:200].astype(float))
    assert np.isfinite(reg.predict(X)).all()


def test_a_failed_fit_on_incomplete_data_leaves_the_model_as_it_was(digits):
    X = holes(digits)
    ae = AutoEncoderTransformer(4, **FAST).fit(X)
    before = ae.transform(X)
    bad = X.copy()
    bad[0] = np.nan
    with pytest.raises(ValueError, match="Row 0"):
        ae.fit(bad)
    np.testing.assert_array_equal(ae.transform(X), before)


@pytest.mark.parametrize("kind", ["mse", "cross_entropy"])
def test_the_loss_for_complete_targets_equals_the_masked_one(kind):
    g = torch.Generator().manual_seed(0)
    reconstruction, target = torch.randn(8, 5, generator=g), torch.rand(8, 5, generator=g)
    torch.testing.assert_close(PairLoss(kind, complete=True)((reconstruction, target)),
                               PairLoss(kind)((reconstruction, target)))


def test_a_fit_masks_its_loss_only_when_the_data_miss_entries(digits):
    X = digits[:300]
    fast = dict(init="random", max_iter=2, early_stopping=False, random_state=0)
    assert AutoEncoderTransformer(4, **fast).fit(X).net_.criterion_.complete
    assert not AutoEncoderTransformer(4, **fast).fit(holes(X)).net_.criterion_.complete
    # a later chunk with missing entries gets a masked loss: its training stays finite
    ae = AutoEncoderTransformer(4, **fast).partial_fit(X[:150])
    ae.partial_fit(holes(X[150:]))
    assert not ae.net_.criterion_.complete and np.isfinite(ae.loss_curve_).all()


def test_may_hold_nan_dense_and_sparse():
    X = np.eye(3)
    assert not may_hold_nan(X) and not may_hold_nan(sp.csr_matrix(X))
    X[1, 2] = np.nan
    assert may_hold_nan(X) and may_hold_nan(sp.csr_matrix(X))
    assert not may_hold_nan(np.empty((0, 3)))
