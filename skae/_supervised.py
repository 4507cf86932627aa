"""Supervised networks whose hidden layers start from greedy (denoising) pre-training."""

from abc import ABCMeta, abstractmethod
from functools import partial

import numpy as np
import scipy.sparse as sp
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import accuracy_score
from sklearn.utils import _safe_indexing
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d
from torch import nn

from ._base import (
    TRAINING_CONSTRAINTS,
    _NetMixin,
    check_hidden_layer_sizes,
    derive_seed,
    fresh_generator,
    shared_parameter_docs,
    transaction,
    validated,
    warn_at_caller,
    warn_of_coarse_columns,
    warn_of_empty_columns,
)
from ._config import Count
from ._data import as_float32_rows, column_stats, global_scale
from ._device import resolve_device
from ._feeding import TensorData, forward_in_batches, hold_out, to_torch
from ._modules import Network, linears
from ._pretraining import (
    PRETRAIN_CONSTRAINTS,
    check_pretraining_data,
    load_encoder_weights,
    pretrain_config,
    pretrain_stack,
)
from ._training import Monitor


def labelled_mask(y, unlabeled_label=-1):
    """Rows whose label is not ``unlabeled_label`` (None: every row is labelled).

    Examples
    --------
    >>> labelled_mask(np.array([0, -1, 2]))
    array([ True, False,  True])
    >>> labelled_mask(np.array(["cat", -1, "dog"], dtype=object))  # text labels
    array([ True, False,  True])
    """
    if unlabeled_label is None or y.dtype.kind not in "iufO":
        return np.ones(len(y), dtype=bool)
    return np.asarray(y != unlabeled_label, dtype=bool)


def _warn_of_string_marker(y, unlabeled_label):
    """Warn where a string array holds ``unlabeled_label`` as numpy would write it there.

    ``y[rows] = -1`` on an array of strings stores "-1", or "-" where the strings are one
    character wide: a class of its own, not a mark (strings never mark unlabelled rows).
    Such a string may be a class the user meant ("+" and "-", say), so it stays one.
    """
    if unlabeled_label is None or y.dtype.kind not in "US":
        return
    marker = str(unlabeled_label)
    width = y.dtype.itemsize // (4 if y.dtype.kind == "U" else 1)
    stored = marker[:width] if y.dtype.kind == "U" else marker[:width].encode()
    if np.any(y == stored):
        cut = f" (cut to the array's width of {width})" if width < len(marker) else ""
        warn_at_caller(
            f"y is an array of strings holding {marker[:width]!r}, the unlabeled_label "
            f"{unlabeled_label} as a string{cut}: it is a class, since a string never marks "
            f"an unlabelled row. To mark rows unlabelled, give y as an object array holding "
            f"the integer {unlabeled_label} there (np.asarray(labels, dtype=object)); if "
            f"{marker[:width]!r} is a class, pass unlabeled_label=None to silence this.",
            UserWarning)


class _BaseStackedNetwork(_NetMixin, BaseEstimator, metaclass=ABCMeta):
    """Pre-train the hidden stack unsupervised, add an output layer, fine-tune with targets."""

    _multi_output = False

    _parameter_constraints: dict = {**TRAINING_CONSTRAINTS, **PRETRAIN_CONSTRAINTS}

    def __init__(self, hidden_layer_sizes=(256, 128), *, pretraining="denoising", noise="masking",
                 noise_ratio=0.25, pretrain_max_iter=20, pretrain_learning_rate=None,
                 pretrain_alpha=None,
                 reconstruction_loss="mse", tied_weights=False, activation="relu",
                 solver="adam", momentum=0.9,
                 alpha=1e-4, batch_size="auto", learning_rate=1e-3,
                 learning_rate_schedule="constant", max_iter=200, tol=1e-4, n_iter_no_change=10,
                 early_stopping=False, validation_fraction=0.1, shuffle=True,
                 device="auto", precision="float32", compile=False, cuda_graphs=False,
                 random_state=None, verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.pretraining = pretraining
        self.noise = noise
        self.noise_ratio = noise_ratio
        self.pretrain_max_iter = pretrain_max_iter
        self.pretrain_learning_rate = pretrain_learning_rate
        self.pretrain_alpha = pretrain_alpha
        self.reconstruction_loss = reconstruction_loss
        self.tied_weights = tied_weights
        self.activation = activation
        self.solver = solver
        self.momentum = momentum
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.shuffle = shuffle
        self.device = device
        self.precision = precision
        self.compile = compile
        self.cuda_graphs = cuda_graphs
        self.random_state = random_state
        self.verbose = verbose

    @abstractmethod
    def _prepare_targets(self, y):
        """Targets to fine-tune on, the rows they belong to (None: all) and the output width."""

    @abstractmethod
    def _criterion(self):
        """The fine-tuning loss class."""

    def _module_class(self):
        return Network

    def _make_criterion(self, train_config, complete=False):
        return self._criterion()()

    def _pretrain_config(self):
        return pretrain_config(self, len(check_hidden_layer_sizes(self.hidden_layer_sizes)))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Pre-train the hidden layers on all rows of X, then fine-tune on the targets.

        If it raises (bad data, divergence, an interrupt before the first fine-tuning
        epoch ends), the estimator is left as it was before the call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; several outputs for the regressor only. The classifier leaves the
            rows labelled ``unlabeled_label`` out of fine-tuning.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with transaction(self):
            self._fit(X, y)
        return self

    def _fit(self, X, y):
        if sp.issparse(y):
            raise ValueError(f"{type(self).__name__} needs a dense y; got a sparse matrix.")
        X, y = validated(self, X, y, accept_sparse="csr", multi_output=self._multi_output)
        # the parameters are read here, at the door: the fit uses these alone
        seed, device = derive_seed(self.random_state), resolve_device(self.device)
        config = self._build_config()
        targets, rows, n_outputs = self._prepare_targets(y)
        X32 = as_float32_rows(X)
        stats = column_stats(X)
        names = getattr(self, "feature_names_in_", None)
        warn_of_empty_columns(stats, "fit", names)
        warn_of_coarse_columns(stats, "fit", names)
        mean, scale = stats["mean"], global_scale(stats["var"], stats["mean"])
        architecture = config.architecture
        spec = {"n_features": X.shape[1], "n_outputs": n_outputs,
                "activation": architecture["activation"],
                "hidden_layer_sizes": check_hidden_layer_sizes(
                    architecture["hidden_layer_sizes"]),
                "mean": mean, "scale": scale}
        module = Network(**spec, generator=fresh_generator(seed))
        curves = self._pretrain(module, spec, X32, stats, config, seed, device)
        X_fit = X32 if rows is None else X32[rows]
        data = TensorData(to_torch(X_fit, device), to_torch(targets, device), device=device,
                          generator=fresh_generator(seed))
        train_data, valid = data, None
        if config.train.early_stopping:
            train_data, valid = hold_out(data, config.train.validation_fraction, seed)
        monitor = Monitor(patience=config.train.n_iter_no_change, tol=config.train.tol,
                          valid=valid)
        net = self._new_net(config, module, spec, monitor, device)
        self._train(net, train_data, epochs=config.train.max_iter, incremental=False)
        self.mean_, self.scale_, self.pretrain_loss_curves_ = mean, scale, curves
        self._record(net, config, device)

    def _pretrain(self, module, spec, X, stats, config, seed, device):
        sizes = spec["hidden_layer_sizes"]
        if config.pretrain.max_iter == 0 or not sizes:
            return []
        check_pretraining_data(config, stats, len(sizes), type(self).__name__)
        layers, curves = pretrain_stack(
            X, sizes, config, stats=stats, mean=spec["mean"], scale=spec["scale"],
            top_activation=config.architecture["activation"], device=device, seed=seed,
            say=partial(self._say, config=config),
        )
        load_encoder_weights(layers, linears(module.hidden))
        return curves

    def _forward(self, X):
        check_is_fitted(self)
        X = validated(self, X, reset=False, accept_sparse="csr")
        return forward_in_batches(self.module_, "forward", X, self.device_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = True
        return tags


_SHARED_DOC = """
    The hidden layers ``hidden_layer_sizes`` are first pre-trained greedily on all
    rows of X, one (denoising) autoencoder per layer (``pretraining="autoencoder"`` or
    ``"denoising"``), or start from random initialisation (``pretraining="none"``);
    an output layer is added and the whole network is fine-tuned with backprop.
    Everything else is equal between the three, so
    ``GridSearchCV(est, {"pretraining": ["none", "autoencoder", "denoising"]})`` is
    the whole comparison.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(256, 128)
        Widths of the hidden layers.
    pretraining : {"none", "autoencoder", "denoising"}, default="denoising"
        How the hidden layers start.
    noise : {"masking", "gaussian", "salt_and_pepper", "missing"}, default="masking"
        Corruption of each layer's input in denoising pre-training.
    noise_ratio : float or array-like of float, default=0.25
        Strength of that corruption: one level for every hidden layer, or one per
        hidden layer, bottom first (the Theano tutorial's stacked denoising
        autoencoder masks 0.1, 0.2 and 0.3 of its three layers' inputs).
    pretrain_max_iter : int, default=20
        Epochs of pre-training per layer.
    <pretrain_learning_rate, pretrain_alpha>
    reconstruction_loss : {"mse", "cross_entropy"}, default="mse"
        Pre-training loss. "cross_entropy" (the papers' choice) needs X in [0, 1] and
        ``activation="sigmoid"``.
    tied_weights : bool, default=False
        Pre-train each layer with its decoder the transpose of its encoder (own
        bias), as in Vincent et al. 2010. Only pre-training has decoders: the
        fine-tuned network has the same shape either way, and starts from
        different weights.
    activation : {"relu", "tanh", "sigmoid", "logistic", "identity"}, default="relu"
        Activation of the hidden layers.
    <solver, momentum>
    <alpha>
    batch_size : int or "auto", default="auto"
        Rows per minibatch; "auto" is ``min(200, n_samples)``.
    learning_rate : float, default=1e-3
        Step size of adam and sgd.
    <learning_rate_schedule>
    max_iter : int, default=200
        Maximum number of fine-tuning epochs.
    tol : float, default=1e-4
        Loss improvement below which an epoch counts as no improvement.
    n_iter_no_change : int, default=10
        Stop after this many epochs without an improvement of ``tol``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the fine-tuning rows, stop on their loss
        and keep the best weights.
    validation_fraction : float, default=0.1
        Fraction of rows held out when ``early_stopping=True``.
    shuffle : bool, default=True
        Shuffle the rows every epoch.
    device : str, default="auto"
        "auto", "cpu", "cuda", "cuda:N" or "mps".
    <precision, compile, cuda_graphs>
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and corruption locally; torch's global state is left
        alone, and numpy's too with an int (None draws the seed from numpy's global
        generator, as scikit-learn does).
    verbose : int, default=0
        0 prints nothing; 1 a line per epoch, each pre-trained layer's table headed;
        2 also a progress bar over each epoch's batches.
"""


# fitted attributes both supervised estimators have, after their own
_SHARED_ATTRIBUTES = """    mean_ : ndarray of shape (n_features,)
        Per-feature mean subtracted from the input (whatever ``reconstruction_loss``).
    scale_ : float
        Global scale the centred input is divided by (root mean variance).
    n_iter_ : int
        Number of fine-tuning epochs.
    net_ : skorch.NeuralNet
        The skorch net that fine-tuned the model.
    module_ : torch.nn.Module
        The network (``hidden`` and ``output``).
    device_ : torch.device
        Device the model lives on.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.
"""


@shared_parameter_docs
class StackedAutoEncoderClassifier(ClassifierMixin, _BaseStackedNetwork):
    __doc__ = """Classifier whose hidden layers start from greedy autoencoder pre-training.

    Rows labelled ``unlabeled_label`` (-1, scikit-learn's convention, as in
    ``SelfTrainingClassifier``) are unlabelled: they take part in pre-training only.
""" + _SHARED_DOC + """    unlabeled_label : int or None, default=-1
        Label marking unlabelled rows; None treats every row as labelled (so -1
        can be a class).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``-1`` excluded).
    pretrain_loss_curves_ : list of list of float
        Pre-training loss curve of each hidden layer, bottom first (empty for "none").
    loss_curve_ : list of float
        Fine-tuning cross-entropy of each epoch.
    validation_scores_ : list of float or None
        With ``early_stopping``, the negative held-out cross-entropy per epoch.
""" + _SHARED_ATTRIBUTES + """
    See Also
    --------
    StackedAutoEncoderRegressor : The same for regression.
    sklearn.neural_network.MLPClassifier : Random initialisation only.

    References
    ----------
    Y. Bengio et al., "Greedy layer-wise training of deep networks", NIPS 2006.

    P. Vincent et al., "Stacked denoising autoencoders", JMLR 11, 2010.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import StackedAutoEncoderClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> y_few = y.copy()
    >>> y_few[200:] = -1  # 200 labels, the rest only pre-trains
    >>> clf = StackedAutoEncoderClassifier((64,), pretrain_max_iter=2, max_iter=20,
    ...                                    random_state=0).fit(X, y_few)
    >>> clf.predict_proba(X[:2]).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        **_BaseStackedNetwork._parameter_constraints,
        "unlabeled_label": [Count(None, None, closed="neither"), None],
    }

    def __init__(self, hidden_layer_sizes=(256, 128), *, pretraining="denoising", noise="masking",
                 noise_ratio=0.25, pretrain_max_iter=20, pretrain_learning_rate=None,
                 pretrain_alpha=None,
                 reconstruction_loss="mse", tied_weights=False, activation="relu",
                 solver="adam", momentum=0.9,
                 alpha=1e-4, batch_size="auto", learning_rate=1e-3,
                 learning_rate_schedule="constant", max_iter=200, tol=1e-4, n_iter_no_change=10,
                 early_stopping=False, validation_fraction=0.1, shuffle=True,
                 device="auto", precision="float32", compile=False, cuda_graphs=False,
                 random_state=None, verbose=0,
                 unlabeled_label=-1):
        super().__init__(
            hidden_layer_sizes, pretraining=pretraining, noise=noise, noise_ratio=noise_ratio,
            pretrain_max_iter=pretrain_max_iter,
            pretrain_learning_rate=pretrain_learning_rate, pretrain_alpha=pretrain_alpha,
            reconstruction_loss=reconstruction_loss,
            tied_weights=tied_weights, activation=activation, solver=solver, momentum=momentum,
            alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_schedule=learning_rate_schedule, max_iter=max_iter, tol=tol,
            n_iter_no_change=n_iter_no_change, early_stopping=early_stopping,
            validation_fraction=validation_fraction, shuffle=shuffle, device=device,
            precision=precision, compile=compile, cuda_graphs=cuda_graphs,
            random_state=random_state, verbose=verbose,
        )
        self.unlabeled_label = unlabeled_label

    def _prepare_targets(self, y):
        _warn_of_string_marker(y, self.unlabeled_label)
        labelled = labelled_mask(y, self.unlabeled_label)
        if not labelled.any():
            raise ValueError(
                f"StackedAutoEncoderClassifier got only unlabelled rows "
                f"(y == {self.unlabeled_label}); "
                "it needs labelled rows to fine-tune on."
            )
        check_classification_targets(y[labelled])  # text labels may mix in an integer -1
        self.classes_ = np.unique(y[labelled])
        if len(self.classes_) < 2:
            n_unlabelled = int(np.sum(~labelled))
            left_out = (
                f" {n_unlabelled} row(s) labelled {self.unlabeled_label} were left out as "
                f"unlabelled; pass unlabeled_label=None if {self.unlabeled_label} is a class."
                if n_unlabelled else ""
            )
            raise ValueError(
                f"StackedAutoEncoderClassifier needs at least 2 classes among the labelled "
                f"rows; got 1 class ({self.classes_[:1].tolist()[0]!r}).{left_out}"
            )
        codes = np.searchsorted(self.classes_, y[labelled]).astype(np.int64)
        return codes, (None if labelled.all() else labelled), len(self.classes_)

    def _criterion(self):
        return nn.CrossEntropyLoss

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``.
        """
        return softmax(self._forward(X), axis=1)

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels.
        """
        logits = self._forward(X)
        return self.classes_[np.argmax(logits, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on the labelled rows of X and y.

        Rows labelled ``unlabeled_label`` are left out, as in fit, so that
        ``GridSearchCV``'s default scoring and ``cross_val_score`` measure the labelled
        rows only (scikit-learn's ``ClassifierMixin.score`` counts them as errors).
        Other scorers see every row: leave the unlabelled rows out of the scored data.
        Text labels mixed with an integer ``-1`` need a ``cv`` that does not stratify
        (``KFold``): scikit-learn's stratified splits cannot sort them.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,)
            True labels, ``unlabeled_label`` where a row has none.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Accuracy of ``predict`` on the labelled rows.
        """
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y, sample_weight)
        labelled = labelled_mask(y, self.unlabeled_label)
        if not labelled.any():
            raise ValueError(f"score got only unlabelled rows (y == {self.unlabeled_label}); "
                             f"accuracy needs labelled ones.")
        rows = np.flatnonzero(labelled)
        if sample_weight is not None:
            sample_weight = _safe_indexing(sample_weight, rows)
        return accuracy_score(y[rows], self.predict(_safe_indexing(X, rows)),
                              sample_weight=sample_weight)


@shared_parameter_docs
class StackedAutoEncoderRegressor(RegressorMixin, _BaseStackedNetwork):
    __doc__ = """Regressor whose hidden layers start from greedy autoencoder pre-training.

    Targets (one or several columns) are standardised internally.
""" + _SHARED_DOC + """
    Attributes
    ----------
    n_outputs_ : int
        Number of target columns.
    y_mean_ : ndarray of shape (`n_outputs_`,)
        Target means subtracted before training.
    y_scale_ : ndarray of shape (`n_outputs_`,)
        Target standard deviations divided out before training.
    pretrain_loss_curves_ : list of list of float
        Pre-training loss curve of each hidden layer, bottom first (empty for "none").
    loss_curve_ : list of float
        Fine-tuning MSE (of standardised targets) of each epoch.
    validation_scores_ : list of float or None
        With ``early_stopping``, the negative held-out loss per epoch.
""" + _SHARED_ATTRIBUTES + """
    See Also
    --------
    StackedAutoEncoderClassifier : The same for classification.
    sklearn.neural_network.MLPRegressor : Random initialisation only.

    References
    ----------
    Y. Bengio et al., "Greedy layer-wise training of deep networks", NIPS 2006.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skae import StackedAutoEncoderRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = StackedAutoEncoderRegressor((32,), pretrain_max_iter=2, max_iter=5,
    ...                                   random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _multi_output = True

    def _prepare_targets(self, y):
        if np.ndim(y) == 2 and np.shape(y)[1] == 1:  # as MLPRegressor warns
            warn_at_caller("A column-vector y was passed when a 1d array was expected. "
                           "Please change the shape of y to (n_samples,), for example "
                           "using ravel().", DataConversionWarning)
            y = np.ravel(y)
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        # None, NaN or infinity in an object y pass the finiteness check
        for bad, name in ((np.isnan, "NaN (or None)"), (np.isinf, "infinity")):
            if bad(Y).any():
                raise ValueError(f"Input y contains {name}: every row needs a finite target.")
        self.n_outputs_ = Y.shape[1]
        self.y_mean_ = Y.mean(axis=0)
        with np.errstate(over="ignore"):
            std = Y.std(axis=0)
        if not np.all(np.isfinite(std)):
            raise ValueError(
                f"y's values (up to {np.abs(Y).max():.3g}) are too large for their spread to "
                "be computed in float64; rescale y first."
            )
        self.y_scale_ = np.where(std > 0, std, 1.0)
        return ((Y - self.y_mean_) / self.y_scale_).astype(np.float32), None, self.n_outputs_

    def _criterion(self):
        return nn.MSELoss

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, one column per target (raveled for a single target).
        """
        # float64, as the targets' mean and scale are: y = 1e8 + small keeps its small part
        out = self._forward(X) * self.y_scale_ + self.y_mean_
        return out.ravel() if self.n_outputs_ == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
