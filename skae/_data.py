"""Pure helpers on input arrays: column statistics, range checks, output containers."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs import mean_variance_axis, min_max_axis

_CHUNK_ROWS = 8192
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def column_stats(X):
    """Per-column mean, variance, standard deviation, minimum and maximum (float64) of
    the observed entries, and their count.

    NaN means missing: it is left out of every statistic. A column with no observed
    entry has every statistic 0. ``X`` is never copied whole. The mean and the standard
    deviation are computed on each column divided by a power of two near its largest
    magnitude, so they hold at any float64 scale; the variance, their square,
    underflows to 0 below about 1e-154 and saturates at float64's largest number above
    about 1e154.
    """
    if sp.issparse(X):
        X = canonical_csr(X)
        mean, var = mean_variance_axis(X, axis=0)  # ignores NaN
        lo, hi = min_max_axis(X, axis=0, ignore_nan=True)
        count = X.shape[0] - np.bincount(X.indices[np.isnan(X.data)], minlength=X.shape[1])
        stats = {"mean": mean, "var": var, "std": np.sqrt(var), "min": lo, "max": hi,
                 "count": count}
    else:
        stats = _dense_column_stats(X)
    return {k: np.nan_to_num(v, nan=0.0) for k, v in stats.items()}


def canonical_csr(X):
    """Sparse ``X`` as CSR in canonical format: a cell stored twice becomes one entry
    holding their sum, as ``toarray()`` reads it (a copy only where X is not canonical).
    """
    X = X.tocsr()
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def _dense_column_stats(X):
    count = np.zeros(X.shape[1])
    lo, hi = np.full(X.shape[1], np.inf), np.full(X.shape[1], -np.inf)
    for chunk in _chunks(X):
        observed = ~np.isnan(chunk)
        count += observed.sum(axis=0)
        lo = np.fmin(lo, np.where(observed, chunk, np.inf).min(axis=0))
        hi = np.fmax(hi, np.where(observed, chunk, -np.inf).max(axis=0))
    empty = count == 0
    lo[empty], hi[empty] = 0.0, 0.0
    # a power of two per column: dividing by it is exact, and squares neither
    # underflow nor overflow
    largest = np.maximum(np.abs(lo), np.abs(hi))
    unit = np.ldexp(1.0, np.frexp(np.where(largest > 0, largest, 1.0))[1] - 1)
    total = np.zeros(X.shape[1])
    for chunk in _chunks(X):
        total += np.nansum(chunk / unit, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_units = total / count
    sq = np.zeros(X.shape[1])
    for chunk in _chunks(X):
        sq += np.nansum((chunk / unit - mean_units) ** 2, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.sqrt(sq / count) * unit
    with np.errstate(over="ignore"):  # values beyond float32 are refused by as_float32_rows
        var = std ** 2
    return {"mean": mean_units * unit, "var": var, "std": std, "min": lo, "max": hi,
            "count": count}


def _chunks(X):
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        yield np.asarray(X[start:start + _CHUNK_ROWS], dtype=np.float64)


def may_hold_nan(X):
    """Whether ``X`` (dense or sparse) may hold NaN: one sum, no boolean copy of X.

    False means none; True is exact too except when the sum overflows (inf - inf), which
    only costs a closer look (or a masked loss).
    """
    values = X.data if sp.issparse(X) else X
    with np.errstate(all="ignore"):
        return values.size > 0 and bool(np.isnan(np.sum(values)))


def check_observed_rows(X):
    """Raise a ValueError naming the first row of ``X`` with no observed (non-NaN) entry."""
    if X.shape[1] == 0:
        return
    if sp.issparse(X):
        X = canonical_csr(X)
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        empty = np.bincount(rows[np.isnan(X.data)], minlength=X.shape[0]) == X.shape[1]
    else:
        empty = np.zeros(X.shape[0], dtype=bool)
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            empty[start:start + _CHUNK_ROWS] = np.isnan(X[start:start + _CHUNK_ROWS]).all(axis=1)
    if np.any(empty):
        row = int(np.flatnonzero(empty)[0])
        raise ValueError(
            f"Row {row} of X is entirely missing (NaN); each row needs at least one observed "
            f"entry ({int(np.sum(empty))} row(s) have none)."
        )


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
        largest = max(abs(float(np.nanmin(values, initial=0.0))),
                      abs(float(np.nanmax(values, initial=0.0))))
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
    ``svd_flip`` fixes them (largest loading positive). Dense or CSR ``X``. Up to 4096
    columns, from their covariance, read in float64 chunks, so ``X`` is never copied
    whole; wider, from a randomized SVD of the centred copy of X (centring fills a
    sparse X: it takes the dense one's path, to the same basis). Where the rows span
    fewer than ``n_components`` directions the rest complete an orthonormal basis.
    Missing (NaN) entries count as their column's mean.
    """
    stats = column_stats(X)
    mean = stats["mean"]
    n_features = X.shape[1]
    if n_features > _EIGH_MAX_FEATURES and X.shape[0] >= n_components:
        from sklearn.utils.extmath import randomized_svd

        X = X.toarray() if sp.issparse(X) else X
        _, _, Vt = randomized_svd(np.nan_to_num(np.asarray(X, dtype=np.float64) - mean),
                                  n_components,
                                  random_state=seed)
        components = Vt
    else:
        components = _top_components(X, mean, n_components)
    largest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(len(components)), largest])
    return mean, components * np.where(signs == 0, 1.0, signs)[:, None]


def _centred_chunks(X, mean):
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        chunk = X[start:start + _CHUNK_ROWS]
        chunk = chunk.toarray() if sp.issparse(chunk) else chunk
        yield np.nan_to_num(np.asarray(chunk, dtype=np.float64) - mean)  # NaN: the mean


def _top_components(X, mean, n_components):
    """The ``n_components`` leading right singular vectors of centred X (as rows).

    From the eigenvectors of the covariance where they resolve them; else (a column on a
    scale that dwarfs the others', say) from the SVD of X's R factor, built chunk by chunk,
    which is as accurate as an SVD of X and slower.
    """
    cov = np.zeros((X.shape[1], X.shape[1]))
    for chunk in _centred_chunks(X, mean):
        cov += chunk.T @ chunk
    values, vectors = np.linalg.eigh(cov)
    if covariance_resolves(values, n_components):
        return vectors[:, ::-1][:, :n_components].T
    R = np.zeros((0, X.shape[1]))
    for chunk in _centred_chunks(X, mean):
        R = np.linalg.qr(np.vstack([R, chunk]), mode="r")
    return np.linalg.svd(R)[2][:n_components]


def covariance_resolves(values, n_components):
    """Whether the covariance's eigenvectors (eigenvalues ``values``, ascending) pin the
    leading ``n_components`` down well within the error PCA leaves.

    Their error in squared reconstruction error is about ``n_components * n_features *
    eps`` times the largest eigenvalue (the rounding of X'X, squared condition number
    and all); it must stay below 1e-3 of the sum of the eigenvalues left out. A code as
    wide as the input leaves nothing out, and any orthonormal basis serves.

    Examples
    --------
    >>> covariance_resolves(np.array([1.0, 2.0, 3.0]), 2)
    True
    >>> covariance_resolves(np.array([1.0, 2.0, 1e17]), 2)
    False
    """
    n_features = len(values)
    if n_components >= n_features:
        return True
    left_out = float(np.sum(np.clip(values[:n_features - n_components], 0.0, None)))
    rounding = n_components * n_features * np.finfo(np.float64).eps * float(values[-1])
    return bool(rounding <= 1e-3 * left_out)
