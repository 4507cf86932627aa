"""ReconstructionOutlierDetector: anomaly scores from how badly a transformer reconstructs a row."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MetaEstimatorMixin, OutlierMixin, _fit_context, clone
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._autoencoder import AutoEncoderTransformer
from ._base import _Versioned, numeric_data, summed_cells, transaction, warn_at_caller
from ._data import column_stats

#: share of the training rows' variance the default estimator's code keeps
DEFAULT_VARIANCE = 0.7
#: Tukey's inner fence: scores above Q3 + FENCE_IQR * (Q3 - Q1) are outliers
FENCE_IQR = 1.5
#: Tukey's outer fence, beyond which scores are "far out": the robust fit trims there
#: (at the inner fence it trimmed a sub-style of clean digits, e.g. 16 of 91 ones)
TRIM_IQR = 3.0
#: the interquartile range of a normal distribution, in standard deviations
NORMAL_IQR = 1.349
#: scoring reconstructs this many bytes of float64 rows at a time
SCORE_CHUNK_BYTES = 64 << 20


def default_estimator(X, random_state=None):
    """AutoEncoderTransformer whose code is as wide as PCA(0.7)'s on ``X``.

    The width is the number of principal components that explain 70% of the training
    rows' variance, at least 1 and below ``n_features`` (a code as wide as the input
    would reconstruct anything, outliers too). 70% rather than 90%: PCA's own
    reconstruction error detected better at 70% on one-class MNIST (mean AUC 0.954
    against 0.940, ``benchmarks/results/bench_outliers.json``).
    """
    n_features = X.shape[1]
    if n_features < 2:
        raise ValueError(
            f"The default estimator needs at least 2 features to compress, got "
            f"n_features = {n_features}; pass an estimator."
        )
    X = _dense(X)  # PCA's "full" solver refuses sparse X
    X = np.where(np.isnan(X), column_stats(X)["mean"], X)  # missing entries at the mean
    with np.errstate(invalid="ignore", divide="ignore"):  # constant X: 0 / 0 explained
        k = PCA(DEFAULT_VARIANCE, svd_solver="full").fit(X).n_components_
    return AutoEncoderTransformer(int(np.clip(k, 1, n_features - 1)), random_state=random_state)


def tukey_fence(errors, iqrs=FENCE_IQR):
    """Q3 + ``iqrs`` IQR of ``errors``; at 1.5, the box plot's upper whisker."""
    q1, q3 = np.percentile(errors, [25, 75])
    return q3 + iqrs * (q3 - q1)


def _dense(X):
    """X as a dense array (a sparse matrix's cells stored twice summed, as ``toarray``)."""
    return X.toarray() if sp.issparse(X) else X


def codes_and_squared_errors(estimator, X):
    """X's codes, and each entry's squared reconstruction error in X's units (NaN where
    X is missing). Sparse X (or codes): the errors are dense, as the reconstruction is."""
    Z = estimator.transform(X)
    errors = np.array(_dense(estimator.inverse_transform(Z)), dtype=np.float64)  # a copy
    errors -= _dense(X)
    np.square(errors, out=errors)
    return np.asarray(_dense(Z), dtype=np.float64), errors


def codes_and_row_errors(estimator, X):
    """X's codes, and each row's mean squared error over its observed entries, a chunk
    of rows at a time (``SCORE_CHUNK_BYTES`` of errors: a wide X is never reconstructed
    whole)."""
    step = max(1, SCORE_CHUNK_BYTES // (8 * X.shape[1]))
    codes, errors = [], []
    for start in range(0, X.shape[0], step):
        Z, squared = codes_and_squared_errors(estimator, X[start:start + step])
        codes.append(Z)
        errors.append(_row_means(squared))
    return np.concatenate(codes), np.concatenate(errors)


def _typical(values, floor=0.0):
    """The median of ``values`` (>= 0) or ``floor`` if larger; else their mean where more
    than half are 0; else 1."""
    for typical in (max(np.median(values), floor), np.mean(values)):
        if typical > 0:
            return float(typical)
    return 1.0


class ReconstructionOutlierDetector(_Versioned, MetaEstimatorMixin, OutlierMixin, BaseEstimator):
    """Outlier detection by reconstruction error, with scikit-learn's outlier API.

    A row's anomaly score is its mean squared reconstruction error through a transformer
    fitted on the training rows: the autoencoder (or PCA) learns what normal rows look
    like, and reconstructs the others badly. :meth:`feature_errors` tells which columns
    made a row's error.

    By default the score adds how far the row's code lies from the training rows' codes
    (``code_weight``): an outlier the transformer reconstructs well, because training
    rows like it taught it to or because it lies inside the learnt subspace, still lands
    where few normal codes do. PCA process monitoring watches the same two things, the
    squared prediction error (Q) and the distance of the scores (Hotelling's T²); here
    they are added, on robust scales, and the distance is to the nearest normal codes.
    ``code_score="lof"`` scores the code by its local outlier factor instead, its
    neighbours' density over its own, and multiplies the error by it: a code in a
    sparser part of the normal codes than its neighbours weighs more, one in an evenly
    sparse region does not (``LocalOutlierFactor``'s idea, on the codes).

    The errors are in X's units, so columns on larger scales weigh more; put a
    ``StandardScaler`` before the detector (in a ``Pipeline``) when the columns'
    units differ.

    Sparse X is taken where the estimator takes it (the default autoencoder does;
    ``PCA`` does with an integer ``n_components``), and scores as its dense copy.
    Scoring reconstructs 64 MiB of rows at a time (:meth:`feature_errors` returns a
    dense array); ``fit`` with the default estimator makes X dense to pick its width.

    Missing entries (NaN) are passed to the estimator, which takes them or refuses
    them (skae's autoencoders take them; ``PCA`` refuses); a row's error is then the
    mean over its observed entries. A row with missing entries is reconstructed from
    less (the encoder reads a missing entry as its column's mean) and tends to score as
    less normal than it is complete.

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
        rows whose anomaly score exceeds the third quartile of the training rows'
        scores by more than 1.5 interquartile ranges are outliers (where at least
        half the training rows score the same, that range is 0: every row scoring
        worse is an outlier, with a warning). A float in (0, 0.5]: that share of the
        training rows is predicted outlying.
    code_weight : float, default=1.0
        Weight of the code's distance in the anomaly score, which is
        ``error + code_weight * error_scale_ * distance / distance_scale_``: a row's
        mean squared error, plus the mean squared distance of its code to its
        ``n_neighbors`` nearest fitted codes (per code dimension, each on its robust
        scale ``code_scale_``), the nearest one left out, so that a fitted row, whose
        nearest code is its own, scores as it did in fit. Both parts are scaled to their
        median over the fitted rows. 0: the reconstruction error alone. What the code
        term gains with contaminated training rows and on clean ones is on the
        benchmarks page.
    code_score : {"distance", "lof"}, default="distance"
        How the code's place among the fitted codes enters the anomaly score.
        "distance": added as ``code_weight`` above. "lof": the score is
        ``error * lof ** code_weight``, where ``lof`` is the local outlier factor of the
        row's scaled code among the fitted codes (about 1 inside a cluster of codes,
        above 1 where its neighbours are denser than it), from the same
        ``n_neighbors`` nearest fitted codes, the nearest one left out. On one-class
        MNIST "lof" detected better and on contaminated breast_cancer worse (see the
        benchmarks page).
    n_neighbors : int, default=5
        Number of nearest fitted codes the code's distance or local outlier factor
        averages over (at most the number of fitted rows minus 1).
    robust : bool, default=True
        Guard against outliers among the training rows: after the first fit, the
        rows whose score is "far out", beyond Tukey's outer fence (the third quartile
        of the training rows' scores plus 3 interquartile ranges), are left out and
        the estimator is fitted again on the rest (once). This first score measures
        the code's distance by its mean squared robust z-score,
        ``(z - median) / (IQR / 1.349)`` per code dimension, not by its neighbours:
        a tight cluster of anomalies among the training rows would be its own
        neighbourhood. The offset and scores come from the second fit, over all
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
        ``-offset_``: the anomaly score (``-score_samples``) above which a row is an
        outlier.
    error_scale_ : float
        Median mean squared error of the fitted rows, at least 2.2e-16 (float64's
        epsilon) times their columns' mean variance (their mean error where both are 0).
    code_center_ : ndarray of shape (n_components,)
        Median of the fitted rows' codes.
    code_scale_ : ndarray of shape (n_components,)
        Their interquartile range / 1.349 (where it is 0, their mean absolute deviation
        from the median times sqrt(pi / 2); 1 where that is 0 too).
    distance_scale_ : float
        Median code distance of the fitted rows (their mean where the median is 0).
    code_weight_ : float
        ``code_weight`` as fitted: the scores use it, so a ``set_params(code_weight=...)``
        takes effect at the next fit, with the offset it sets.
    code_score_ : str
        ``code_score`` as fitted, likewise.
    n_neighbors_ : int
        Number of neighbours the code's distance or local outlier factor averages over.
    neighbors_ : sklearn.neighbors.NearestNeighbors
        The fitted rows' scaled codes, ``(code - code_center_) / code_scale_``.
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
        "code_weight": [Interval(Real, 0, None, closed="left")],
        "code_score": [StrOptions({"distance", "lof"})],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "robust": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, contamination="auto", code_weight=1.0,
                 code_score="distance", n_neighbors=5, robust=True, random_state=None):
        self.estimator = estimator
        self.contamination = contamination
        self.code_weight = code_weight
        self.code_score = code_score
        self.n_neighbors = n_neighbors
        self.robust = robust
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the transformer on X and set the threshold from X's errors.

        If it raises, the detector is left as it was before the call. A Ctrl-C
        during a skae autoencoder's training after its first complete epoch does not
        raise: that training ends with a warning and the detector goes on with the
        estimator as trained so far (with ``robust``, its scores pick the rows of the
        second fit, which trains a fresh clone in full).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
            X = self._checked(X, reset=True, sparse=_takes_sparse(self.estimator))
            n_samples = X.shape[0]
            self.code_weight_ = float(self.code_weight)
            self.code_score_ = self.code_score
            rows = np.arange(n_samples)
            errors, Z = self._fit_estimator(X, rows)
            self.n_trimmed_ = 0
            if self.robust:
                # trim by the code's z-score, not its neighbours: a tight cluster of
                # anomalies among the training rows is its own neighbourhood
                z = self._code_z(Z)
                scores = self._added(errors, z, _typical(z))
                kept = np.flatnonzero(scores <= tukey_fence(scores, TRIM_IQR))
                if 0 < len(kept) < n_samples:
                    self.n_trimmed_ = n_samples - len(kept)
                    rows = kept
                    with warnings.catch_warnings():
                        # the trimmed rows' own: a column observed only in trimmed rows
                        # is not the user's empty column (the first fit warned of those)
                        warnings.filterwarnings("ignore", message=".*no observed entry",
                                                category=UserWarning)
                        # the first fit warned of X's coarse columns; the trimmed rows'
                        # spread differs, which would word the same warning anew
                        warnings.filterwarnings("ignore", message=".*vary little for their",
                                                category=UserWarning)
                        errors, Z = self._fit_estimator(X, rows)
            scores = self._anomaly(errors, self._fit_neighbours(Z, rows))
            self.offset_ = float(self._offset(-scores))
            self.threshold_ = -self.offset_
            self._warn_on_tied_scores(scores)
        return self

    def _fit_estimator(self, X, rows):
        """Fit ``estimator_`` (a clone) on X[rows] and the robust scales of the fitted
        rows' codes and errors; return every row's mean squared error and code."""
        X_fit = X[rows]
        if self.estimator is None:
            self.estimator_ = default_estimator(X_fit, self.random_state)
        else:
            self.estimator_ = clone(self.estimator)
        self.estimator_.fit(X_fit)
        Z, errors = codes_and_row_errors(self.estimator_, X)
        Z_fit = Z[rows]
        q1, self.code_center_, q3 = np.percentile(Z_fit, [25, 50, 75], axis=0)
        # where more than half the codes agree, the mean absolute deviation (scaled to a
        # normal's standard deviation); 1 where all agree
        deviation = np.mean(np.abs(Z_fit - self.code_center_), axis=0) * np.sqrt(np.pi / 2)
        iqr = (q3 - q1) / NORMAL_IQR
        self.code_scale_ = np.where(iqr > 0, iqr, np.where(deviation > 0, deviation, 1.0))
        # rows reconstructed exactly: errors are rounding noise, the floor keeps the
        # score's two parts in X's units
        floor = np.finfo(np.float64).eps * np.mean(column_stats(X_fit)["var"])
        self.error_scale_ = _typical(errors[rows], floor)
        return errors, Z

    def _scaled(self, Z):
        return (Z - self.code_center_) / self.code_scale_

    def _code_z(self, Z):
        """Each row's mean squared robust z-score of its code."""
        return np.mean(self._scaled(Z) ** 2, axis=1)

    def _fit_neighbours(self, Z, rows):
        """Fit the nearest-neighbour index on the fitted rows' scaled codes, and the
        fitted rows' k-distances and local reachability densities; return every
        training row's code term (see ``_code_term``)."""
        self.n_neighbors_ = min(self.n_neighbors, len(rows) - 1)  # rows: at least 2
        self._index_rows = self._scaled(Z[rows])
        self.neighbors_ = NearestNeighbors(n_neighbors=self.n_neighbors_ + 1)
        self.neighbors_.fit(self._index_rows)
        distances, indices = self._neighbours(Z)  # one query for every training row
        self._k_distance = distances[rows, -1]
        self._density = self._reach_density(distances[rows], indices[rows])
        self.distance_scale_ = _typical(self._mean_squared(distances[rows]))
        return self._code_term(distances, indices)

    def __getstate__(self):
        # the neighbour index travels as its rows (_index_rows) and is rebuilt on load:
        # a fitted KDTree is a type skops.io would ask the user to trust
        state = dict(super().__getstate__())
        if "neighbors_" in state:
            state["neighbors_"] = None
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_index_rows" in state:
            self.neighbors_ = NearestNeighbors(n_neighbors=self.n_neighbors_ + 1)
            self.neighbors_.fit(self._index_rows)

    def _neighbours(self, Z):
        """Distances to, and indices of, the fitted codes nearest to each row's but the
        nearest one (a fitted row's own: a fitted row scores as it did in fit)."""
        distances, indices = self.neighbors_.kneighbors(self._scaled(Z))
        return distances[:, 1:], indices[:, 1:]

    def _mean_squared(self, distances):
        """Mean squared distance per code dimension."""
        return np.mean(distances ** 2, axis=1) / self.code_center_.shape[0]

    def _reach_density(self, distances, indices):
        """Local reachability density, LocalOutlierFactor's: the inverse of the mean
        reachability distance, max(distance, the neighbour's k-distance)."""
        reach = np.maximum(distances, self._k_distance[indices])
        return 1.0 / (np.mean(reach, axis=1) + 1e-10)  # 1e-10: LocalOutlierFactor's

    def _code_term(self, distances, indices):
        """Each row's code distance (``code_score_="distance"``) or local outlier
        factor (``"lof"``) among the fitted codes, from its ``_neighbours``."""
        if self.code_score_ == "distance":
            return self._mean_squared(distances)
        own = self._reach_density(distances, indices)
        return np.mean(self._density[indices], axis=1) / own

    def _added(self, errors, term, scale):
        """The errors plus ``code_weight_`` times the code term, each on its scale."""
        return errors + self.code_weight_ * self.error_scale_ * term / scale

    def _anomaly(self, errors, term):
        """``-score_samples`` from the rows' mean squared errors and code terms."""
        if self.code_score_ == "lof":
            return errors * term ** self.code_weight_
        return self._added(errors, term, self.distance_scale_)

    def _offset(self, scores):
        if self.contamination == "auto":
            return -tukey_fence(-scores)
        return np.percentile(scores, 100.0 * self.contamination)

    def _warn_on_tied_scores(self, scores):
        """Tukey's fence has no spread to go by where a quarter to three quarters of
        the training rows score the same: every row scoring worse is then an outlier."""
        q1, q3 = np.percentile(scores, [25, 75])
        share = float(np.mean(scores > self.threshold_))
        if self.contamination == "auto" and q1 == q3 and share > 0:
            warn_at_caller(
                f"contamination='auto': at least half the training rows have the same "
                f"anomaly score (the interquartile range is 0), so every row scoring worse "
                f"is an outlier: {share:.1%} of the training rows. Pass a float "
                f"contamination to set that share.", UserWarning)

    def feature_errors(self, X):
        """Each row's squared reconstruction error per feature, in X's units.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to explain.

        Returns
        -------
        errors : ndarray of shape (n_samples, n_features)
            NaN where X is missing. Their mean over a row's observed entries is the
            error part of its anomaly score; with ``code_weight=0`` it is
            ``-score_samples``.
        """
        X = self._validated(X)
        return codes_and_squared_errors(self.estimator_, X)[1]

    def _checked(self, X, reset, sparse):
        """X validated: float, NaN let through, sparse as CSR where ``sparse`` (a cell
        stored twice summed, as ``toarray`` reads it)."""
        X = numeric_data(self, X, reset=reset, ensure_all_finite="allow-nan",
                         accept_sparse=sparse and "csr", ensure_min_samples=2 if reset else 1)
        return summed_cells(X) if sp.issparse(X) else X

    def _validated(self, X):
        check_is_fitted(self)
        return self._checked(X, reset=False, sparse=_takes_sparse(self.estimator_))

    def score_samples(self, X):
        """Negative anomaly score of each row (higher is more normal).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-(error + code_weight_ * error_scale_ * distance / distance_scale_)``,
            or with ``code_score_="lof"`` ``-(error * lof ** code_weight_)``: the
            error over each row's observed entries, the distance or local outlier
            factor of its code among the fitted codes (see ``code_weight`` and
            ``code_score``).
        """
        X = self._validated(X)
        Z, errors = codes_and_row_errors(self.estimator_, X)
        if self.code_weight_ == 0:
            return -errors
        return -self._anomaly(errors, self._code_term(*self._neighbours(Z)))

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to judge.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 where ``decision_function(X) >= 0``, else -1.
        """
        return np.where(self.decision_function(X) >= 0, 1, -1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = _takes_sparse(self.estimator)
        tags.input_tags.allow_nan = (self.estimator is None
                                     or get_tags(self.estimator).input_tags.allow_nan)
        return tags


def _takes_sparse(estimator):
    """Whether ``estimator`` takes sparse X (None, the default autoencoder, does)."""
    return estimator is None or get_tags(estimator).input_tags.sparse


def _row_means(errors):
    """Each row's mean error over its observed entries (a row with none: 0; skae's
    autoencoders refuse such a row before this)."""
    observed = ~np.isnan(errors)
    return np.where(observed, errors, 0.0).sum(axis=1) / np.maximum(observed.sum(axis=1), 1)
