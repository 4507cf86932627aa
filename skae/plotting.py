"""Matplotlib helpers for skae's estimators (matplotlib is an optional dependency).

Each function returns a :class:`matplotlib.figure.Figure`.
"""

import copy
import numbers

import numpy as np
import torch
from sklearn.utils import _safe_indexing, check_scalar
from sklearn.utils.validation import check_is_fitted
from torch import nn


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError(
            "skae.plotting needs matplotlib: pip install 'skae[plot]' (or matplotlib)."
        ) from exc
    return plt


def _trained(estimator):
    """The fitted skae autoencoder behind ``estimator``: itself, an imputer's
    ``autoencoder_`` or an outlier detector's ``estimator_``."""
    check_is_fitted(estimator)
    outer = estimator
    for inner in ("autoencoder_", "estimator_"):
        estimator = getattr(estimator, inner, estimator)
    if not hasattr(estimator, "module_"):
        why = ("its columns were all empty in fit" if hasattr(outer, "kept_features_")
               else "pass a fitted skae estimator")
        raise TypeError(f"{type(outer).__name__} has no trained network to plot; {why}")
    return estimator


def _count(value, name):
    """``value`` checked as a positive integer (a count of images, filters or columns)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an instance of int, not bool.")
    return check_scalar(value, name, numbers.Integral, min_val=1)


def _first_rows(X, n):
    """The first ``n`` rows of X, in X's own type (a DataFrame keeps its feature names)."""
    return _safe_indexing(X, slice(0, n))


def first_layer_weights(estimator):
    """The first hidden layer's weights, shape (n_units, n_features), as numpy.

    The first ``nn.Linear`` of the encoder; under ``init_="pca"`` that of its hidden
    branch (the linear path beside it holds PCA's components), or, where that branch adds
    nothing (a model that is PCA, ``best_epoch_ == 0``), PCA's components, shape
    (n_components, n_features). Of an imputer's encoder, the weights of the values, not
    of the mask beside them, with NaN for the columns empty in fit.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import AutoEncoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = AutoEncoderTransformer(4, hidden_layer_sizes=(16,), init="random",
    ...                             max_iter=1).fit(X)
    >>> first_layer_weights(ae).shape
    (16, 64)
    """
    return _first_layer(estimator)[0]


def _first_layer(estimator):
    """:func:`first_layer_weights`, and whether they are PCA's components."""
    outer = estimator
    estimator = _trained(estimator)
    encoder = getattr(estimator.module_, "encoder", estimator.module_)
    is_pca = hasattr(encoder, "branch") and _unused(encoder.branch)
    if hasattr(encoder, "branch"):  # a Residual: its hidden layers, unless unused
        encoder = encoder.linear if is_pca else encoder.branch
    layer = next(m for m in encoder.modules() if isinstance(m, nn.Linear))
    # the values' weights (an imputer's encoder reads the mask of observed entries too)
    weights = layer.weight.detach().cpu().numpy()[:, :estimator.n_features_in_]
    kept = getattr(outer, "kept_features_", None)
    if kept is not None and not kept.all():  # an imputer's columns empty in fit: NaN
        full = np.full((len(weights), len(kept)), np.nan, dtype=weights.dtype)
        full[:, kept] = weights
        weights = full
    return weights, is_pca


def _unused(branch):
    """Whether a Residual's hidden branch adds nothing (its last layer is zero): the
    model is PCA (``best_epoch_ == 0``) or its branch has not trained yet."""
    last = [m for m in branch.modules() if isinstance(m, nn.Linear)][-1]
    return not (last.weight.any() or last.bias.any())


def _image_grid(plt, images, image_shape, n_cols, cmap="gray", title=None, symmetric=False):
    n_rows = int(np.ceil(len(images) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * 0.9, n_rows * 0.9 + 0.4),
                             squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, image in zip(axes.ravel(), images, strict=False):
        # white is zero weight; NaN (an imputer's column empty in fit) is left blank
        limit = np.nanmax(np.abs(image)) if symmetric else None
        ax.imshow(np.reshape(image, image_shape), cmap=cmap, interpolation="nearest",
                  vmin=-limit if symmetric else None, vmax=limit)
    if title:
        fig.suptitle(title)
    return fig


def plot_filters(estimator, image_shape, *, n_filters=64, n_cols=8):
    """First-layer weights of a fitted estimator, one image per unit.

    Parameters
    ----------
    estimator : fitted skae estimator
        Any skae estimator (an imputer's or outlier detector's autoencoder); its first
        linear layer is shown.
    image_shape : tuple of int
        Shape each row of weights is reshaped to, e.g. ``(8, 8)`` for digits.
    n_filters : int, default=64
        How many units to show (the first ones).
    n_cols : int, default=8
        Images per row.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import AutoEncoderTransformer
    >>> from skae.plotting import plot_filters
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = AutoEncoderTransformer(4, hidden_layer_sizes=(16,), init="random",
    ...                             max_iter=1).fit(X)
    >>> len(plot_filters(ae, (8, 8)).axes)
    16
    """
    plt = _pyplot()
    n_filters, n_cols = _count(n_filters, "n_filters"), _count(n_cols, "n_cols")
    weights, is_pca = _first_layer(estimator)
    weights = weights[:n_filters]
    _check_image_shape(image_shape, weights.shape[1])
    what = "PCA's components (no hidden unit is used)" if is_pca else "first-layer filters"
    return _image_grid(plt, weights, image_shape, min(n_cols, len(weights)), cmap="RdBu_r",
                       title=f"{type(estimator).__name__}: {what}", symmetric=True)


def _check_image_shape(image_shape, n_features):
    shape = tuple(np.atleast_1d(image_shape).tolist())
    try:  # as numpy reshapes (one -1 stands for the rest)
        fits = np.empty(n_features).reshape(shape).ndim == 2
    except (TypeError, ValueError):
        fits = False
    if not fits:
        raise ValueError(f"image_shape={shape} is no 2-d shape of a row's {n_features} values "
                         "(the features)")


def _corrupt(estimator, X, seed=0):
    trained = _trained(estimator)
    corruption = getattr(trained.module_, "corruption", None)
    if not hasattr(corruption, "seed"):
        raise ValueError(f"show_corrupted=True needs an estimator that corrupts its input in "
                         f"training (DenoisingAutoEncoder); {type(estimator).__name__} has no "
                         "corruption")
    corruption = copy.deepcopy(corruption).seed(seed).train()
    x = torch.as_tensor(np.asarray(X, dtype=np.float32), device=trained.device_)
    with torch.no_grad():
        return corruption(x).cpu().numpy()


def plot_reconstructions(estimator, X, image_shape, *, n_images=10, show_corrupted=False):
    """Originals over their reconstructions (and, for a DAE, over corrupted inputs).

    Parameters
    ----------
    estimator : fitted skae transformer
        An estimator with ``transform`` and ``inverse_transform``.
    X : array-like of shape (n_samples, n_features)
        Rows to show (the first ``n_images``).
    image_shape : tuple of int
        Shape each row is reshaped to.
    n_images : int, default=10
        Number of columns.
    show_corrupted : bool, default=False
        Add a row with the training-time corruption of each input (estimators with a
        ``corruption`` layer, e.g. DenoisingAutoEncoder).

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import DenoisingAutoEncoder
    >>> from skae.plotting import plot_reconstructions
    >>> X, _ = load_digits(return_X_y=True)
    >>> dae = DenoisingAutoEncoder(8, max_iter=1).fit(X)
    >>> len(plot_reconstructions(dae, X, (8, 8), n_images=4, show_corrupted=True).axes)
    12
    """
    plt = _pyplot()
    X_rows = _first_rows(X, _count(n_images, "n_images"))
    X = np.asarray(X_rows, dtype=np.float64)
    _check_image_shape(image_shape, X.shape[1])
    rows = [("original", X)]
    if show_corrupted:
        rows.append(("corrupted", _corrupt(estimator, X)))
    rows.append(("reconstruction", estimator.inverse_transform(estimator.transform(X_rows))))
    fig, axes = plt.subplots(len(rows), len(X), figsize=(len(X) * 0.9, len(rows) * 1.0),
                             squeeze=False)
    for r, (label, images) in enumerate(rows):
        for c, image in enumerate(np.asarray(images)):
            axes[r, c].imshow(np.reshape(image, image_shape), cmap="gray")
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(label, fontsize=7)
    return fig


def plot_loss_curve(estimator, ax=None):
    """Training (and validation) loss per epoch; per-layer pre-training curves too.

    Parameters
    ----------
    estimator : fitted skae estimator
        Reads ``loss_curve_``, the net's validation loss (of the epochs that have one) and,
        when present, ``pretrain_loss_curves_``; of an imputer's or outlier detector's
        autoencoder.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure when None.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import StackedAutoEncoder
    >>> from skae.plotting import plot_loss_curve
    >>> X, _ = load_digits(return_X_y=True)
    >>> sae = StackedAutoEncoder(4, hidden_layer_sizes=(16,), pretrain_max_iter=2,
    ...                          max_iter=2).fit(X)
    >>> plot_loss_curve(sae).axes[0].get_xlabel()
    'epoch'
    """
    plt = _pyplot()
    name, estimator = type(estimator).__name__, _trained(estimator)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    offset = 0
    for k, curve in enumerate(getattr(estimator, "pretrain_loss_curves_", [])):
        ax.plot(range(offset + 1, offset + len(curve) + 1), curve, "--",
                label=f"pre-training layer {k + 1}")
        offset += len(curve)
    epochs = range(offset + 1, offset + len(estimator.loss_curve_) + 1)
    ax.plot(epochs, estimator.loss_curve_, label="training loss")
    # the epochs with a validation loss (a warm start may have turned early stopping on)
    valid = [(e, h["valid_loss"]) for e, h in zip(epochs, estimator.net_.history, strict=False)
             if "valid_loss" in h]
    if valid:
        ax.plot(*zip(*valid, strict=True), label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.set_title(name)
    ax.legend(fontsize=7)
    return ax.figure


def plot_embedding(estimator, X, y=None, ax=None):
    """The first two code dimensions of X, coloured by ``y`` when given.

    Parameters
    ----------
    estimator : fitted skae transformer
        Anything with ``transform`` (PCA too).
    X : array-like of shape (n_samples, n_features)
        Rows to embed.
    y : array-like of shape (n_samples,), default=None
        Labels to colour the points by: numbers on a colour scale, text as classes.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure when None.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import AutoEncoderTransformer
    >>> from skae.plotting import plot_embedding
    >>> X, y = load_digits(return_X_y=True)
    >>> ae = AutoEncoderTransformer(2, max_iter=1).fit(X)
    >>> plot_embedding(ae, X, y).axes[0].get_xlabel()
    'code 1'
    """
    plt = _pyplot()
    Z = np.asarray(estimator.transform(X))
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    classes = None
    if y is not None and np.asarray(y).dtype.kind not in "iufb":  # text: one colour a class
        classes, y = np.unique(np.asarray(y).astype(str), return_inverse=True)
    points = ax.scatter(Z[:, 0], Z[:, 1 if Z.shape[1] > 1 else 0], c=y, s=4, cmap="tab10")
    if y is not None:
        bar = ax.figure.colorbar(points, ax=ax)
        if classes is not None:
            bar.set_ticks(range(len(classes)), labels=classes)
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    ax.set_title(type(estimator).__name__)
    return ax.figure


def plot_comparison(estimators, X, *, n_images=8):
    """Reconstructions of each estimator side by side, and the training loss curves of
    those that have one (``loss_curve_``; none for PCA).

    Images are shown when the feature count is a square (digits, MNIST); otherwise
    the first rows are drawn as line profiles.

    Parameters
    ----------
    estimators : dict of str to fitted transformer
        Name -> estimator with ``transform`` and ``inverse_transform``.
    X : array-like of shape (n_samples, n_features)
        Held-out rows to reconstruct.
    n_images : int, default=8
        Rows shown per estimator.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from skae.plotting import plot_comparison
    >>> X, _ = load_digits(return_X_y=True)
    >>> fig = plot_comparison({"PCA": PCA(8).fit(X)}, X)
    >>> len(fig.axes) > 0
    True
    """
    plt = _pyplot()
    n_images = _count(n_images, "n_images")
    X_rows = _first_rows(X, n_images)
    X = np.asarray(X_rows, dtype=np.float64)
    side = int(round(np.sqrt(X.shape[1])))
    square = side * side == X.shape[1]
    rows = [("original", X)] + [(n, e.inverse_transform(e.transform(X_rows)))
                                for n, e in estimators.items()]
    trained = {n: e for n, e in estimators.items() if hasattr(e, "loss_curve_")}
    extra = 3 if trained else 0  # rows of the grid for the loss curves
    fig = plt.figure(figsize=(max(8, n_images), 1.1 * len(rows) + extra))
    grid = fig.add_gridspec(len(rows) + extra, n_images)
    for r, (label, images) in enumerate(rows):
        for c, image in enumerate(np.asarray(images)):
            ax = fig.add_subplot(grid[r, c])
            if square:
                ax.imshow(image.reshape(side, side), cmap="gray")
            else:
                ax.plot(image)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, fontsize=11, rotation=0, ha="right", va="center")
    if trained:
        curves = fig.add_subplot(grid[len(rows):, :])
        for name, est in trained.items():
            curves.plot(range(1, len(est.loss_curve_) + 1), est.loss_curve_, label=name)
        curves.set_xlabel("epoch")
        curves.set_ylabel("training loss")
        curves.set_yscale("log")
        curves.legend(fontsize=9)
    fig.tight_layout()
    return fig


def plot_feature_errors(errors, feature_names=None):
    """Each model's held-out squared error per feature, as grouped bars (for tables).

    Parameters
    ----------
    errors : dict of str to array-like of shape (n_features,)
        Name -> mean squared reconstruction error of each feature.
    feature_names : array-like of str of shape (n_features,), default=None
        The bars' labels; None numbers the features from 0.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> from skae.plotting import plot_feature_errors
    >>> fig = plot_feature_errors({"PCA": [0.1, 0.3], "AE": [0.1, 0.2]})
    >>> fig.axes[0].get_ylabel()
    'held-out MSE (log scale)'
    """
    plt = _pyplot()
    if not isinstance(errors, dict):
        raise TypeError(f"errors must be a dict of model name to per-feature errors; got "
                        f"{type(errors).__name__}")
    names = list(errors)
    errors = {name: np.asarray(errors[name], dtype=np.float64) for name in names}
    shapes = {name: errors[name].shape for name in names if errors[name].ndim != 1}
    if shapes:
        raise ValueError(f"errors needs one 1-d array per model (an error per feature); got "
                         f"the shapes {shapes}")
    lengths = {name: len(errors[name]) for name in names}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"errors needs one array per model, all of the same length; got the "
                         f"lengths {lengths or 'of no model'}")
    n_features = lengths[names[0]]
    if feature_names is None:
        feature_names = [str(j) for j in range(n_features)]
    elif len(feature_names) != n_features:
        raise ValueError(f"feature_names has {len(feature_names)} names for {n_features} "
                         f"features")
    fig, ax = plt.subplots(figsize=(min(12, max(6, 0.15 * n_features * len(names))), 3.5))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        ax.bar(np.arange(n_features) + i * width, errors[name], width, label=name)
    ax.set_xticks(np.arange(n_features) + 0.4 - width / 2, [str(n) for n in feature_names],
                  fontsize=7, rotation=90 if max(map(len, map(str, feature_names))) > 3 else 0)
    ax.set_xlabel("feature")
    ax.set_ylabel("held-out MSE (log scale)")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig

