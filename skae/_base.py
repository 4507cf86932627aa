"""Shared private base of skae's autoencoders: validation, fitting, transform and scoring.

A subclass supplies only :meth:`_module_kwargs` (what torch module to train);
the base validates input, standardises it, builds the skorch net through the
engine, trains it and records the fitted attributes.
"""

import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import check_is_fitted, validate_data

from ._data import (
    as_float32_rows,
    column_stats,
    global_scale,
    wrap_like_output,
)
from ._device import resolve_device
from ._modules import ACTIVATIONS, AutoEncoder, PairLoss
from ._persistence import net_from_state, net_to_state
from ._pretraining import check_unit_interval
from ._training import (
    COMPILE_MODES,
    TensorData,
    build_net,
    forward_in_batches,
    initialize_net,
    to_torch,
    train,
)
from ._version import __version__

_FLOAT_DTYPES = [np.float64, np.float32]


def derive_seed(random_state, offset=0):
    """A torch seed drawn from ``random_state`` (None: fresh entropy), shifted by ``offset``."""
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return (int(seed) + offset) % (2**31 - 1)


def check_hidden_layer_sizes(hidden_layer_sizes):
    """``hidden_layer_sizes`` as a tuple of positive ints, or a ValueError naming it."""
    sizes = tuple(np.ravel(hidden_layer_sizes).tolist())
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in sizes):
        raise ValueError(
            f"hidden_layer_sizes must hold positive integers, got {hidden_layer_sizes!r}."
        )
    return sizes


TRAINING_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "solver": [StrOptions({"adam", "sgd", "lbfgs"})],
    "momentum": [Interval(Real, 0, 1, closed="left")],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "learning_rate_schedule": [StrOptions({"constant", "cosine"})],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "shuffle": ["boolean"],
    "device": [str],
    "precision": [StrOptions({"float32", "bf16-mixed"})],
    "compile": ["boolean", StrOptions(set(COMPILE_MODES))],
    "cuda_graphs": ["boolean"],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


# parameter entries every estimator's docstring shares, in place of its ``<name>`` line
_SHARED_PARAMETER_DOCS = {
    "<solver, momentum>": """\
    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        "adam": minibatch Adam. "sgd": minibatch stochastic gradient descent with
        ``momentum`` (the papers' optimiser; it needs a larger ``learning_rate``
        than Adam: 0.02-0.2 fine-tuned MNIST classifiers in the benchmarks).
        "lbfgs": full-batch L-BFGS with a strong-Wolfe line search, for small
        data; each epoch is one L-BFGS step of up to 20 iterations. Where there
        is pre-training, it uses the same solver.
    momentum : float, default=0.9
        Heavy-ball momentum of sgd, in [0, 1) (0: plain SGD). Ignored by the
        other solvers.
""",
    "<alpha>": """\
    alpha : float, default=1e-4
        L2 penalty on the weights (not the biases): ``0.5 * alpha * ||W||^2`` added
        to each batch's mean loss, i.e. torch's ``weight_decay=alpha``; pre-training
        uses it too, where there is one, unless ``pretrain_alpha`` is set.
        scikit-learn's MLP divides its ``alpha`` by the batch size, so
        ``MLPClassifier(alpha=a, batch_size=b)`` penalises as ``alpha=a / b`` does
        here.
""",
    "<pretrain_learning_rate, pretrain_alpha>": """\
    pretrain_learning_rate : float or None, default=None
        Step size of pre-training; None: ``learning_rate``. The two phases may want
        different ones, as in the papers: with sgd at batch 20 the benchmarks
        pre-trained MNIST layers with 2.0 and fine-tuned with 0.1-0.2.
    pretrain_alpha : float or None, default=None
        L2 penalty of pre-training, in ``alpha``'s form; None: ``alpha``. The two
        phases' losses differ in scale (pre-training's is a mean over the
        features), and the papers pre-trained without a penalty.
""",
    "<learning_rate_schedule>": """\
    learning_rate_schedule : {"constant", "cosine"}, default="constant"
        "cosine" anneals the step size to 0 over ``max_iter`` epochs of each fit
        (each pre-trained layer over ``pretrain_max_iter``, where there is one); with
        it a linear autoencoder settles onto PCA's subspace (0.08 degrees on MNIST in
        the benchmarks). Ignored by lbfgs and by ``partial_fit``, which keeps the step
        size.
""",
    "<precision, compile, cuda_graphs>": """\
    precision : {"float32", "bf16-mixed"}, default="float32"
        "bf16-mixed" runs the training forward passes under
        ``torch.autocast(dtype=torch.bfloat16)`` (weights, optimiser and loss stay
        float32), a little less exact. Whether it is faster depends on the model: on
        an H200 it made the deep MNIST autoencoder slower in four runs of five (see
        the benchmarks).
        ``transform`` and scoring always compute in the input's float dtype.
    compile : bool or {"default", "reduce-overhead", "max-autotune"}, default=False
        Train through ``torch.compile`` of the module (the first epoch pays the
        compilation; the fitted module stays a plain, picklable ``nn.Module``). A
        string is ``torch.compile``'s ``mode`` (True means "default"):
        "reduce-overhead" replays the forward and backward passes as CUDA graphs, one
        launch each instead of one per kernel, which pays off on a GPU when small
        batches leave it waiting for kernel launches (on the CPU it compiles as
        "default").
    cuda_graphs : bool, default=False
        On CUDA with the adam solver, capture the whole training step (forward,
        loss, backward and Adam's update) as one CUDA graph and replay it for each
        full batch: one launch a step instead of one per kernel, which is what a
        small network on a fast GPU waits for. Each batch is still its own step on
        its own rows; the first 3 full batches and each epoch's last partial one run
        eagerly, and the cosine schedule recaptures once an epoch (its step size is
        a constant of the graph). Not combined with ``compile`` (its CUDA graphs
        cannot nest): with both set, ``compile`` wins. Ignored on the CPU and by
        the sgd and lbfgs solvers.
""",
}


def shared_parameter_docs(cls):
    """Class decorator: put the shared parameter entries in place of their markers."""
    for marker, entry in _SHARED_PARAMETER_DOCS.items():
        cls.__doc__ = cls.__doc__.replace(f"    {marker}\n", entry)
    return cls


class _NetMixin:
    """What every skae estimator owning a trained skorch net (``net_``) shares."""

    def __getstate__(self):
        # plain data only (numpy arrays, numbers, strings): safe for skops.io, see _persistence
        state = dict(super().__getstate__())  # object.__getstate__ returns __dict__ itself
        state["_skae_version"] = __version__
        if "net_" in state:
            state["net_"] = net_to_state(state["net_"])
            state["device_"] = str(state["device_"])
        return state

    def __setstate__(self, state):
        version = state.pop("_skae_version", None)
        if version is not None and version != __version__:
            warnings.warn(
                f"This {type(self).__name__} was pickled with skae {version} and is loaded "
                f"with skae {__version__}; it may not work as before.", UserWarning,
                stacklevel=2,
            )
        net_state = state.pop("net_", None)
        super().__setstate__(state)
        if isinstance(net_state, dict):  # a GPU-fitted model comes back on the CPU without CUDA
            self.net_ = net_from_state(net_state, self.get_params(), *self._net_classes())
        elif net_state is not None:  # pickled before nets were stored as plain data
            self.net_ = net_state
        if net_state is not None:
            self.device_ = next(self.module_.parameters()).device

    def _fit_standardization(self, X):
        """Record ``mean_``, ``scale_`` and ``device_``; return X's column statistics."""
        stats = column_stats(X)
        self.mean_, self.scale_ = stats["mean"], global_scale(stats["var"], stats["mean"])
        self.device_ = resolve_device(self.device)
        return stats

    def _make_net(self, module, criterion, module_kwargs, seed, criterion_kwargs=None):
        """Build ``net_`` from this estimator's parameters and initialise it, seeded locally."""
        self.net_ = build_net(self.get_params(), module=module, module_kwargs=module_kwargs,
                              criterion=criterion, criterion_kwargs=criterion_kwargs or {},
                              device=self.device_, seed=seed)
        initialize_net(self.net_, seed)

    def _train_net(self, data, *, epochs, seed, incremental=False):
        try:
            result = train(self.net_, data, epochs=epochs, seed=seed)
        except FloatingPointError:
            self._forget_fit()
            raise
        self._record_history()
        self._warn_on_stop(result, incremental)

    def _validation_score(self, loss):
        """The validation score (higher is better) recorded for a validation loss."""
        return -loss

    def _record_history(self):
        history = self.net_.history
        self.n_iter_ = len(history)
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]] if len(history) else []
        self.validation_scores_ = None
        if self.net_.train_split is not None and len(history):
            self.validation_scores_ = [
                self._validation_score(float(v)) for v in history[:, "valid_loss"]
            ]

    def _warn_on_stop(self, result, incremental):
        if result.interrupted:
            warnings.warn(
                f"Training was interrupted after {result.epochs} epoch(s); the estimator "
                "keeps the weights trained so far.", UserWarning, stacklevel=3,
            )
        elif not (result.stopped_early or incremental or result.epochs == 0):
            warnings.warn(
                f"Maximum iterations ({self.max_iter}) reached and the optimization "
                "hasn't converged yet.", ConvergenceWarning, stacklevel=3,
            )

    def _forget_fit(self):
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)

    @property
    def module_(self):
        """The trained torch module: ``encode``, ``decode``; ``encoder``, ``decoder`` layers."""
        return self.net_.module_

    def to(self, device):
        """Move the fitted model to ``device`` (as ``torch.nn.Module.to`` does) and return self.

        Parameters
        ----------
        device : str
            "auto", "cpu", "cuda", "cuda:N" or "mps".

        Returns
        -------
        self : object
            The estimator, now computing on ``device``.
        """
        check_is_fitted(self)
        self.device_ = resolve_device(device)
        self.net_.device = self.device_
        self.net_.module_.to(self.device_)
        return self


CODE_CONSTRAINTS = {
    "code_activation": [StrOptions(set(ACTIVATIONS))],
    "tied_weights": ["boolean"],
    "reconstruction_loss": [StrOptions({"mse", "cross_entropy"})],
}


class _CodeOptionsMixin:
    """The parameters ``code_activation``, ``tied_weights``, ``reconstruction_loss``."""

    def _code_options(self):
        return {"code_activation": self.code_activation, "tied_weights": self.tied_weights,
                "reconstruction_loss": self.reconstruction_loss}


class _BaseAutoEncoder(_NetMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                       BaseEstimator, metaclass=ABCMeta):
    """Fit, transform, inverse_transform and score for an autoencoder trained by skorch."""

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        **TRAINING_CONSTRAINTS,
        "warm_start": ["boolean"],
    }

    # PCA refuses more components than features; a denoising autoencoder need not
    _allow_overcomplete = False

    def __init__(self, n_components=None, *, hidden_layer_sizes=(256,), activation="relu",
                 solver="adam", momentum=0.9, alpha=1e-4, batch_size="auto", learning_rate=1e-3,
                 learning_rate_schedule="constant", max_iter=200, tol=1e-4, n_iter_no_change=10,
                 early_stopping=False, validation_fraction=0.1, shuffle=True, device="auto",
                 precision="float32", compile=False, cuda_graphs=False,
                 random_state=None, verbose=0,
                 warm_start=False):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
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
        self.warm_start = warm_start

    # ---- the hook a subclass supplies -------------------------------------------------

    @abstractmethod
    def _module_kwargs(self, n_features, stats):
        """Keyword arguments of :class:`~skae._modules.AutoEncoder` for this estimator."""

    # ---- fitting ------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the autoencoder to X for up to ``max_iter`` epochs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; it is standardised internally.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, epochs=self.max_iter, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train one epoch over the given rows, initialising on the first call.

        The standardisation is computed from the first call's rows and kept.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The partially fitted estimator.
        """
        return self._fit(X, epochs=1, incremental=True)

    def _fit(self, X, *, epochs, incremental):
        first_call = not (hasattr(self, "net_") and (incremental or self.warm_start))
        X = validate_data(self, X, reset=first_call, accept_sparse="csr", dtype=_FLOAT_DTYPES)
        seed = derive_seed(self.random_state, 0 if first_call else self.n_iter_)
        X32 = as_float32_rows(X)
        if first_call:
            stats = self._initialize(X, seed)
            self._pretrain(X32, stats, seed)
        data = TensorData(to_torch(X32, self.device_), device=self.device_,
                          generator=torch.Generator().manual_seed(seed))
        self._train_net(data, epochs=epochs, seed=seed, incremental=incremental)
        return self

    def _initialize(self, X, seed):
        self.n_components_ = self._check_n_components(X.shape[1])
        stats = self._fit_standardization(X)
        options = self._code_options()
        loss = options.pop("reconstruction_loss")
        if loss == "cross_entropy":  # the papers' setting: [0, 1] data used as it is
            check_unit_interval(stats)
            self.mean_, self.scale_ = np.zeros_like(self.mean_), 1.0
        module_kwargs = {**self._module_kwargs(X.shape[1], stats), **options,
                         "logits": loss == "cross_entropy"}
        self._make_net(*self._net_classes(), module_kwargs, seed, {"kind": loss})
        return stats

    def _code_options(self):
        """The code's activation, weight tying and reconstruction loss (fixed by default)."""
        return {"code_activation": "identity", "tied_weights": False,
                "reconstruction_loss": "mse"}

    def _net_classes(self):
        """The module and criterion classes of ``net_``."""
        return AutoEncoder, PairLoss

    def _pretrain(self, X, stats, seed):
        """Hook run once the module exists, before the first training; no-op by default."""

    def _check_n_components(self, n_features):
        n_components = n_features if self.n_components is None else self.n_components
        if n_components > n_features and not self._allow_overcomplete:
            raise ValueError(
                f"n_components={n_components} must be at most the number of features "
                f"({n_features}), as in PCA; DenoisingAutoEncoder allows over-complete codes."
            )
        return n_components

    def _base_module_kwargs(self, n_features):
        return {
            "n_features": n_features,
            "hidden_layer_sizes": check_hidden_layer_sizes(self.hidden_layer_sizes),
            "n_components": self.n_components_,
            "activation": self.activation,
            "mean": self.mean_,
            "scale": self.scale_,
        }

    # ---- using a fitted model -----------------------------------------------------------

    def _validation_score(self, loss):
        # a score() on the held-out rows: negative MSE in X's units (or cross-entropy)
        if self._code_options()["reconstruction_loss"] == "cross_entropy":
            return -loss
        return -loss * self.scale_**2

    @property
    def _n_features_out(self):
        return self.n_components_

    def transform(self, X):
        """Encode X into its ``n_components`` code.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data to encode, one batch at a time on the fitted device.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            The codes, in X's float dtype.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse="csr", dtype=_FLOAT_DTYPES)
        return forward_in_batches(self.module_, "encode", X, self.device_)

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Under ``set_output(transform="pandas")`` (or ``"polars"``) the result is a
        DataFrame with the input's column names.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by :meth:`transform`.

        Returns
        -------
        X_original : ndarray or DataFrame of shape (n_samples, n_features)
            The reconstructions, in the input's units.
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=_FLOAT_DTYPES)
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {Z.shape[1]} features, but inverse_transform expects "
                f"n_components={self.n_components_} code columns."
            )
        X_rec = forward_in_batches(self.module_, "decode", Z, self.device_)
        container = _get_output_config("transform", self)["dense"]
        columns = getattr(self, "feature_names_in_", [f"x{i}" for i in range(self.n_features_in_)])
        return wrap_like_output(X_rec, container, columns, index=getattr(X, "index", None))

    def score_samples(self, X):
        """Negative mean squared reconstruction error of each row (higher is better).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data to reconstruct; never corrupted.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-mean((x - inverse_transform(transform(x))) ** 2)`` per row, in X's units.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse="csr", dtype=_FLOAT_DTYPES)
        return forward_in_batches(self.module_, "reconstruct", X, self.device_,
                                  post=_neg_row_mse)

    def score(self, X, y=None):
        """Negative mean squared reconstruction error (higher is better).

        Lets ``GridSearchCV`` choose ``n_components`` and the like without labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data to reconstruct.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        score : float
            Mean of :meth:`score_samples`.
        """
        return float(np.mean(self.score_samples(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _neg_row_mse(x, reconstruction):
    # in float64: squared errors of float32 data beyond 1e19 overflow float32
    return -((reconstruction.double() - x.double()) ** 2).mean(dim=1)
