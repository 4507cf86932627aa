"""AutoEncoderImputer: fill in missing entries with a denoising autoencoder."""

import copy
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.impute import MissingIndicator
from sklearn.utils._param_validation import Interval, MissingValues, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._base import (
    TRAINING_CONSTRAINTS,
    _Versioned,
    check_hidden_layer_sizes,
    derive_seed,
    numeric_data,
    transaction,
)
from ._config import Count
from ._data import column_stats
from ._denoising import DenoisingAutoEncoder
from ._feeding import check_rows_to_train, forward_in_batches
from ._modules import ACTIVATIONS
from ._training import FillCheck


class _Placeholder(MissingValues):
    """A missing entry's placeholder in float data: a finite number, NaN or pandas.NA
    (infinity is never a missing entry: X holding it is an error)."""

    def __init__(self):
        super().__init__(numeric_only=True)

    def is_satisfied_by(self, val):
        return super().is_satisfied_by(val) and not (isinstance(val, Real) and np.isinf(val))

    def __str__(self):
        return "a finite number, numpy.nan or pandas.NA"


def _is_nan(value):
    """NaN or ``pandas.NA`` (which a float array holds as NaN)."""
    if isinstance(value, Real):
        return bool(np.isnan(value))
    try:
        from pandas import NA
    except ImportError:  # pandas is optional: without it, no value is pandas.NA
        return False
    return value is NA


class _ImputingAutoEncoder(DenoisingAutoEncoder):
    """A DenoisingAutoEncoder whose encoder reads the mask of observed entries too, and
    whose early stopping scores how well it fills in held-out entries."""

    _missing_indicator = True
    _warn_on_version = False  # the AutoEncoderImputer owning it warns

    def _held_out(self, valid, config, seed):
        if config.noise.ratio == 0:  # nothing to hide: the reconstruction of what it is given
            return valid
        return FillCheck(valid, config.noise.ratio, derive_seed(seed, 1))


# float16 too, as scikit-learn's imputers keep it: transform returns X's own dtype
_IMPUTED_DTYPES = [np.float64, np.float32, np.float16]

# the DenoisingAutoEncoder parameters the imputer passes on as they are
_PASSED_ON = ("n_components", "hidden_layer_sizes", "activation", "noise_ratio", "alpha",
              "batch_size", "learning_rate", "max_iter", "tol", "n_iter_no_change",
              "early_stopping", "validation_fraction", "device", "random_state", "verbose")


class AutoEncoderImputer(_Versioned, TransformerMixin, BaseEstimator):
    """Impute missing values with a denoising autoencoder trained on the incomplete data.

    Each column is standardised by the mean and standard deviation of its observed
    entries; a :class:`DenoisingAutoEncoder` whose encoder reads the values (missing
    ones at their column's mean) and the mask of observed entries learns to
    reconstruct every observed entry while a further random share ``noise_ratio`` of
    them is hidden from it in each batch (``noise="missing"``): it learns to fill in
    what it is not given. The loss leaves the missing entries out.

    ``transform`` returns the input with only its missing entries filled, in the
    input's units and float dtype; the observed entries are returned unchanged, bit
    for bit. A fill stays within its column's observed range in fit (an
    autoencoder can extrapolate; trees cannot).

    Parameters
    ----------
    missing_values : float or pandas.NA, default=np.nan
        The placeholder of a missing entry: NaN (``pandas.NA`` means the same: a
        nullable column's NA reads as NaN), or a finite number (then NaN in X is an
        error, as in :class:`~sklearn.impute.SimpleImputer`).
    n_components : int, default=None
        Width of the code. None: ``n_features`` (the hiding, not the width, keeps the
        network from copying its input).
    hidden_layer_sizes : array-like of int, default=(512, 512)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    activation : {"relu", "tanh", "sigmoid", "logistic", "identity"}, default="relu"
        Activation of the hidden layers.
    noise_ratio : float, default=0.25
        The share of observed entries hidden from the network in each training batch,
        in [0, 1). 0 trains it to reconstruct only what it is given, which teaches
        little about filling in.
    alpha : float, default=1e-4
        L2 penalty on the weights, as in :class:`DenoisingAutoEncoder`.
    batch_size : int or "auto", default="auto"
        Rows per minibatch; "auto" is ``min(200, n_samples)``.
    learning_rate : float, default=1e-3
        Adam's step size.
    max_iter : int, default=1000
        Maximum number of epochs.
    tol : float, default=1e-4
        Improvement of the training loss (the held-out loss with ``early_stopping``)
        below which an epoch counts as no improvement.
    n_iter_no_change : int, default=50
        Epochs without an improvement of ``tol`` after which training stops.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, hide a fixed, seeded share
        ``noise_ratio`` of their observed entries, keep the epoch that fills those in
        best and stop after ``n_iter_no_change`` epochs without an improvement of
        ``tol`` of that loss. Off: train on all rows until the training loss stops
        improving.
    validation_fraction : float, default=0.1
        Share of the rows held out with ``early_stopping``.
    add_indicator : bool, default=False
        Append a :class:`~sklearn.impute.MissingIndicator`'s columns (one per feature
        with a missing entry in fit) to the output.
    keep_empty_features : bool, default=False
        Whether a column with no observed entry in fit is kept in the output (filled
        with 0, as scikit-learn's imputers fill it) or dropped.
    sample_posterior : bool, default=False
        Fill with a draw rather than the model's best guess: the reconstruction of the
        row with a fresh ``noise_ratio`` of its observed entries hidden, as in
        training. Draws depend on ``random_state`` and on each row's place in the X
        passed to ``transform`` (the hiding is drawn for the whole call, so a row
        alone is drawn differently than among others); the same X gives the same draws
        on every call. Multiple imputation fits several ``random_state`` values. Read
        in ``fit``, as every parameter here: after ``set_params`` it applies from the
        next fit (``IterativeImputer`` reads it in ``transform`` too).
    device : str, default="auto"
        Where to train and impute: "auto" (CUDA, else MPS, else the CPU), "cpu",
        "cuda", "cuda:1", "mps".
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, the batches, the hiding and the draws; torch's global
        state is left alone, and numpy's too with an int (None draws the seed from numpy's
        global generator, as scikit-learn does).
    verbose : int, default=0
        1 prints a line per epoch; 2 also a progress bar over each epoch's batches.

    Attributes
    ----------
    autoencoder_ : DenoisingAutoEncoder
        The fitted autoencoder, on the standardised non-empty columns.
    mean_ : ndarray of shape (n_features_kept,)
        Mean of each kept column's observed entries.
    scale_ : ndarray of shape (n_features_kept,)
        Standard deviation of each kept column's observed entries (1 where it is 0).
    data_min_ : ndarray of shape (n_features_kept,)
        Smallest observed entry of each kept column in fit; no fill is below it.
    data_max_ : ndarray of shape (n_features_kept,)
        Largest observed entry of each kept column in fit; no fill is above it.
    kept_features_ : ndarray of bool of shape (n_features,)
        Whether each column had an observed entry in fit (and is modelled).
    indicator_ : MissingIndicator or None
        The indicator of missing entries, with ``add_indicator``.
    n_iter_ : int
        Epochs the autoencoder trained.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, where X has string column names.

    See Also
    --------
    sklearn.impute.SimpleImputer : Column means, medians or constants.
    sklearn.impute.KNNImputer : Means of the nearest rows.
    sklearn.impute.IterativeImputer : Each column regressed on the others, in rounds.
    DenoisingAutoEncoder : The autoencoder underneath (``noise="missing"``).

    References
    ----------
    Vincent, P., Larochelle, H., Bengio, Y. and Manzagol, P.-A. (2008). Extracting and
    composing robust features with denoising autoencoders. ICML.

    Gondara, L. and Wang, K. (2018). MIDA: Multiple imputation using denoising
    autoencoders. PAKDD.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skae import AutoEncoderImputer
    >>> X, _ = load_digits(return_X_y=True)
    >>> X_missing = X.copy()
    >>> X_missing[np.random.default_rng(0).random(X.shape) < 0.3] = np.nan
    >>> imputer = AutoEncoderImputer(max_iter=5, random_state=0)
    >>> X_filled = imputer.fit_transform(X_missing)
    >>> X_filled.shape, bool(np.isnan(X_filled).any())
    ((1797, 64), False)
    """

    _parameter_constraints: dict = {
        "missing_values": [_Placeholder()],
        "n_components": [Count(1), None],
        "hidden_layer_sizes": TRAINING_CONSTRAINTS["hidden_layer_sizes"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "noise_ratio": [Interval(Real, 0, 1, closed="left")],
        **{name: TRAINING_CONSTRAINTS[name] for name in (
            "alpha", "batch_size", "learning_rate", "max_iter", "tol", "n_iter_no_change",
            "early_stopping", "validation_fraction", "device", "random_state", "verbose")},
        "add_indicator": ["boolean"],
        "keep_empty_features": ["boolean"],
        "sample_posterior": ["boolean"],
    }

    def __init__(self, *, missing_values=np.nan, n_components=None,
                 hidden_layer_sizes=(512, 512), activation="relu", noise_ratio=0.25,
                 alpha=1e-4, batch_size="auto", learning_rate=1e-3, max_iter=1000, tol=1e-4,
                 n_iter_no_change=50, early_stopping=False, validation_fraction=0.1,
                 add_indicator=False, keep_empty_features=False, sample_posterior=False,
                 device="auto", random_state=None, verbose=0):
        self.missing_values = missing_values
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.noise_ratio = noise_ratio
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.add_indicator = add_indicator
        self.keep_empty_features = keep_empty_features
        self.sample_posterior = sample_posterior
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ---- input ----------------------------------------------------------------------

    def _validated(self, X, reset):
        """X as a float array with NaN where an entry is missing (a copy when needed).

        The placeholder is the parameter's in fit, the one fitted with in transform.
        """
        placeholder = self.missing_values if reset else self._placeholder
        nan_is_missing = _is_nan(placeholder)
        X = numeric_data(self, X, reset=reset,
                         ensure_all_finite="allow-nan" if nan_is_missing else True,
                         copy=not nan_is_missing, dtype=_IMPUTED_DTYPES)
        if not nan_is_missing:
            X[X == placeholder] = np.nan
        return X

    # ---- fitting ----------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the autoencoder to the observed entries of X.

        If it raises, the imputer is left as it was before the call. A Ctrl-C after
        the first complete epoch does not raise: as in
        :class:`~skae.AutoEncoderTransformer`, training ends there with a warning and
        the imputer keeps the weights it reached.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, ``missing_values`` where an entry is missing. A row with
            nothing observed is left out of training (the model has nothing to learn
            from it); ``transform`` fills it.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted imputer.
        """
        with transaction(self):
            self._fit(X)
        return self

    def _fit(self, X):
        X = self._validated(X, reset=True)
        check_hidden_layer_sizes(self.hidden_layer_sizes)
        kept = ~np.isnan(X).all(axis=0)
        X_kept = X[:, kept]
        stats = column_stats(X_kept)  # of the observed entries
        mean, scale = stats["mean"], stats["std"]
        scale[~(scale > 0)] = 1.0
        indicator = None
        if self.add_indicator:
            # numpy out whatever set_output or set_config says: transform stacks it
            indicator = MissingIndicator(error_on_new=False).set_output(transform="default")
            indicator.fit(X)
        params = {name: getattr(self, name) for name in _PASSED_ON}
        autoencoder = _ImputingAutoEncoder(noise="missing", init="random", **params)
        if kept.any():
            # a row with nothing observed has nothing to learn from: it is left out, as
            # scikit-learn's imputers leave it out of their statistics
            X_kept = X_kept[~np.isnan(X_kept).all(axis=1)]
            if self.early_stopping:  # named in X's rows, not the network's
                check_rows_to_train(
                    len(X_kept), self.validation_fraction,
                    f"the rows with an observed entry only: X has {len(X_kept)} of "
                    f"{X.shape[0]} rows")
            with np.errstate(over="ignore"):
                Z = (X_kept - mean) / scale
            overflowed = np.isinf(Z).any(axis=0)
            if overflowed.any():
                column = int(np.flatnonzero(kept)[np.argmax(overflowed)])
                raise ValueError(
                    f"Column {column} of X spans more than float64 holds once centred (from "
                    f"{stats['min'][np.argmax(overflowed)]:.3g} to "
                    f"{stats['max'][np.argmax(overflowed)]:.3g}); rescale X first.")
            autoencoder.fit(Z.astype(np.float32))
        self.autoencoder_, self.mean_, self.scale_ = autoencoder, mean, scale
        self.data_min_, self.data_max_ = stats["min"], stats["max"]
        self.kept_features_, self.indicator_ = kept, indicator
        self.n_iter_ = autoencoder.n_iter_ if kept.any() else 0
        # pandas.NA is NaN in the float arrays the imputer works on
        self._placeholder = np.nan if _is_nan(self.missing_values) else self.missing_values
        self._columns_out = np.ones_like(kept) if self.keep_empty_features else kept
        self._draws = derive_seed(self.random_state, 1) if self.sample_posterior else None
        return self

    # ---- imputing ---------------------------------------------------------------------

    def transform(self, X):
        """Fill in the missing entries of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to complete, ``missing_values`` where an entry is missing. A row with
            nothing observed is filled too (as scikit-learn's imputers fill it), from
            the network's reading of a row at the column means: the same fills for
            every such row.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features_out)
            X with its missing entries filled, in its float dtype; the observed entries
            as they were. Columns empty in fit are dropped or, with
            ``keep_empty_features``, filled with 0; with ``add_indicator`` the
            indicator's columns follow.
        """
        check_is_fitted(self)
        X = self._validated(X, reset=False)
        missing = np.isnan(X)
        filled = X.copy()
        kept = self.kept_features_
        if kept.any() and missing[:, kept].any():
            fills = self._fills(X[:, kept])
            block = filled[:, kept]
            block[missing[:, kept]] = fills[missing[:, kept]]
            filled[:, kept] = block
        filled[missing & ~kept] = 0.0  # columns empty in fit (kept only on request)
        out = filled[:, self._columns_out]
        if self.indicator_ is not None:
            out = np.hstack([out, self.indicator_.transform(X).astype(out.dtype)])
        return out

    def _fills(self, X_kept):
        """The model's values for every entry of the kept columns, in X's units, each
        within its column's observed range in fit."""
        Z = ((X_kept - self.mean_) / self.scale_).astype(np.float32)
        module = self.autoencoder_.module_
        method = "reconstruct"
        if self._draws is not None:  # sample_posterior in fit
            module = copy.deepcopy(module)  # its own generator: draws depend on the seed only
            module.corruption.seed(self._draws)
            method = "sample"
        Z_rec = forward_in_batches(module, method, Z, self.autoencoder_.device_)
        fills = np.clip(Z_rec.astype(np.float64) * self.scale_ + self.mean_,
                        self.data_min_, self.data_max_)
        return fills.astype(X_kept.dtype)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: the kept input features, then the indicator's.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; None: ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        out = names[self._columns_out]
        if self.indicator_ is not None:
            flagged = names[self.indicator_.features_]
            out = np.concatenate([out, [f"missingindicator_{n}" for n in flagged]])
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = _is_nan(self.missing_values)
        tags.transformer_tags.preserves_dtype = ["float64", "float32", "float16"]
        return tags
