"""AutoEncoderImputer: scikit-learn's imputer API over a denoising autoencoder."""

import pickle

import numpy as np
import pytest
from sklearn import clone, config_context
from sklearn.datasets import load_breast_cancer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import AutoEncoderImputer

FAST = {"hidden_layer_sizes": (32,), "max_iter": 30, "random_state": 0, "device": "cpu"}


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(0)
    missing = rng.random(X.shape) < 0.3
    missing[missing.all(axis=1), 0] = False
    return X, np.where(missing, np.nan, X), missing, y


def rmse(X_filled, X, missing):
    return np.sqrt(np.mean(((X_filled - X) / X.std(axis=0))[missing] ** 2))


@pytest.fixture(scope="module")
def fitted(cancer):
    return AutoEncoderImputer(**FAST).fit(cancer[1])


def test_only_missing_entries_change_bit_for_bit(cancer, fitted):
    _, X_missing, missing, _ = cancer
    filled = fitted.transform(X_missing)
    assert filled.dtype == np.float64 and not np.isnan(filled).any()
    assert np.array_equal(filled[~missing], X_missing[~missing])
    for dtype in (np.float32, np.float16):  # X's own dtype, as scikit-learn's imputers keep it
        X_small = (X_missing / 100).astype(dtype)  # within float16's range
        filled_small = fitted.transform(X_small)
        assert filled_small.dtype == dtype and not np.isnan(filled_small).any()
        assert np.array_equal(filled_small[~missing], X_small[~missing])


def test_fills_stay_within_each_columns_observed_range(cancer, fitted):
    _, X_missing, missing, _ = cancer
    X_far = X_missing * 100.0  # the rows are far off the training rows' scale
    filled = fitted.transform(X_far)
    low, high = np.nanmin(X_missing, axis=0), np.nanmax(X_missing, axis=0)
    fills = np.where(missing, filled, np.nan)
    assert np.all((np.nan_to_num(fills, nan=low) >= low) & (np.nan_to_num(fills, nan=high) <= high))


def test_fills_beat_the_column_means(cancer, fitted):
    X, X_missing, missing, _ = cancer
    mean_fill = SimpleImputer().fit_transform(X_missing)
    assert rmse(fitted.transform(X_missing), X, missing) < 0.8 * rmse(mean_fill, X, missing)


def test_data_with_nothing_missing_fits_and_comes_back_unchanged(cancer):
    X = cancer[0]
    imputer = AutoEncoderImputer(**{**FAST, "max_iter": 2}).fit(X)
    assert np.array_equal(imputer.transform(X), X)


def test_pandas_na_as_missing_values_means_nan(cancer):
    # SimpleImputer takes missing_values=pd.NA; a nullable column's NA is NaN as floats
    pd = pytest.importorskip("pandas")
    _, X_missing, _, _ = cancer
    frame = pd.DataFrame(X_missing).astype("Float64")
    imputer = AutoEncoderImputer(missing_values=pd.NA, **FAST).fit(frame)
    np.testing.assert_array_equal(imputer.transform(frame),
                                  AutoEncoderImputer(**FAST).fit_transform(X_missing))
    assert imputer.__sklearn_tags__().input_tags.allow_nan
    assert np.isnan(pickle.loads(pickle.dumps(imputer))._placeholder)


def test_a_number_as_missing_values(cancer):
    _, X_missing, missing, _ = cancer
    X_coded = np.where(missing, -1.0, X_missing)
    filled = AutoEncoderImputer(missing_values=-1.0, **FAST).fit_transform(X_coded)
    reference = AutoEncoderImputer(**FAST).fit_transform(X_missing)
    np.testing.assert_array_equal(filled, reference)
    with pytest.raises(ValueError, match="NaN"):
        AutoEncoderImputer(missing_values=-1.0, **FAST).fit(X_missing)


@pytest.mark.parametrize("bad, match", [
    ({"missing_values": "?"}, "missing_values"),
    ({"missing_values": None}, "missing_values"),
    ({"missing_values": np.inf}, "missing_values"),
    ({"noise_ratio": 1.0}, "noise_ratio"),
])
def test_bad_parameters_are_named(cancer, bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        AutoEncoderImputer(**FAST, **bad).fit(cancer[1])


def test_bad_input_is_named(cancer):
    X = cancer[1].copy()
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        AutoEncoderImputer(**FAST).fit(X)
    with pytest.raises(ValueError, match="could not convert|numbers"):
        AutoEncoderImputer(**FAST).fit([["a", "b"], ["c", "d"]])


@pytest.mark.parametrize("missing_values", [np.nan, -1.0])
def test_rows_with_nothing_observed_are_left_out_of_training(cancer, missing_values):
    # as in scikit-learn's imputers, X with such rows fits (a one-column X with a hole
    # too), to the model fitted without them; transform fills them
    X = cancer[1] if np.isnan(missing_values) else np.where(cancer[2], -1.0, cancer[0])
    with_empty = X.copy()
    with_empty[[5, 40]] = missing_values
    imputer = AutoEncoderImputer(missing_values=missing_values, **FAST)
    rows = np.r_[0:5, 6:40, 41:len(X)]
    expected = clone(imputer).fit(X[rows]).transform(X[rows])
    # (the column means, summed over other rows, may differ in their last bit)
    np.testing.assert_allclose(imputer.fit(with_empty).transform(X[rows]), expected,
                               rtol=1e-12)
    assert not np.isnan(imputer.transform(with_empty)).any()
    column = np.array([[1.0], [np.nan], [3.0], [2.0]] * 5)
    assert not np.isnan(AutoEncoderImputer(**FAST).fit_transform(column)).any()


def test_early_stopping_counts_the_rows_with_an_observed_entry():
    X = np.full((5, 3), np.nan)
    X[0] = [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="early_stopping .* X has 1 of 5 rows"):
        AutoEncoderImputer(early_stopping=True, **FAST).fit(X)


@pytest.mark.parametrize("scale", [1e-170, 1e160, 1e300])
def test_fills_follow_the_data_at_any_float64_scale(scale):
    # the column statistics are taken on each column divided by a power of two, so
    # squares neither underflow (all fills at the column maximum) nor overflow
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    X[::4, 1] = np.nan
    params = {**FAST, "hidden_layer_sizes": (8,), "max_iter": 5}
    unit = AutoEncoderImputer(**params).fit(X)
    scaled = AutoEncoderImputer(**params).fit(X * scale)
    np.testing.assert_allclose(scaled.scale_ / scale, unit.scale_, rtol=1e-12)
    np.testing.assert_allclose(scaled.transform(X * scale) / scale, unit.transform(X),
                               rtol=1e-6)


def test_a_column_too_wide_to_centre_is_named():
    X = np.random.default_rng(0).normal(size=(20, 3))
    X[::4, 1] = np.nan
    X[:5, 2], X[5:, 2] = -1.7e308, 1.7e308
    with pytest.raises(ValueError, match="Column 2 of X spans more than float64"):
        AutoEncoderImputer(**FAST).fit(X)


def test_a_failed_fit_leaves_the_imputer_as_it_was(cancer, fitted):
    imputer = pickle.loads(pickle.dumps(fitted))
    before = imputer.transform(cancer[1])
    X = cancer[1].copy()
    X[5, 3] = np.inf
    with pytest.raises(ValueError):
        imputer.fit(X)
    np.testing.assert_array_equal(imputer.transform(cancer[1]), before)


def test_empty_features_are_dropped_or_kept():
    X = np.array([[1.0, np.nan, 2.0], [2.0, np.nan, np.nan], [3.0, np.nan, 4.0],
                  [np.nan, np.nan, 5.0]] * 5)
    dropped = AutoEncoderImputer(**FAST).fit(X)
    assert dropped.transform(X).shape == (20, 2)
    assert list(dropped.get_feature_names_out()) == ["x0", "x2"]
    kept = AutoEncoderImputer(**FAST, keep_empty_features=True).fit(X)
    out = kept.transform(X)
    assert out.shape == (20, 3) and np.all(out[:, 1] == 0)
    # an entry observed later in a column empty in fit is kept as it is
    X_new = X.copy()
    X_new[0, 1] = 7.0
    assert kept.transform(X_new)[0, 1] == 7.0


def test_add_indicator_and_pandas_output(cancer):
    pd = pytest.importorskip("pandas")
    data = load_breast_cancer(as_frame=True).frame.drop(columns="target")
    data = data.mask(cancer[2])
    data["mean radius"] = data["mean radius"].fillna(14.0)  # a column with nothing missing
    imputer = AutoEncoderImputer(**FAST, add_indicator=True).set_output(transform="pandas")
    out = imputer.fit_transform(data)
    assert isinstance(out, pd.DataFrame)
    assert "missingindicator_mean radius" not in out.columns
    assert "missingindicator_mean texture" in out.columns
    assert out.shape[1] == 30 + 29
    assert not out.isna().any().any()
    np.testing.assert_array_equal(out["missingindicator_mean texture"],
                                  data["mean texture"].isna())


@pytest.mark.parametrize("output", ["pandas", "polars"])
def test_add_indicator_under_a_global_output_setting(cancer, output):
    # the inner MissingIndicator once followed set_config too and returned a frame that
    # transform could not stack (polars: AttributeError)
    pytest.importorskip(output)
    with config_context(transform_output=output):
        out = AutoEncoderImputer(**FAST, add_indicator=True).fit_transform(cancer[1])
    assert type(out).__module__.split(".")[0] == output
    assert out.shape == (len(cancer[1]), 60)


def test_sample_posterior_draws_depend_on_the_seed(cancer):
    _, X_missing, missing, _ = cancer
    draws = [AutoEncoderImputer(**{**FAST, "random_state": s}, sample_posterior=True)
             .fit(X_missing) for s in (0, 0, 1)]
    first, again, other = (d.transform(X_missing) for d in draws)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(draws[0].transform(X_missing), first)
    assert not np.array_equal(first[missing], other[missing])
    best = AutoEncoderImputer(**FAST).fit(X_missing)
    assert not np.array_equal(best.transform(X_missing)[missing], first[missing])
    assert np.array_equal(first[~missing], X_missing[~missing])


def test_first_step_of_a_pipeline_under_grid_search(cancer):
    _, X_missing, _, y = cancer
    model = make_pipeline(AutoEncoderImputer(**{**FAST, "max_iter": 10}), StandardScaler(),
                          LogisticRegression(max_iter=1000))
    search = GridSearchCV(model, {"autoencoderimputer__noise_ratio": [0.1, 0.4]}, cv=2)
    search.fit(X_missing, y)
    assert search.best_score_ > 0.9


def test_early_stopping_scores_the_filled_in_entries(cancer):
    imputer = AutoEncoderImputer(**{**FAST, "max_iter": 200}, early_stopping=True,
                                 n_iter_no_change=3).fit(cancer[1])
    autoencoder = imputer.autoencoder_
    assert imputer.n_iter_ < 200
    assert len(autoencoder.validation_scores_) == imputer.n_iter_
    assert 1 <= autoencoder.best_epoch_ <= imputer.n_iter_


def test_fill_check_hides_a_seeded_share_and_scores_only_those(cancer, fitted):
    import torch

    from skae._feeding import TensorData
    from skae._training import FillCheck

    Z = ((cancer[1] - fitted.mean_) / fitted.scale_).astype(np.float32)
    data = TensorData(torch.from_numpy(Z), device="cpu")
    check = FillCheck(data, 0.25, seed=0)
    hidden = ~torch.isnan(check.target)
    observed = ~np.isnan(Z)
    assert not hidden.numpy()[~observed].any()  # only observed entries are hidden
    assert abs(hidden.numpy()[observed].mean() - 0.25) < 0.02
    assert torch.equal(torch.isnan(check.inputs), torch.from_numpy(~observed) | hidden)
    assert torch.equal(FillCheck(data, 0.25, seed=0).target.isnan(), check.target.isnan())

    net = fitted.autoencoder_.net_
    module = net.module_.eval()
    with torch.no_grad():
        reconstruction = module(check.inputs)[0]
        target = module.standardize(check.target)
    expected = float(((reconstruction - target)[hidden] ** 2).mean())
    assert check.loss(net) == pytest.approx(expected, rel=1e-5)


def test_fill_check_hides_one_entry_at_least():
    import torch

    from skae._feeding import TensorData
    from skae._training import FillCheck

    # 4 observed entries at a share of 0.01: the draw hides none, so the check hides the
    # one drawn lowest (a check over nothing would score 0 every epoch)
    data = TensorData(torch.tensor([[0.5, float("nan"), 1.0], [2.0, 3.0, float("nan")]]),
                      device="cpu")
    check = FillCheck(data, 0.01, seed=0)
    assert int((~torch.isnan(check.target)).sum()) == 1
