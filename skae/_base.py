"""Shared private base of skae's estimators: validation, configuration, transactions.

``_NetMixin`` holds what every estimator owning a trained skorch net (``net_``) shares:
persistence, the transaction around each fit, recording the training history.
``_BaseAutoEncoder`` is the autoencoders' template: its ``fit`` validates, builds the
:class:`~skae._config.FitConfig`, makes the module (the subclass's hook), trains it through
the engine and records the fitted attributes; ``transform``, ``inverse_transform`` and
scoring are shared.
"""

import copy
import math
import os
import sys
import warnings
from abc import ABCMeta, abstractmethod
from contextlib import contextmanager
from numbers import Integral, Real

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import assert_all_finite, check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import check_is_fitted, validate_data

from ._config import LOSSES, Count, FitConfig, train_config
from ._data import (
    as_float32_rows,
    canonical_csr,
    check_observed_rows,
    column_stats,
    global_scale,
    may_hold_nan,
    pca_basis,
    wrap_like_output,
)
from ._device import resolve_device
from ._feeding import TensorData, forward_in_batches, hold_out, to_torch
from ._modules import ACTIVATIONS, AutoEncoder, PairLoss, set_linear_path
from ._persistence import net_from_state, net_to_state
from ._training import COMPILE_MODES, Monitor, build_net, train
from ._version import __version__

_FLOAT_DTYPES = [np.float64, np.float32]


def derive_seed(random_state, offset=0):
    """A torch seed drawn from ``random_state`` (None: numpy's global RNG, as in
    scikit-learn), shifted by ``offset``."""
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
    "hidden_layer_sizes": ["array-like", Count(1)],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "solver": [StrOptions({"adam", "sgd", "lbfgs"})],
    "momentum": [Interval(Real, 0, 1, closed="left")],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Count(1)],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "learning_rate_schedule": [StrOptions({"constant", "cosine"})],
    "max_iter": [Count(1)],
    "tol": [Interval(Real, 0, None, closed="left")],
    "n_iter_no_change": [Count(1)],
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
        ``momentum`` (the papers' optimiser; its step size is not scale-free as
        Adam's is, so it usually needs a larger ``learning_rate``, searched).
        "lbfgs": full-batch L-BFGS with a strong-Wolfe line search, for small
        data; each epoch is one L-BFGS step of up to 20 iterations, and its
        ``loss_curve_`` holds the loss plus the L2 term ``alpha`` adds (which it
        minimises with it, as ``MLPRegressor``'s curve does). Where there is
        pre-training, it uses the same solver.
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
        different ones, as in the papers: with sgd, pre-training usually takes a
        larger step than fine-tuning.
    pretrain_alpha : float or None, default=None
        L2 penalty of pre-training, in ``alpha``'s form; None: ``alpha``. The two
        phases' losses differ in scale (pre-training's is a mean over the
        features), and the papers pre-trained without a penalty.
""",
    "<learning_rate_schedule>": """\
    learning_rate_schedule : {"constant", "cosine"}, default="constant"
        "cosine" anneals the step size to 0 over ``max_iter`` epochs of each fit
        (each pre-trained layer over ``pretrain_max_iter``, where there is one), which
        lets a linear autoencoder settle onto PCA's subspace. Ignored by lbfgs and by
        ``partial_fit``, which keeps the step size.
""",
    "<precision, compile, cuda_graphs>": """\
    precision : {"float32", "bf16-mixed"}, default="float32"
        "bf16-mixed" runs the training forward passes under
        ``torch.autocast(dtype=torch.bfloat16)`` (weights, optimiser and loss stay
        float32), a little less exact. Whether it is faster depends on the model
        (and on ``cuda_graphs``): measure it. ``transform`` and scoring always
        compute in the input's float dtype.
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


@contextmanager
def transaction(estimator):
    """Leave ``estimator`` as it was when the block raises (its attributes are restored).

    The fitted net is never trained in place (a warm start trains a copy), so restoring
    the attributes restores the model.
    """
    saved = dict(vars(estimator))
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(saved)
        raise


def numeric_data(estimator, X, y="no_validation", **kwargs):
    """``validate_data`` in skae's float dtypes, naming non-numeric input (datetime
    columns, say, which numpy refuses with its own error) as a ValueError."""
    kwargs.setdefault("dtype", _FLOAT_DTYPES)
    try:
        return validate_data(estimator, X, y, **kwargs)
    except np.exceptions.DTypePromotionError as exc:
        raise ValueError(f"X must hold numbers only; {exc}") from None


def summed_cells(X):
    """Sparse ``X`` canonical (``canonical_csr``); a ValueError where cells stored twice
    sum to infinity (each was finite when validated)."""
    X = canonical_csr(X)
    if np.isinf(X.data).any():
        raise ValueError("Input X contains infinity: cells stored twice in the sparse "
                         "matrix sum to it.")
    return X


def validated(estimator, X, y="no_validation", **kwargs):
    """``numeric_data`` letting NaN (a missing entry) through; infinity is refused and a
    row with no observed entry is a ValueError naming it. Sparse X comes back canonical
    (a cell stored twice is one entry, their sum, as in ``toarray()``).
    """
    # X's finiteness is checked here, after the sparse cells stored twice are summed
    # (finite cells can sum to infinity), and with one pass over X where it is complete
    out = numeric_data(estimator, X, y, ensure_all_finite=False, **kwargs)
    X_checked = out[0] if isinstance(out, tuple) else out
    if sp.issparse(X_checked) and not X_checked.has_canonical_format:
        X_checked = summed_cells(X_checked)
        out = (X_checked, *out[1:]) if isinstance(out, tuple) else X_checked
    values = X_checked.data if sp.issparse(X_checked) else X_checked
    with np.errstate(all="ignore"):
        complete = values.size == 0 or bool(np.isfinite(np.sum(values)))
    if not complete:  # NaN, infinity, or a sum too large for float
        assert_all_finite(values, allow_nan=True, estimator_name=type(estimator).__name__,
                          input_name="X")
        check_observed_rows(X_checked)
    return out


# frames in these packages are not the user's line a warning should point at (joblib:
# cross_val_score and the searches call fit through it)
_LIBRARY_DIRS = tuple(os.path.dirname(path) + os.sep
                      for path in (__file__, sklearn.__file__, joblib.__file__))


def warn_at_caller(message, category):
    """``warnings.warn`` with the stacklevel of the first frame outside skae, sklearn and
    joblib: the user's line (in a worker thread or process, the first frame of its own
    machinery, e.g. ``threading.py``; the outermost frame where the stack has no other)."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level + 1)


def _named(columns, names=None):
    """The first ten ``columns`` (indices) as a message names them: by ``names`` (X's
    column names) where X had them."""
    shown = [repr(str(names[j])) if names is not None else str(j) for j in columns[:10]]
    return ", ".join(shown) + (", ..." if len(columns) > 10 else "")


def warn_of_empty_columns(stats, method, names=None):
    """Warn when a column of the rows that fix the standardisation has no observed entry."""
    empty = np.flatnonzero(stats["count"] == 0)
    if empty.size:
        named = _named(empty, names)
        warn_at_caller(
            f"{method}: column(s) {named} of X have no observed entry (NaN in every row): "
            "the model learns nothing of them, and their mean is taken as 0"
            + (", which later partial_fit calls keep" if method == "partial_fit" else "")
            + ". Drop them, or fit on rows where they are observed.", UserWarning)


#: a column whose float32 steps at its magnitude exceed this share of its standard
#: deviation loses its variation when skae casts X to float32 to train
COARSE_STEP = 0.1


def warn_of_coarse_columns(stats, method, names=None):
    """Warn when float32, in which the networks train, resolves a column only coarsely
    for its spread (steps above ``COARSE_STEP`` standard deviations at its magnitude:
    values near 1e8 varying by 1, say): the model then sees little of that variation,
    where PCA, in float64, sees all of it. The float64 centring of ``transform`` comes
    too late for training."""
    with np.errstate(over="ignore", invalid="ignore"):
        magnitude = np.fmax(np.abs(stats["min"]), np.abs(stats["max"]))
        step = np.spacing(magnitude.astype(np.float32)).astype(np.float64)
        coarse = np.flatnonzero((stats["std"] > 0) & (step > COARSE_STEP * stats["std"]))
    if coarse.size:
        j = coarse[0]
        warn_at_caller(
            f"{method}: column(s) {_named(coarse, names)} of X vary little for their size: "
            f"float32, in which the model trains, holds them in coarse steps (column "
            f"{_named(coarse[:1], names)}: values up to {magnitude[j]:.3g} in size, standard "
            f"deviation {stats['std'][j]:.3g}, float32 steps of {step[j]:.3g} there), so "
            "the model sees little of that variation, where PCA sees all of it. Centre "
            "those columns first (subtract their means; StandardScaler does, on dense X).",
            UserWarning)


def fresh_generator(seed):
    return torch.Generator().manual_seed(int(seed))


class _Versioned:
    """Pickles carry skae's version; a fitted estimator loaded by another version warns.

    An unfitted one does not (it has nothing learned to change), nor does a private part
    of a public estimator (``_warn_on_version = False``): the estimator owning it warns.
    """

    _warn_on_version = True

    def __getstate__(self):
        state = dict(super().__getstate__())  # object.__getstate__ returns __dict__ itself
        state["_skae_version"] = __version__
        return state

    def __setstate__(self, state):
        version = state.pop("_skae_version", None)
        fitted = any(k.endswith("_") and not k.startswith("__") for k in state)
        if (version is not None and version != __version__ and fitted
                and self._warn_on_version):
            warnings.warn(
                f"This {type(self).__name__} was pickled with skae {version} and is loaded "
                f"with skae {__version__}; it may not work as before.", UserWarning,
                stacklevel=2,
            )
        super().__setstate__(state)


class _NetMixin(_Versioned):
    """What every skae estimator owning a trained skorch net (``net_``) shares."""

    # parameters that fix the model's shape: a warm start cannot change them
    _architecture_params = ("hidden_layer_sizes", "activation", "tied_weights")

    def __getstate__(self):
        # plain data only (numpy arrays, numbers, strings): safe for skops.io, see _persistence
        state = super().__getstate__()
        if "net_" in state:
            state["net_"] = net_to_state(state["net_"])
            state["device_"] = str(state["device_"])
        if "_fit_config" in state:
            state["_fit_config"] = state["_fit_config"].to_dict()
        return state

    def __setstate__(self, state):
        net_state = state.pop("net_", None)
        if isinstance(state.get("_fit_config"), dict):
            state["_fit_config"] = FitConfig.from_dict(state["_fit_config"])
        super().__setstate__(state)
        if net_state is not None:  # a GPU-fitted model comes back on the CPU without CUDA
            self.net_ = net_from_state(net_state, self._module_class(), self._make_criterion)
            self.device_ = next(self.module_.parameters()).device

    def _say(self, message, config):
        """Print ``message`` under the estimator's name where the fit's ``verbose`` >= 1."""
        if config.train.verbose >= 1:
            print(f"[{type(self).__name__}] {message}")

    # ---- configuration ---------------------------------------------------------------

    def _architecture(self):
        # copies: a list the user passed (hidden_layer_sizes) may change after the fit
        return {name: copy.deepcopy(getattr(self, name)) for name in self._architecture_params}

    def _build_config(self, **train_overrides):
        """The validated parameters as one FitConfig (called once, at the door)."""
        params = self.get_params(deep=False)
        return FitConfig(train_config(params, **train_overrides), self._architecture(),
                         self._pretrain_config())

    def _pretrain_config(self):
        return None

    def _check_warm_start(self, config):
        changed = self._fit_config.changed_architecture(config.architecture)
        if changed:
            names = ", ".join(changed)
            raise ValueError(
                f"{type(self).__name__} was fitted with other {names} than it has now; "
                "a warm start or partial_fit cannot change the architecture. Set "
                "warm_start=False (or call fit) to train a new model."
            )

    # ---- training ---------------------------------------------------------------------

    def _new_net(self, config, module, module_spec, monitor, device, complete=False):
        """A net for ``module``; ``complete``: the training data has no missing entry."""
        net = build_net(config.train, module=module,
                        criterion=self._make_criterion(config.train, complete),
                        device=device, monitor=monitor, module_spec=module_spec)
        return net.initialize()

    def _warm_net(self, config, monitor, device, complete=False):
        """A new net around a copy of the fitted module, trained as ``config`` says now.

        The optimiser's state carries over when the solver is the same; the new
        step size, penalty and momentum apply from the next step.
        """
        old = self.net_
        module = copy.deepcopy(old.module_).to(device)
        net = self._new_net(config, module, old.module_spec, monitor, device, complete)
        if type(net.optimizer_) is type(old.optimizer_):
            hyper = [{k: v for k, v in g.items() if k != "params"}
                     for g in net.optimizer_.param_groups]
            net.optimizer_.load_state_dict(copy.deepcopy(old.optimizer_.state_dict()))
            for group, values in zip(net.optimizer_.param_groups, hyper, strict=True):
                group.pop("initial_lr", None)  # the old fit's schedule start
                group.update(values)
        net.history = type(old.history)(list(old.history))
        return net

    def _train(self, net, data, *, epochs, incremental):
        """Train ``net`` through the engine; warn as its result says; return the result."""
        result = train(net, data, epochs=epochs)
        if result.interrupted and result.best_epoch is None:
            # the weights kept include the cut epoch's steps, which no loss has seen
            dict(net.callbacks_)["monitor"].check_last_steps(net, data, interrupted=True)
        if result.interrupted:
            warn_at_caller(
                f"Training was interrupted after {result.epochs} complete epoch(s) of this "
                "call; the estimator keeps "
                + ("the best epoch's weights." if result.best_epoch is not None
                   else "the weights as they were (part of the next epoch included)."),
                UserWarning,
            )
        elif not (result.stopped_early or incremental or result.epochs == 0):
            warn_at_caller(
                f"Maximum iterations ({net.max_epochs}) reached and the optimization "
                "hasn't converged yet.", ConvergenceWarning,
            )
        return result

    def _record(self, net, config, device):
        history = net.history
        self.net_, self._fit_config, self.device_ = net, config, device
        self.n_iter_ = len(history)
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]] if len(history) else []
        valid = [e.get("valid_loss") for e in history]
        self.validation_scores_ = None
        if any(v is not None for v in valid):  # NaN for the epochs of a call without any
            self.validation_scores_ = [math.nan if v is None else self._validation_score(v)
                                       for v in valid]

    def _validation_score(self, loss):
        """The validation score (higher is better) recorded for a validation loss."""
        return -loss

    @property
    def module_(self):
        """The trained torch module."""
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
    "reconstruction_loss": [StrOptions(set(LOSSES))],
}


class _BaseAutoEncoder(_NetMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                       BaseEstimator, metaclass=ABCMeta):
    """Fit, transform, inverse_transform and score for an autoencoder trained by skorch.

    A subclass sets ``code_activation``, ``tied_weights`` and ``reconstruction_loss`` in
    its ``__init__`` and supplies :meth:`_corruption`, :meth:`_resolve_init` and, where it
    pre-trains, :meth:`_pretrain`.
    """

    _parameter_constraints: dict = {
        "n_components": [Count(1), None],
        **TRAINING_CONSTRAINTS,
        **CODE_CONSTRAINTS,
        "warm_start": ["boolean"],
    }
    _architecture_params = ("n_components", "hidden_layer_sizes", "activation",
                            "code_activation", "tied_weights", "reconstruction_loss")

    # PCA refuses more components than features; a denoising autoencoder need not
    _allow_overcomplete = False
    # whether the encoder reads the mask of observed entries beside the values
    _missing_indicator = False

    def _build_config(self, **train_overrides):
        return super()._build_config(loss=self.reconstruction_loss, **train_overrides)

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

    # ---- the hooks a subclass supplies ------------------------------------------------

    @abstractmethod
    def _corruption(self, config, stats, seed):
        """The training-time corruption layer ``config`` (a FitConfig) implies, seeded
        with ``seed``, or None."""

    def _resolve_init(self, config, n_features, n_components):
        """How the model ``config`` describes starts: "pca" or "random" (``init_``)."""
        return "random"

    def _pretrain(self, module, spec, X, stats, config, seed, device):
        """Hook run on a new module (built from ``spec``) before its first training;
        returns the pre-training loss curves, or None where there is no pre-training."""
        return None

    # ---- fitting ------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the autoencoder to X for up to ``max_iter`` epochs.

        If it raises (bad data, divergence, an interrupt in the first epoch), the
        estimator is left as it was before the call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; it is standardised internally. NaN marks a missing
            entry: it enters as its column's mean and is left out of the loss and of
            the standardisation (a row needs one observed entry).
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with transaction(self):
            self._fit(X, incremental=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train one epoch over the given rows, initialising on the first call.

        The standardisation is computed from the first call's rows and kept; nothing is
        held out and the step size stays constant. If it raises, the estimator is left as
        it was before the call.

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
        with transaction(self):
            self._fit(X, incremental=True)
        return self

    def _fit(self, X, *, incremental):
        warm = hasattr(self, "net_") and (incremental or self.warm_start)
        X = validated(self, X, reset=not warm, accept_sparse="csr")
        overrides = ({"max_iter": 1, "early_stopping": False,
                      "learning_rate_schedule": "constant"} if incremental else {})
        # the parameters are read here, at the door: the fit uses these alone
        random_state, device = self.random_state, resolve_device(self.device)
        config = self._build_config(**overrides)
        if warm:
            self._check_warm_start(config)
        stats = column_stats(X)
        config.loss.check(stats)  # warm or new: cross-entropy needs X in [0, 1]
        seed = derive_seed(random_state, self.n_iter_ if warm else 0)
        X32 = as_float32_rows(X)
        data = TensorData(to_torch(X32, device), device=device,
                          generator=fresh_generator(seed))
        train_data, valid = data, None
        if config.train.early_stopping:
            # a warm start holds out the rows the first fit held out (same X, seed)
            split = derive_seed(random_state) if warm else seed
            train_data, valid = hold_out(data, config.train.validation_fraction, split)
            valid = self._held_out(valid, config, split)
        complete = not may_hold_nan(X)  # the loss need not mask missing targets
        if warm:
            self._fit_warm(train_data, valid, config, device, seed, incremental, complete)
        else:
            self._fit_new(X, X32, stats, train_data, valid, config, device, seed,
                          incremental, complete)

    def _fit_warm(self, train_data, valid, config, device, seed, incremental, complete):
        # the weights the call starts from are a candidate too (its epoch 0): held-out
        # rows never end a warm start worse than it began
        monitor = Monitor(patience=config.train.n_iter_no_change, tol=config.train.tol,
                          valid=valid, keep_start=True)
        net = self._warm_net(config, monitor, device, complete)
        self._update_corruption(net.module_, config, seed)
        result = self._train(net, train_data, epochs=config.train.max_iter,
                             incremental=incremental)
        # epochs count over all calls, as n_iter_ and loss_curve_ do
        before, start = self.n_iter_, self.best_epoch_
        self._record(net, config, device)
        if result.best_epoch is None:
            self.best_epoch_ = None
        elif result.best_epoch == 0:  # the call's start: the epoch it came from
            self.best_epoch_ = before if start is None else start
        else:
            self.best_epoch_ = before + result.best_epoch

    def _held_out(self, valid, config, seed):
        """What early stopping monitors on the held-out rows (:func:`held_out_loss`)."""
        return valid

    def _update_corruption(self, module, config, seed):
        """Carry ``config``'s noise and noise ratio over to the module, reseeded (warm
        starts)."""

    def _fit_new(self, X, X32, stats, train_data, valid, config, device, seed, incremental,
                 complete):
        loss, architecture = config.loss, config.architecture
        n_components = self._check_n_components(architecture["n_components"], X.shape[1])
        if incremental and loss.standardizes and not np.any(stats["var"] > 0):
            warn_at_caller(
                f"partial_fit standardises every call with its first call's rows, and these "
                f"{X.shape[0]} row(s) do not vary: mean_ is theirs and scale_ 1 (and a "
                "noise's column spreads 0). Begin with a chunk of rows that spans the data.",
                UserWarning)
        names = getattr(self, "feature_names_in_", None)
        warn_of_empty_columns(stats, "partial_fit" if incremental else "fit", names)
        warn_of_coarse_columns(stats, "partial_fit" if incremental else "fit", names)
        mean, scale = loss.standardization(stats["mean"], global_scale(stats["var"],
                                                                        stats["mean"]))
        init = self._resolve_init(config, X.shape[1], n_components)
        spec = {
            "n_features": X.shape[1],
            "hidden_layer_sizes": check_hidden_layer_sizes(architecture["hidden_layer_sizes"]),
            "n_components": n_components, "activation": architecture["activation"],
            "mean": mean, "scale": scale, "corruption": self._corruption(config, stats, seed),
            "code_activation": architecture["code_activation"],
            "tied_weights": architecture["tied_weights"],
            "logits": loss.logits, "residual": init == "pca",
            "missing_indicator": self._missing_indicator,
            # where a missing entry enters, when the model does not standardise by it
            "center": None if loss.standardizes else stats["mean"],
        }
        module = AutoEncoder(**spec, generator=fresh_generator(seed))
        if init == "pca":
            _start_at_pca(module, X, train_data, mean, scale, n_components, seed)
        curves = self._pretrain(module, spec, X32, stats, config, seed, device)
        monitor = Monitor(patience=config.train.n_iter_no_change, tol=config.train.tol,
                          valid=valid, keep_start=init == "pca")
        net = self._new_net(config, module, spec, monitor, device, complete)
        result = self._train(net, train_data, epochs=config.train.max_iter,
                             incremental=incremental)
        if init == "pca" and result.best_epoch == 0:
            _start_at_pca(net.module_, X, None, mean, scale, n_components, seed)
            self._say(f"no epoch beat PCA on the held-out rows: {type(self).__name__} is PCA "
                      "fitted on all rows", config)
        self.n_components_, self.mean_, self.scale_, self.init_ = n_components, mean, scale, init
        self.best_epoch_ = result.best_epoch
        if curves is not None:
            self.pretrain_loss_curves_ = curves
        self._record(net, config, device)

    def _make_criterion(self, train_config, complete=False):
        return PairLoss(train_config.loss, complete=complete)

    def _module_class(self):
        return AutoEncoder

    def _check_n_components(self, n_components, n_features):
        n_components = n_features if n_components is None else n_components
        if n_components > n_features and not self._allow_overcomplete:
            raise ValueError(
                f"n_components={n_components} must be at most the number of features "
                f"({n_features}), as in PCA; DenoisingAutoEncoder allows over-complete codes."
            )
        return n_components

    # ---- using a fitted model -----------------------------------------------------------

    def _validation_score(self, loss):
        # a score() on the held-out rows: negative MSE in X's units (or cross-entropy)
        return self._fit_config.loss.score(loss, self.scale_)

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
        X = validated(self, X, reset=False, accept_sparse="csr")
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
            ``-mean((x - inverse_transform(transform(x))) ** 2)`` per row, in X's units,
            over the row's observed (non-NaN) entries.
        """
        check_is_fitted(self)
        X = validated(self, X, reset=False, accept_sparse="csr")
        return forward_in_batches(self.module_, "reconstruct", X, self.device_,
                                  post=_neg_row_mse)

    def score(self, X, y=None):
        """Negative mean squared reconstruction error (higher is better).

        Lets ``GridSearchCV`` choose ``n_components`` and the like without labels. It is
        not comparable with ``PCA.score``, which is a log-likelihood.

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
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


INIT_CONSTRAINTS = {"init": [StrOptions({"auto", "pca", "random"})]}


def resolve_init(architecture, n_features, n_components):
    """``architecture["init"]`` (a FitConfig's) resolved to "pca" or "random".

    "auto" is "pca" where the model can represent PCA (a linear code, squared error, a
    code no wider than the input), else "random"; "pca" where it cannot is a ValueError
    naming ``init`` and the parameter in the way.
    """
    in_the_way = []
    code_activation, loss = architecture["code_activation"], architecture["reconstruction_loss"]
    if code_activation != "identity":
        in_the_way.append(f"code_activation={code_activation!r}")
    if not LOSSES[loss].in_data_units:
        in_the_way.append(f"reconstruction_loss={loss!r}")
    if n_components > n_features:
        in_the_way.append(f"n_components={n_components} > n_features={n_features}")
    init = architecture["init"]
    if init == "pca" and in_the_way:
        raise ValueError(
            f"init='pca' starts the model at PCA, which a model with "
            f"{' and '.join(in_the_way)} cannot represent; use init='random' or 'auto'."
        )
    return "pca" if init != "random" and not in_the_way else "random"


def _start_at_pca(module, X, rows, mean, scale, n_components, seed):
    """Set the module's linear paths to PCA of X's ``rows`` (None: all), in model units."""
    if rows is not None and rows.rows is not None:
        X = X[np.sort(rows.rows.cpu().numpy())]
    pca_mean, components = pca_basis(X, n_components, seed)
    set_linear_path(module, components, (pca_mean - mean) / scale)


def _neg_row_mse(x, reconstruction):
    # in float64: squared errors of float32 data beyond 1e19 overflow float32;
    # over each row's observed entries (NaN in x is missing)
    return -torch.nanmean((reconstruction.double() - x.double()) ** 2, dim=1)
