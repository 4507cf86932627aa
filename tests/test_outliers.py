import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import AutoEncoderTransformer, ReconstructionOutlierDetector
from skae._outliers import tukey_fence

FAST = {"hidden_layer_sizes": (), "activation": "identity", "max_iter": 30, "random_state": 0}


def plane(n=300, seed=0):
    """Rows near a plane in 3-d; outliers lie off it."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)) @ [[1.0, 1.0, 1.0], [1.0, -1.0, 0.0]] \
        + 0.05 * rng.normal(size=(n, 3))


def test_off_plane_rows_are_outliers():
    detector = ReconstructionOutlierDetector(PCA(2)).fit(plane())
    assert detector.predict([[1.0, 1.0, 1.0], [2.0, -2.0, 3.0]]).tolist() == [1, -1]


def test_decision_function_is_shifted_scores():
    X = plane()
    detector = ReconstructionOutlierDetector(PCA(2)).fit(X)
    np.testing.assert_allclose(detector.decision_function(X),
                               detector.score_samples(X) - detector.offset_)
    assert detector.threshold_ == -detector.offset_


def test_feature_errors_name_the_column():
    detector = ReconstructionOutlierDetector(PCA(2)).fit(plane())
    row = np.array([[1.0, 1.0, 1.0]])
    row[0, 2] += 3.0  # off the plane along the third column mostly
    errors = detector.feature_errors(row)
    assert errors.shape == (1, 3) and errors.argmax() == 2
    # the code's distance adds to the error
    assert -detector.score_samples(row)[0] > errors.mean()
    detector.set_params(code_weight=0).fit(plane())
    np.testing.assert_allclose(detector.feature_errors(row).mean(axis=1),
                               -detector.score_samples(row))


def test_score_is_the_error_plus_the_weighted_code_distance():
    X, X_new = plane(), plane(50, seed=3)
    detector = ReconstructionOutlierDetector(PCA(2), code_weight=0.5, n_neighbors=3,
                                             robust=False).fit(X)
    Z, Z_new = detector.estimator_.transform(X), detector.estimator_.transform(X_new)
    center = np.median(Z, axis=0)
    q1, q3 = np.percentile(Z, [25, 75], axis=0)
    scale = (q3 - q1) / 1.349
    S, S_new = (Z - center) / scale, (Z_new - center) / scale
    squared = ((S_new[:, None, :] - S[None, :, :]) ** 2).sum(axis=2)
    # to the three nearest fitted codes after the nearest one
    distance = np.sort(squared, axis=1)[:, 1:4].mean(axis=1) / 2
    # the fitted rows' distances: the nearest is their own
    squared = ((S[:, None, :] - S[None, :, :]) ** 2).sum(axis=2)
    fitted_distance = np.sort(squared, axis=1)[:, 1:4].mean(axis=1) / 2
    error = detector.feature_errors(X).mean(axis=1)
    error_new = detector.feature_errors(X_new).mean(axis=1)
    scale = 0.5 * np.median(error) / np.median(fitted_distance)
    np.testing.assert_allclose(-detector.score_samples(X_new), error_new + scale * distance)
    assert detector.threshold_ == pytest.approx(tukey_fence(error + scale * fitted_distance))
    np.testing.assert_allclose(-detector.score_samples(X), error + scale * fitted_distance)
    assert detector.n_neighbors_ == 3


def test_lof_score_is_the_error_times_the_codes_local_outlier_factor():
    X, X_new = plane(), plane(50, seed=3)
    detector = ReconstructionOutlierDetector(PCA(2), code_score="lof", n_neighbors=4,
                                             robust=False).fit(X)
    assert detector.code_score_ == "lof"
    error = detector.feature_errors(X).mean(axis=1)
    S = detector.neighbors_._fit_X  # the fitted rows' scaled codes
    # the fitted rows' factors are scikit-learn's LocalOutlierFactor's on the codes
    lof = LocalOutlierFactor(n_neighbors=4).fit(S)
    np.testing.assert_allclose(-detector.score_samples(X), error * -lof.negative_outlier_factor_)
    assert detector.threshold_ == pytest.approx(
        tukey_fence(error * -lof.negative_outlier_factor_))
    # a new row's factor from its 4 nearest fitted codes after the nearest one, by hand
    S_new = (detector.estimator_.transform(X_new) - detector.code_center_) \
        / detector.code_scale_

    def density(codes):  # from the 4 nearest fitted codes after the nearest one
        distance = np.linalg.norm(codes[:, None] - S[None], axis=2)
        near = np.argsort(distance, axis=1)[:, 1:5]
        reach = np.maximum(np.take_along_axis(distance, near, axis=1), k_distance[near])
        return 1 / (reach.mean(axis=1) + 1e-10), near

    k_distance = np.sort(np.linalg.norm(S[:, None] - S[None], axis=2), axis=1)[:, 4]
    fitted_density = density(S)[0]
    own, near = density(S_new)
    factor = fitted_density[near].mean(axis=1) / own
    error_new = detector.feature_errors(X_new).mean(axis=1)
    np.testing.assert_allclose(-detector.score_samples(X_new), error_new * factor)


@pytest.mark.parametrize("code_score", ["distance", "lof"])
def test_code_weight_0_is_the_error_alone_whatever_the_code_score(code_score):
    X = plane()
    detector = ReconstructionOutlierDetector(PCA(2), code_weight=0, code_score=code_score,
                                             robust=False).fit(X)
    np.testing.assert_allclose(-detector.score_samples(X),
                               detector.feature_errors(X).mean(axis=1))


def test_lof_score_finds_a_row_off_its_cluster_in_the_code():
    # two clusters of codes, one dense and one sparse; the row between them is
    # reconstructed as well as a typical row and stands out by its code
    rng = np.random.default_rng(0)
    codes = np.vstack([rng.normal(0, 0.05, size=(150, 2)), rng.normal(4, 1.0, size=(150, 2))])
    X = codes @ [[1.0, 1.0, 1.0], [1.0, -1.0, 0.0]] + 0.01 * rng.normal(size=(300, 3))
    detector = ReconstructionOutlierDetector(PCA(2), code_score="lof").fit(X)
    between = np.array([[0.6, 0.6]]) @ [[1.0, 1.0, 1.0], [1.0, -1.0, 0.0]] \
        + 0.01 * np.array([1.0, 1.0, -2.0]) / np.sqrt(6)  # off the plane like the noise
    assert detector.predict(between).tolist() == [-1]
    assert detector.set_params(code_weight=0).fit(X).predict(between).tolist() == [1]


@pytest.mark.parametrize("code_score", ["lof ", "density", None])
def test_bad_code_score_names_it(code_score):
    with pytest.raises(ValueError, match="code_score"):
        ReconstructionOutlierDetector(PCA(2), code_score=code_score).fit(plane())


def test_n_neighbors_is_capped_by_the_fitted_rows():
    X = plane(4)
    detector = ReconstructionOutlierDetector(PCA(2), n_neighbors=10, robust=False).fit(X)
    assert detector.n_neighbors_ == 3 and np.isfinite(detector.score_samples(X)).all()


def test_a_row_reconstructed_well_but_far_out_is_an_outlier_by_its_code():
    detector = ReconstructionOutlierDetector(PCA(2)).fit(plane())
    far = [[30.0, 30.0, 30.0]]  # on the plane, far beyond the training rows
    assert detector.feature_errors(far).max() < 1e-2
    assert detector.predict(far).tolist() == [-1]
    assert detector.set_params(code_weight=0).fit(plane()).predict(far).tolist() == [1]


def test_the_code_term_keeps_a_training_cluster_of_anomalies_out():
    # 5% of the training rows sit far off the plane, together: PCA(2) of all rows
    # spans them, so by error alone they look normal
    normal = np.array([1.0, 1.0, -2.0]) / np.sqrt(6)
    rng = np.random.default_rng(1)
    cluster = 10.0 * normal + 0.05 * rng.normal(size=(16, 3))
    X = np.vstack([plane(), cluster])
    X_test = np.vstack([plane(200, seed=5), 10.0 * normal + 0.05 * rng.normal(size=(20, 3))])
    inlier = np.r_[np.ones(200), np.zeros(20)]
    by_error = ReconstructionOutlierDetector(PCA(2), code_weight=0).fit(X)
    combined = ReconstructionOutlierDetector(PCA(2)).fit(X)
    assert roc_auc_score(inlier, by_error.score_samples(X_test)) < 0.1
    assert roc_auc_score(inlier, combined.score_samples(X_test)) > 0.99
    assert (combined.predict(cluster) == -1).all() and combined.n_trimmed_ >= len(cluster)


@pytest.mark.parametrize("contamination", [0.05, 0.1, 0.5])
def test_contamination_sets_the_training_share(contamination):
    X = plane()
    y = ReconstructionOutlierDetector(PCA(2), contamination=contamination).fit_predict(X)
    assert np.mean(y == -1) == pytest.approx(contamination, abs=1 / len(X))


def test_auto_threshold_is_tukeys_fence():
    X = plane()
    detector = ReconstructionOutlierDetector(PCA(2), robust=False).fit(X)
    scores = -detector.score_samples(X)
    assert detector.threshold_ == pytest.approx(tukey_fence(scores))


def test_auto_threshold_warns_where_most_training_scores_are_tied():
    X = np.random.default_rng(0).normal(size=(100, 4))
    X[:80] = X[0]  # 80 identical rows: the scores' interquartile range is 0
    detector = ReconstructionOutlierDetector(PCA(2), code_weight=0.0)
    with pytest.warns(UserWarning, match=r"interquartile range is 0.*20\.0% of the training"):
        detector.fit(X)
    assert np.mean(detector.predict(X) == -1) == pytest.approx(0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        detector.set_params(contamination=0.05).fit(X)


def test_the_default_estimator_takes_constant_rows_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # PCA's 0 / 0 explained variance warned
        detector = ReconstructionOutlierDetector(random_state=0).fit(np.ones((20, 3)))
    assert detector.estimator_.n_components == 1
    assert detector.predict(np.ones((2, 3))).tolist() == [1, 1]


@pytest.mark.parametrize("code_weight", [0.0, 1.0])
def test_robust_refit_leaves_out_far_training_rows(code_weight):
    X = plane()
    X[:10] += [4.0, -4.0, 4.0]
    plain = ReconstructionOutlierDetector(PCA(2), robust=False).fit(X)
    robust = ReconstructionOutlierDetector(PCA(2), code_weight=code_weight).fit(X)
    assert plain.n_trimmed_ == 0 and robust.n_trimmed_ >= 10
    clean = PCA(2).fit(X[10:])
    # the robust fit's plane is the clean rows' plane
    cos = robust.estimator_.components_ @ clean.components_.T  # principal angles
    assert np.linalg.svd(cos, compute_uv=False).min() > 0.999
    assert (robust.predict(X[:10]) == -1).all()


def test_robust_refit_keeps_a_rarer_mode_of_clean_rows():
    # 12% of the clean rows lie elsewhere on the plane; the trim keeps them (at
    # Tukey's inner fence, 1.5 IQR, it left out 67 rows here, 6.7%)
    X = plane(1000)
    X[:120] += [4.0, -4.0, 0.0]
    detector = ReconstructionOutlierDetector(PCA(2)).fit(X)
    assert 0 < detector.n_trimmed_ <= 0.02 * len(X)


def test_default_estimator_is_an_autoencoder_below_the_width():
    X = plane()
    detector = ReconstructionOutlierDetector(random_state=0).fit(X)
    assert isinstance(detector.estimator_, AutoEncoderTransformer)
    assert 1 <= detector.estimator_.n_components < X.shape[1]


def test_seeded_default_is_reproducible():
    X = plane(100)
    a = ReconstructionOutlierDetector(random_state=0).fit(X).score_samples(X)
    b = ReconstructionOutlierDetector(random_state=0).fit(X).score_samples(X)
    np.testing.assert_array_equal(a, b)


class NoInverse(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def test_estimator_without_inverse_transform_is_a_type_error():
    with pytest.raises(TypeError, match="NoInverse has no inverse_transform"):
        ReconstructionOutlierDetector(NoInverse()).fit(plane())


@pytest.mark.parametrize("contamination", [0.0, 0.6, -0.1, "high"])
def test_bad_contamination_names_it(contamination):
    with pytest.raises(ValueError, match="contamination"):
        ReconstructionOutlierDetector(PCA(2), contamination=contamination).fit(plane())


@pytest.mark.parametrize("code_weight", [-0.5, "high", None])
def test_bad_code_weight_names_it(code_weight):
    with pytest.raises(ValueError, match="code_weight"):
        ReconstructionOutlierDetector(PCA(2), code_weight=code_weight).fit(plane())


@pytest.mark.parametrize("n_neighbors", [0, 2.5, "five", None])
def test_bad_n_neighbors_names_it(n_neighbors):
    with pytest.raises(ValueError, match="n_neighbors"):
        ReconstructionOutlierDetector(PCA(2), n_neighbors=n_neighbors).fit(plane())


def test_nan_and_width_errors():
    detector = ReconstructionOutlierDetector(PCA(2)).fit(plane())
    with pytest.raises(ValueError, match="NaN"):
        detector.predict([[np.nan, 1.0, 1.0]])
    with pytest.raises(ValueError, match="3 features"):
        detector.predict([[1.0, 1.0]])


def test_failed_fit_leaves_the_detector_as_it_was():
    X = plane()
    detector = ReconstructionOutlierDetector(PCA(2)).fit(X)
    before = detector.score_samples(X)
    detector.set_params(estimator=PCA(5))  # more components than features
    with pytest.raises(ValueError):
        detector.fit(X)
    np.testing.assert_array_equal(detector.score_samples(X), before)


def test_grid_search_by_roc_auc_on_labelled_rows():
    X = plane(200)
    rng = np.random.default_rng(1)
    outliers = rng.normal(scale=3.0, size=(20, 3))
    X_all = np.vstack([X, outliers])
    y = np.r_[np.ones(len(X)), -np.ones(len(outliers))]
    search = GridSearchCV(ReconstructionOutlierDetector(PCA(1)),
                          {"estimator": [PCA(1), PCA(2)]}, scoring="roc_auc",
                          cv=StratifiedKFold(3, shuffle=True, random_state=0))
    search.fit(X_all, y)
    assert search.best_params_["estimator"].n_components == 2


def test_in_a_pipeline_after_a_scaler():
    X = plane() * [1.0, 1000.0, 1.0]
    pipe = make_pipeline(StandardScaler(), ReconstructionOutlierDetector(
        AutoEncoderTransformer(2, **FAST)))
    labels = pipe.fit(X).predict(X)
    assert set(np.unique(labels)) <= {-1, 1} and np.mean(labels == 1) > 0.8


def test_missing_entries_are_left_out_of_the_scores():
    X = plane()
    detector = ReconstructionOutlierDetector(AutoEncoderTransformer(2, **FAST)).fit(X)
    X_missing = X[:5].copy()
    X_missing[0, 1] = np.nan
    errors = detector.feature_errors(X_missing)
    assert np.isnan(errors[0, 1]) and np.isfinite(np.delete(errors, 1, axis=1)).all()
    assert detector.set_params(code_weight=0).fit(X).score_samples(X_missing)[0] == \
        pytest.approx(-np.nanmean(detector.feature_errors(X_missing)[0]))
    assert detector.__sklearn_tags__().input_tags.allow_nan
    assert not ReconstructionOutlierDetector(PCA(2)).__sklearn_tags__().input_tags.allow_nan
    # training rows with missing entries: the autoencoder takes them
    X_train = X.copy()
    X_train[::10, 0] = np.nan
    assert np.isfinite(ReconstructionOutlierDetector(
        AutoEncoderTransformer(2, **FAST)).fit(X_train).score_samples(X_train)).all()


def test_rows_reconstructed_exactly_give_labels_in_any_units():
    # most rows lie on a line PCA(1) reconstructs exactly: their errors are rounding
    # noise, which must not decide the labels at any scale of X
    X = np.zeros((40, 3))
    X[:, 0] = np.random.default_rng(0).normal(size=40)
    X[-3:, 1] = [5.0, -4.0, 6.0]
    flagged = [np.flatnonzero(ReconstructionOutlierDetector(PCA(1)).fit_predict(scale * X) == -1)
               for scale in (1e-4, 1.0, 1e4)]
    # the three off the line, and the rows on it whose codes have the farthest neighbours
    assert {37, 38, 39} <= set(flagged[0]) and len(flagged[0]) <= 6
    for other in flagged[1:]:
        np.testing.assert_array_equal(other, flagged[0])


def test_default_estimator_takes_a_column_missing_everywhere():
    X = plane(60)
    X[:, 2] = np.nan
    detector = ReconstructionOutlierDetector(random_state=0).fit(X)
    assert np.isfinite(detector.score_samples(X)).all()


def test_the_robust_refit_does_not_call_a_column_of_trimmed_rows_empty():
    # column 3 is observed in the four outlying rows only: trimmed, the refit's rows miss
    # it, which is not the user's empty column
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    X[:, 3] = np.nan
    X[:4, :3] += 25
    X[:4, 3] = 30 + rng.normal(size=4)
    est = ReconstructionOutlierDetector(
        AutoEncoderTransformer(2, hidden_layer_sizes=(4,), max_iter=3, device="cpu",
                               random_state=0), random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X)
    assert est.n_trimmed_ == 4
    assert not [w for w in caught if "no observed entry" in str(w.message)]


@pytest.mark.parametrize("estimator", [None, PCA(2)], ids=["default", "PCA"])
def test_sparse_rows_score_as_their_dense_copies(estimator):
    X = plane()
    X[::7, 2] = 0.0  # some cells sparse
    X_sparse = sp.csr_matrix(X)
    dense = ReconstructionOutlierDetector(estimator, random_state=0).fit(X)
    sparse = ReconstructionOutlierDetector(estimator, random_state=0).fit(X_sparse)
    assert sparse.n_trimmed_ == dense.n_trimmed_
    assert sparse.offset_ == pytest.approx(dense.offset_, rel=1e-9)
    for rows in (X_sparse, sp.csc_matrix(X)):
        assert_allclose(sparse.score_samples(rows), dense.score_samples(X), rtol=1e-9)
        assert_array_equal(sparse.predict(rows), dense.predict(X))
    assert_allclose(sparse.feature_errors(X_sparse[:3]), dense.feature_errors(X[:3]),
                    rtol=1e-9, atol=1e-12)
    assert ReconstructionOutlierDetector(estimator).__sklearn_tags__().input_tags.sparse


def test_sparse_rows_go_as_the_estimator_says():
    X = plane()

    class DenseOnly(PCA):
        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.input_tags.sparse = False
            return tags

    detector = ReconstructionOutlierDetector(DenseOnly(2))
    assert not detector.__sklearn_tags__().input_tags.sparse
    with pytest.raises(TypeError, match="Sparse data"):
        detector.fit(sp.csr_matrix(X))
    detector.fit(X)
    with pytest.raises(TypeError, match="Sparse data"):
        detector.score_samples(sp.csr_matrix(X))


def test_sparse_cells_that_sum_to_infinity_are_refused_whatever_the_estimator():
    X = plane()
    twice = sp.csr_matrix(([1e308, 1e308, 1.0], [0, 0, 1], [0, 2, 3]), shape=(2, 3))
    detector = ReconstructionOutlierDetector(PCA(2)).fit(X)
    for method in (detector.score_samples, detector.feature_errors, detector.fit):
        with pytest.raises(ValueError, match="cells stored twice"):
            method(twice)
    assert_array_equal(detector.predict(X), ReconstructionOutlierDetector(PCA(2)).fit_predict(X))


def test_an_estimator_returning_sparse_rows_scores_as_on_dense():
    from sklearn.preprocessing import MaxAbsScaler

    X = plane()
    X[::3, 1] = 0.0
    sparse = ReconstructionOutlierDetector(MaxAbsScaler()).fit(sp.csr_matrix(X))
    dense = ReconstructionOutlierDetector(MaxAbsScaler()).fit(X)
    assert_allclose(sparse.score_samples(sp.csr_matrix(X)), dense.score_samples(X))


class RowCountingPCA(PCA):
    """PCA that records the most rows one transform call was given."""

    def transform(self, X):
        self.most_rows_ = max(getattr(self, "most_rows_", 0), X.shape[0])
        return super().transform(X)


def test_scores_come_a_chunk_of_rows_at_a_time(monkeypatch):
    X = plane()
    detector = ReconstructionOutlierDetector(RowCountingPCA(2)).fit(X)
    whole = detector.score_samples(X)
    assert detector.estimator_.most_rows_ == len(X)
    monkeypatch.setattr("skae._outliers.SCORE_CHUNK_BYTES", 7 * 8 * X.shape[1])  # 7 rows
    refitted = ReconstructionOutlierDetector(RowCountingPCA(2)).fit(X)
    assert_allclose(refitted.score_samples(X), whole, rtol=1e-12)
    assert_allclose(refitted.offset_, detector.offset_, rtol=1e-12)
    assert refitted.estimator_.most_rows_ == 7


class CanonicalCheckingPCA(PCA):
    """PCA that refuses a sparse X storing a cell twice (sums nothing itself)."""

    def _check(self, X):
        assert not sp.issparse(X) or X.has_canonical_format

    def fit(self, X, y=None):
        self._check(X)
        return super().fit(X.toarray() if sp.issparse(X) else X)

    def transform(self, X):
        self._check(X)
        return super().transform(X.toarray() if sp.issparse(X) else X)


def test_the_estimator_gets_cells_stored_twice_summed():
    X = plane()
    twice = sp.coo_matrix(X)
    twice = sp.coo_matrix((np.r_[twice.data, 1.0], (np.r_[twice.row, 0], np.r_[twice.col, 0])),
                          shape=X.shape)  # X[0, 0] + 1, stored as two cells
    summed = X.copy()
    summed[0, 0] += 1.0
    detector = ReconstructionOutlierDetector(CanonicalCheckingPCA(2)).fit(twice)
    reference = ReconstructionOutlierDetector(PCA(2)).fit(summed)
    assert_allclose(detector.score_samples(twice), reference.score_samples(summed),
                    rtol=1e-9)
    assert_allclose(detector.feature_errors(twice)[0], reference.feature_errors(summed)[0],
                    rtol=1e-9, atol=1e-12)


def test_the_robust_refit_does_not_repeat_the_coarse_column_warning():
    X = plane()
    X[:, 0] += 1e8  # float32 steps of 8 at that size
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ReconstructionOutlierDetector(random_state=0).fit(X)
    assert len([w for w in caught if "vary little for their size" in str(w.message)]) == 1


def test_the_tied_scores_warning_points_at_the_users_line_through_a_pipeline():
    X = np.zeros((100, 3))
    X[:10] = np.random.default_rng(0).normal(size=(10, 3))
    pipe = make_pipeline(StandardScaler(), ReconstructionOutlierDetector(
        PCA(1), code_weight=0, robust=False))
    with pytest.warns(UserWarning, match="interquartile range is 0") as caught:
        pipe.fit(X)
    assert caught[0].filename == __file__
