"""Feeding data to torch: rows as tensors, batch slices, the hold-out, batched inference.

skae feeds skorch whole-batch tensor slices (no per-sample ``Dataset.__getitem__`` +
collation) from data placed on the training device once per fit.
"""

import copy
import math
import warnings
import weakref

import numpy as np
import scipy.sparse as sp
import torch

from ._device import fits_on
from ._modules import Standardize

PREDICT_BATCH_SIZE = 8192  # rows per inference batch on an accelerator
# on the CPU, rows of about this many bytes per batch: the batch's temporaries stay in
# cache, and their memory is reused rather than faulted in afresh (with the in-place
# standardisation, transform of 10k MNIST rows went from about 1.9x PCA's time to 1.4x:
# bench_transform.py, in runs alternating with the commit before)
CPU_BATCH_BYTES = 4 << 20


def to_torch(X, device):
    """Rows of a dense array as a tensor on ``device`` (no copy when it can be avoided).

    A CSR matrix stays where it is: batches are densified one at a time.
    A dense array goes to ``device`` once when it fits there.
    """
    if sp.issparse(X):
        return X
    X = np.ascontiguousarray(X)
    if X.flags.writeable:
        tensor = torch.from_numpy(X)
    else:
        with warnings.catch_warnings():
            # read-only memmaps (as joblib hands its workers) are only ever read
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            tensor = torch.from_numpy(X)
    if fits_on(device, tensor.nbytes):
        tensor = tensor.to(device)
    return tensor


def take(A, idx, device):
    """Rows ``idx`` (a slice or an index tensor) of a tensor or CSR matrix, on ``device``."""
    if sp.issparse(A):
        rows = idx if isinstance(idx, slice) else idx.cpu().numpy()
        return torch.from_numpy(A[rows].toarray()).to(device)
    return A[idx].to(device, non_blocking=True)


class TensorData(torch.utils.data.Dataset):
    """Training rows kept as one tensor (or CSR matrix); ``y=None`` means the target is X.

    ``rows`` selects a subset without copying it (the validation hold-out);
    ``generator`` shuffles the training batches.
    """

    def __init__(self, X, y=None, *, device, rows=None, generator=None):
        self.X, self.y, self.device = X, y, device
        self.rows, self.generator = rows, generator
        if rows is not None:
            self.rows = rows.to(self.index_device)

    @property
    def index_device(self):
        """Where row indices live: with X when X is a tensor (on the device, say)."""
        return self.X.device if isinstance(self.X, torch.Tensor) else torch.device("cpu")

    def __len__(self):
        return self.X.shape[0] if self.rows is None else len(self.rows)

    def __getitem__(self, i):
        return self.batch(torch.tensor([i]))

    def subset(self, rows):
        rows = rows if self.rows is None else self.rows[rows.to(self.index_device)]
        return TensorData(self.X, self.y, device=self.device, rows=rows,
                          generator=self.generator)

    def batch(self, idx):
        if self.rows is not None:
            idx = self.rows[idx]
        Xb = take(self.X, idx, self.device)
        yb = Xb if self.y is None else take(self.y, idx, self.device)
        return Xb, yb


class BatchIterator:
    """Whole-batch slices of a :class:`TensorData`, shuffled once per epoch."""

    def __init__(self, dataset, batch_size, shuffle=False):
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        n, size = len(self.dataset), self.batch_size
        if self.shuffle:
            # drawn on the CPU (the seeded generator), moved to the data once per epoch
            order = torch.randperm(n, generator=self.dataset.generator)
            order = order.to(self.dataset.index_device)
            return (self.dataset.batch(order[i:i + size]) for i in range(0, n, size))
        return (self.dataset.batch(slice(i, i + size)) for i in range(0, n, size))


def n_held_out(n_samples, fraction):
    """Rows a hold-out of ``fraction`` takes from ``n_samples`` (at least one)."""
    return max(1, round(fraction * n_samples))


def check_rows_to_train(n_samples, fraction, got=None):
    """Raise a ValueError naming ``validation_fraction`` when holding out ``fraction`` of
    ``n_samples`` rows leaves none to train on; ``got`` says which rows were counted."""
    if n_samples - n_held_out(n_samples, fraction) < 1:
        raise ValueError(
            f"early_stopping holds out validation_fraction={fraction} of the rows and needs "
            f"at least one row left to train on; got {got or f'n_samples = {n_samples}'}."
        )


def hold_out(dataset, fraction, seed):
    """Split ``dataset`` into training and validation parts, a seeded ``fraction`` held out
    (:func:`check_rows_to_train` first)."""
    n = len(dataset)
    check_rows_to_train(n, fraction)
    n_valid = n_held_out(n, fraction)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return dataset.subset(order[n_valid:]), dataset.subset(order[:n_valid])


def map_leaves(obj, leaf_type, convert):
    """``obj`` with every ``leaf_type`` leaf (in dicts, lists, tuples) replaced by ``convert``."""
    if isinstance(obj, leaf_type):
        return convert(obj)
    if isinstance(obj, dict):
        return {k: map_leaves(v, leaf_type, convert) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(map_leaves(v, leaf_type, convert) for v in obj)
    return obj


# float64 copies of fitted modules, made once and reused while the weights are unchanged
_FLOAT64_COPIES = weakref.WeakKeyDictionary()


def _fingerprint(module):
    """What changes when a module's tensors are replaced or modified in place."""
    return tuple((t.data_ptr(), t._version, t.device)
                 for t in (*module.parameters(), *module.buffers()))


def float64_module(module):
    """A float64 copy of ``module``, cached until its weights change.

    Its standardisation uses the float64 statistics, not their float32 rounding (which
    is off by up to 1e-7 of a column's mean, a share of its spread where the mean is large).
    """
    fingerprint = _fingerprint(module)
    cached = _FLOAT64_COPIES.get(module)
    if cached is None or cached[0] != fingerprint:
        copy64 = copy.deepcopy(module).to(torch.float64)
        for layer in copy64.modules():
            if isinstance(layer, Standardize):
                layer.exact_()
        cached = (fingerprint, copy64)
        _FLOAT64_COPIES[module] = cached
    return cached[1]


def inference_rows(X, device):
    """Rows per inference batch: :data:`PREDICT_BATCH_SIZE` on an accelerator; on the CPU
    about :data:`CPU_BATCH_BYTES` of X's rows, between 256 and that many rows."""
    if getattr(device, "type", device) != "cpu":  # a torch.device, or its name
        return PREDICT_BATCH_SIZE
    rows = CPU_BATCH_BYTES // (max(1, X.shape[1]) * X.dtype.itemsize)
    return max(256, min(rows, PREDICT_BATCH_SIZE))  # plain ints: a single row pays little


def forward_in_batches(module, method, X, device, post=None, batch_size=None):
    """``getattr(module, method)`` applied to the rows of ``X`` one batch at a time, as numpy.

    float64 input is computed in float64 by a float64 copy of the module (made once and
    kept while the weights stay the same); ``post(x_batch, out_batch)``, when given,
    reduces each batch on the device. ``batch_size`` None: :func:`inference_rows`.
    """
    if batch_size is None:
        batch_size = inference_rows(X, device)
    if X.dtype == np.float64:
        module = float64_module(module)
    fn = getattr(module, method)
    X_rows = to_torch(X, torch.device("cpu"))
    outs = []
    with torch.inference_mode():
        for start in range(0, X.shape[0], batch_size):
            xb = take(X_rows, slice(start, start + batch_size), device)
            out = fn(xb)
            if post is not None:
                out = post(xb, out)
            outs.append(out.cpu().numpy())
    return outs[0] if len(outs) == 1 else np.concatenate(outs)
