"""Pure helpers on input arrays: column statistics, range checks, output containers."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs import mean_variance_axis, min_max_axis

_CHUNK_ROWS = 8192
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def column_stats(X):
    """Per-column mean, variance, minimum and maximum (float64), without copying ``X`` whole."""
    if sp.issparse(X):
        mean, var = mean_variance_axis(X, axis=0)
        lo, hi = min_max_axis(X, axis=0)
        return {"mean": mean, "var": var, "min": lo, "max": hi}
    n = X.shape[0]
    total = np.zeros(X.shape[1])
    lo, hi = np.full(X.shape[1], np.inf), np.full(X.shape[1], -np.inf)
    for start in range(0, n, _CHUNK_ROWS):
        chunk = np.asarray(X[start:start + _CHUNK_ROWS], dtype=np.float64)
        total += chunk.sum(axis=0)
        lo, hi = np.minimum(lo, chunk.min(axis=0)), np.maximum(hi, chunk.max(axis=0))
    mean = total / n
    sq = np.zeros(X.shape[1])
    with np.errstate(over="ignore"):  # values beyond float32 are refused by as_float32_rows
        for start in range(0, n, _CHUNK_ROWS):
            chunk = np.asarray(X[start:start + _CHUNK_ROWS], dtype=np.float64)
            sq += ((chunk - mean) ** 2).sum(axis=0)
    return {"mean": mean, "var": sq / n, "min": lo, "max": hi}


def global_scale(var, mean=0.0):
    """One scale for all columns: the root mean variance.

    A single scale keeps squared error in the data's own units, so a linear
    autoencoder minimises exactly what PCA minimises. Variation that float32 cannot
    represent (below its resolution at the data's magnitude, or its smallest normal
    number) counts as none: the scale is then 1.

    Examples
    --------
    >>> global_scale(np.array([1.0, 3.0]))
    1.414...
    >>> global_scale(np.array([1e-94]), mean=np.array([1e-31]))
    1.0
    """
    scale = float(np.sqrt(np.mean(var)))
    resolution = np.finfo(np.float32).eps * float(np.max(np.abs(mean)))
    floor = max(float(np.finfo(np.float32).tiny), resolution)
    return scale if np.isfinite(scale) and scale > floor else 1.0


def as_float32_rows(X):
    """``X`` as C-ordered float32 (no copy when it already is), CSR kept sparse.

    Raises a ValueError when X holds values beyond float32's range, in which skae trains.
    """
    values = X.data if sp.issparse(X) else X
    if X.dtype == np.float64 and values.size:
        largest = max(abs(float(values.min())), abs(float(values.max())))
        if largest > _FLOAT32_MAX:
            raise ValueError(
                f"X holds values as large as {largest:.3g}, beyond float32's range "
                f"(about {_FLOAT32_MAX:.3g}) in which skae trains; rescale X first."
            )
    if sp.issparse(X):
        return X.astype(np.float32, copy=False)
    return np.ascontiguousarray(X, dtype=np.float32)


def wrap_like_output(X, container, columns, index=None):
    """``X`` in the container ``set_output`` asked for: "default", "pandas" or "polars"."""
    if container == "pandas":
        import pandas as pd

        return pd.DataFrame(X, columns=list(columns), index=index)
    if container == "polars":
        import polars as pl

        return pl.DataFrame(X, schema=list(columns), orient="row")
    return X


# above this many features PCA's components come from a randomised SVD, not the covariance
_EIGH_MAX_FEATURES = 4096


def pca_basis(X, n_components, seed=0):
    """PCA of the rows of ``X``: (mean, components) with ``n_components`` orthonormal rows.

    Components come in order of explained variance, their signs fixed as scikit-learn's
    ``svd_flip`` fixes them (largest loading positive). Dense or CSR ``X``; the
    covariance is accumulated in float64 chunks, so ``X`` is never copied whole. Where the
    rows span fewer than ``n_components`` directions the rest complete an orthonormal basis.
    """
    stats = column_stats(X)
    mean = stats["mean"]
    n_features = X.shape[1]
    if n_features > _EIGH_MAX_FEATURES and X.shape[0] >= n_components and not sp.issparse(X):
        from sklearn.utils.extmath import randomized_svd

        _, _, Vt = randomized_svd(np.asarray(X, dtype=np.float64) - mean, n_components,
                                  random_state=seed)
        components = Vt
    else:
        cov = np.zeros((n_features, n_features))
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            chunk = X[start:start + _CHUNK_ROWS]
            chunk = chunk.toarray() if sp.issparse(chunk) else chunk
            chunk = np.asarray(chunk, dtype=np.float64) - mean
            cov += chunk.T @ chunk
        _, vectors = np.linalg.eigh(cov)
        components = vectors[:, ::-1][:, :n_components].T
    largest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(len(components)), largest])
    return mean, components * np.where(signs == 0, 1.0, signs)[:, None]
