"""ReconstructionOutlierDetector: anomaly scores from how badly a transformer reconstructs a row."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, OutlierMixin, _fit_context, clone
from sklearn.decomposition import PCA
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._autoencoder import AutoEncoderTransformer
from ._base import transaction

#: share of the training rows' variance the default estimator's code keeps
DEFAULT_VARIANCE = 0.7
#: Tukey's fence: errors above Q3 + FENCE_IQR * (Q3 - Q1) are far out
FENCE_IQR = 1.5


def default_estimator(X, random_state=None):
    """AutoEncoderTransformer whose code is as wide as PCA(0.7)'s on ``X``.

    The width is the number of principal components that explain 70% of the training
    rows' variance, at least 1 and below ``n_features`` (a code as wide as the input
    would reconstruct anything, outliers too). 70% rather than 90%: the narrower code
    detected better on one-class MNIST (``benchmarks/bench_outliers.py``).
    """
    n_features = X.shape[1]
    if n_features < 2:
        raise ValueError(
            f"The default estimator needs at least 2 features to compress, got "
            f"n_features = {n_features}; pass an estimator."
        )
    X = np.where(np.isnan(X), np.nanmean(X, axis=0), X)  # missing entries at the mean
    k = PCA(DEFAULT_VARIANCE, svd_solver="full").fit(X).n_components_
    return AutoEncoderTransformer(int(np.clip(k, 1, n_features - 1)), random_state=random_state)


def tukey_fence(errors):
    """Q3 + 1.5 IQR of ``errors``: the box plot's upper whisker."""
    q1, q3 = np.percentile(errors, [25, 75])
    return q3 + FENCE_IQR * (q3 - q1)


def squared_errors(estimator, X):
    """Each entry's squared reconstruction error, in X's units (NaN where X is missing)."""
    X_hat = np.asarray(estimator.inverse_transform(estimator.transform(X)), dtype=np.float64)
    return (np.asarray(X, dtype=np.float64) - X_hat) ** 2


class ReconstructionOutlierDetector(MetaEstimatorMixin, OutlierMixin, BaseEstimator):
    """Outlier detection by reconstruction error, with scikit-learn's outlier API.

    A row's anomaly score is its mean squared reconstruction error through a transformer
    fitted on the training rows: the autoencoder (or PCA) learns what normal rows look
    like, and reconstructs the others badly. :meth:`feature_errors` tells which columns
    made a row's score.

    The errors are in X's units, so columns on larger scales weigh more; put a
    ``StandardScaler`` before the detector (in a ``Pipeline``) when the columns'
    units differ.

    Missing entries (NaN) are passed to the estimator, which takes them or refuses
    them (skae's autoencoders take them; ``PCA`` refuses); a row's score is then the
    mean over its observed entries.

    Parameters
    ----------
    estimator : estimator object, default=None
        A transformer with ``fit``, ``transform`` and ``inverse_transform``, cloned
        and fitted on the training rows. None: ``AutoEncoderTransformer`` whose
        ``n_components`` is the number of principal components that explain 70% of
        the training rows' variance (below ``n_features``), with this detector's
        ``random_state``. ``PCA(0.7)`` gives the linear baseline at that width.
    contamination : "auto" or float, default="auto"
        Sets :attr:`offset_`, the threshold of :meth:`predict`. "auto": Tukey's fence,
        rows whose error exceeds the third quartile of the training rows' errors by
        more than 1.5 interquartile ranges are outliers. A float in (0, 0.5]: that
        share of the training rows is predicted outlying.
    robust : bool, default=True
        Guard against outliers among the training rows: after the first fit, the
        rows beyond Tukey's fence are left out and the estimator is fitted again on
        the rest (once). The offset and scores come from the second fit, over all
        training rows.
    random_state : int, RandomState instance or None, default=None
        Seed of the default estimator; ignored when ``estimator`` is given (set
        the estimator's own).

    Attributes
    ----------
    estimator_ : estimator object
        The fitted transformer.
    offset_ : float
        ``decision_function = score_samples - offset_``; negative is outlying.
    threshold_ : float
        ``-offset_``: the mean squared error above which a row is an outlier.
    n_trimmed_ : int
        Training rows left out of the second fit (0 when ``robust=False``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.ensemble.IsolationForest : Outlier detection by random partitions.
    sklearn.neighbors.LocalOutlierFactor : Outlier detection by local density.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from skae import ReconstructionOutlierDetector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)) @ [[1.0, 1.0, 1.0], [1.0, -1.0, 0.0]]
    >>> detector = ReconstructionOutlierDetector(PCA(2)).fit(X)
    >>> detector.predict([[1.0, 1.0, 1.0], [3.0, -3.0, 3.0]])
    array([ 1, -1])
    >>> detector.feature_errors([[3.0, -3.0, 3.0]]).shape
    (1, 3)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "transform"]), None],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "robust": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, contamination="auto", robust=True, random_state=None):
        self.estimator = estimator
        self.contamination = contamination
        self.robust = robust
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the transformer on X and set the threshold from X's errors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, mostly normal.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Fitted detector.
        """
        if self.estimator is not None and not hasattr(self.estimator, "inverse_transform"):
            raise TypeError(
                f"estimator {type(self.estimator).__name__} has no inverse_transform: "
                "the detector reconstructs rows with inverse_transform(transform(X))."
            )
        with transaction(self):
            X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2,
                              ensure_all_finite="allow-nan")
            estimator, errors = self._fit_estimator(X, np.arange(len(X)))
            self.n_trimmed_ = 0
            if self.robust:
                kept = np.flatnonzero(errors <= tukey_fence(errors))
                if 0 < len(kept) < len(X):
                    self.n_trimmed_ = len(X) - len(kept)
                    estimator, errors = self._fit_estimator(X, kept)
            self.estimator_ = estimator
            self.offset_ = float(self._offset(-errors))
            self.threshold_ = -self.offset_
        return self

    def _fit_estimator(self, X, rows):
        """A clone of the estimator fitted on X[rows], and every row's mean squared error."""
        if self.estimator is None:
            estimator = default_estimator(X[rows], self.random_state)
        else:
            estimator = clone(self.estimator)
        estimator.fit(X[rows])
        return estimator, _row_means(squared_errors(estimator, X))

    def _offset(self, scores):
        if self.contamination == "auto":
            return -tukey_fence(-scores)
        return np.percentile(scores, 100.0 * self.contamination)

    def feature_errors(self, X):
        """Each row's squared reconstruction error per feature, in X's units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to explain.

        Returns
        -------
        errors : ndarray of shape (n_samples, n_features)
            Their mean over a row is ``-score_samples``; NaN where X is missing.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False,
                          ensure_all_finite="allow-nan")
        return squared_errors(self.estimator_, X)

    def score_samples(self, X):
        """Negative mean squared reconstruction error of each row (higher is more normal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-nanmean(feature_errors(X), axis=1)``: over each row's observed entries.
        """
        return -_row_means(self.feature_errors(X))

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        decision : ndarray of shape (n_samples,)
            Shifted scores; below 0 is outlying.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """+1 for inliers, -1 for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to judge.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 where ``decision_function(X) >= 0``, else -1.
        """
        return np.where(self.decision_function(X) >= 0, 1, -1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = (self.estimator is None
                                     or get_tags(self.estimator).input_tags.allow_nan)
        return tags


def _row_means(errors):
    """Each row's mean error over its observed entries (a row with none: 0; skae's
    autoencoders refuse such a row before this)."""
    observed = ~np.isnan(errors)
    return np.where(observed, errors, 0.0).sum(axis=1) / np.maximum(observed.sum(axis=1), 1)
