"""The training engine: a skorch net built from flat skae parameters.

skorch runs the epochs, callbacks and history; skae feeds it whole-batch tensor
slices (no per-sample ``Dataset.__getitem__`` + collation) from data placed on
the training device once per fit.
"""

import copy
import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, LRScheduler, ProgressBar
from torch.optim.lr_scheduler import CosineAnnealingLR

from ._device import fits_on, rng_devices

AUTO_BATCH_SIZE = 200
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune")
PREDICT_BATCH_SIZE = 8192
# ``cuda_graphs``: the device types whose training steps are captured, and how many
# full batches run eagerly first (lazy initialisation: Adam's state, cuBLAS's workspace)
GRAPH_DEVICE_TYPES = ("cuda",)
GRAPH_WARMUP_STEPS = 3


def to_torch(X, device):
    """Rows of a dense array as a tensor on ``device`` (no copy when it can be avoided).

    A CSR matrix stays where it is: batches are densified one at a time.
    A dense array goes to ``device`` once when it fits there.
    """
    if sp.issparse(X):
        return X
    with warnings.catch_warnings():
        # read-only memmaps (as joblib hands its workers) are only ever read
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        tensor = torch.from_numpy(np.ascontiguousarray(X))
    if fits_on(device, tensor.nbytes):
        tensor = tensor.to(device)
    return tensor


def take(A, idx, device):
    """Rows ``idx`` (a slice or an index tensor) of a tensor or CSR matrix, on ``device``."""
    if sp.issparse(A):
        rows = idx if isinstance(idx, slice) else idx.numpy()
        return torch.from_numpy(A[rows].toarray()).to(device)
    return A[idx].to(device, non_blocking=True)


class TensorData(torch.utils.data.Dataset):
    """Training rows kept as one tensor (or CSR matrix); ``y=None`` means the target is X.

    ``rows`` selects a subset without copying it (the early-stopping hold-out);
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
        rows = rows if self.rows is None else self.rows[rows]
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


class HoldOut:
    """skorch ``train_split``: hold out a seeded ``fraction`` of the rows for validation."""

    def __init__(self, fraction, seed):
        self.fraction, self.seed = fraction, seed

    def __call__(self, dataset, y=None):
        n = len(dataset)
        n_valid = max(1, round(self.fraction * n))
        if n - n_valid < 1:
            raise ValueError(
                f"early_stopping needs at least 2 samples to hold out "
                f"validation_fraction={self.fraction}; got n_samples={n}."
            )
        order = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed))
        return dataset.subset(order[n_valid:]), dataset.subset(order[:n_valid])


class StopOnDivergence(Callback):
    """Raise ``FloatingPointError`` once the epoch's training loss is not finite."""

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"Training diverged: the training loss became {loss} at epoch "
                f"{len(net.history)}. Try a smaller learning_rate (now {net.lr})."
            )


def optimizer_params(solver, learning_rate, alpha, momentum, device):
    """skorch's ``optimizer`` parameters for ``solver``; ``alpha`` is an L2 penalty on weights."""
    if solver == "lbfgs":
        # one epoch = one full-batch L-BFGS step of up to 20 iterations
        return {"optimizer": torch.optim.LBFGS, "lr": 1.0,
                "optimizer__line_search_fn": "strong_wolfe"}
    extra = {"optimizer__momentum": momentum} if solver == "sgd" else {}
    return {
        "optimizer": torch.optim.SGD if solver == "sgd" else torch.optim.Adam,
        "lr": learning_rate,
        **extra,
        "optimizer__weight_decay": alpha,
        "optimizer__param_groups": [("*bias", {"weight_decay": 0.0})],
        "optimizer__fused": device.type in ("cpu", "cuda"),
    }


def map_leaves(obj, leaf_type, convert):
    """``obj`` with every ``leaf_type`` leaf (in dicts, lists, tuples) replaced by ``convert``."""
    if isinstance(obj, leaf_type):
        return convert(obj)
    if isinstance(obj, dict):
        return {k: map_leaves(v, leaf_type, convert) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(map_leaves(v, leaf_type, convert) for v in obj)
    return obj


class StepGraph:
    """One training step captured as a CUDA graph, replayed on fresh batches.

    ``step(batch)`` (skorch's ``train_step``: zero the gradients, forward, loss,
    backward, Adam's update) runs once under capture on static copies of ``batch``;
    each call copies a batch of the same shape into those copies and replays the
    graph: one launch for the whole step. Valid while the learning rate it captured
    (a constant of the graph) holds.
    """

    def __init__(self, step, batch, stream):
        Xb, yb = batch
        X = Xb.clone()
        self.batch = (X, X if yb is Xb else yb.clone())  # an autoencoder's target is X
        self._capture(step, stream)

    def _capture(self, step, stream):
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph, stream=stream):
            outputs = step(self.batch)
        # detached: an autograd graph kept alive would tie later eager steps to the
        # capture's stream (torch warns of an AccumulateGrad stream mismatch)
        self.outputs = map_leaves(outputs, torch.Tensor, torch.Tensor.detach)

    def _replay(self):
        self.graph.replay()

    def __call__(self, batch):
        X, y = self.batch
        X.copy_(batch[0])
        if y is not X:
            y.copy_(batch[1])
        self._replay()
        return self.outputs


class _Net(NeuralNet):
    """skorch's NeuralNet plus an L2 term, bf16 autocast, torch.compile and CUDA graphs.

    ``l2``: explicit L2 penalty for optimisers without weight decay (L-BFGS).
    ``autocast_bf16``: training and validation forward passes run under
    ``torch.autocast(dtype=torch.bfloat16)``; weights, optimiser state and the loss
    stay float32. ``compile_forward`` (False or a ``torch.compile`` mode): those passes
    go through ``torch.compile`` of ``module_``, which shares its parameters; ``module_``
    itself stays a plain module (pickles, deep-copies, ``encode``/``decode``) and the
    compiled wrapper is rebuilt lazily, never pickled. ``cuda_graphs``: see
    :meth:`train_step`.
    """

    def __init__(self, *args, l2=0.0, autocast_bf16=False, compile_forward=False,
                 cuda_graphs=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.l2 = l2
        self.autocast_bf16 = autocast_bf16
        self.compile_forward = compile_forward
        self.cuda_graphs = cuda_graphs

    def __getstate__(self):
        state = super().__getstate__()
        for name in ("_compiled_forward", "_step_graph", "_graph_stream", "_graph_warmups"):
            state.pop(name, None)
        return state

    def train_step(self, batch, **fit_params):
        """skorch's training step; with ``cuda_graphs``, replayed from a CUDA graph.

        A full batch (``batch_size`` rows) of an Adam fit on CUDA replays the whole
        step, captured once per learning rate (the cosine schedule recaptures once an
        epoch). The first ``GRAPH_WARMUP_STEPS`` full batches of the net, and every
        partial batch, run eagerly; so does everything when ``compile`` is set (its own
        CUDA graphs cannot nest in this one). Each batch is still one optimiser step on
        its own rows: the graph changes how the step is launched, not what it computes.
        """
        if not self._graphs_apply(batch, fit_params):
            return super().train_step(batch, **fit_params)
        state = self.__dict__  # kept out of skorch's attribute checks, never pickled
        if "_graph_warmups" not in state:
            state["_graph_stream"] = (torch.cuda.Stream(self.device)
                                      if torch.device(self.device).type == "cuda" else None)
            state["_graph_warmups"] = 0
        stream = state["_graph_stream"]
        if state["_graph_warmups"] < GRAPH_WARMUP_STEPS:
            state["_graph_warmups"] += 1
            return self._on_stream(stream, lambda: super(_Net, self).train_step(batch))
        lrs = tuple(group["lr"] for group in self.optimizer_.param_groups)
        captured = state.get("_step_graph")
        if captured is None or captured[0] != lrs:  # the old graph's step size is stale
            self.drop_graphs()  # its memory goes before the new capture takes more
            captured = state["_step_graph"] = (lrs, self._capture_step(batch, stream))
        return captured[1](batch)

    def _graphs_apply(self, batch, fit_params):
        return (self.cuda_graphs and not self.compile_forward and not fit_params
                and torch.device(self.device).type in GRAPH_DEVICE_TYPES
                and isinstance(self.optimizer_, torch.optim.Adam)
                and len(batch[0]) == self.batch_size)

    @staticmethod
    def _on_stream(stream, fn):
        """``fn()`` on a side ``stream`` (graph capture wants its warm-up there)."""
        if stream is None:
            return fn()
        stream.wait_stream(torch.cuda.current_stream(stream.device))
        with torch.cuda.stream(stream):
            out = fn()
        torch.cuda.current_stream(stream.device).wait_stream(stream)
        return out

    def _capture_step(self, batch, stream):
        groups = self.optimizer_.param_groups
        for group in groups:  # Adam refuses capture otherwise; fused Adam computes the same
            group["capturable"] = True
        try:
            return StepGraph(super().train_step, batch, stream)
        finally:
            for group in groups:
                group["capturable"] = False

    def drop_graphs(self):
        """Forget the captured step (its memory goes back to the allocator)."""
        self.__dict__.pop("_step_graph", None)

    def infer(self, x, **fit_params):
        module = self.module_
        if self.compile_forward:
            # kept out of skorch's attribute checks (it is not a module of its own)
            if self.__dict__.get("_compiled_forward") is None:
                mode = "default" if self.compile_forward is True else self.compile_forward
                self.__dict__["_compiled_forward"] = torch.compile(self.module_, mode=mode)
            module = self.__dict__["_compiled_forward"]
            if self.compile_forward in ("reduce-overhead", "max-autotune"):
                # a new step for CUDA graph trees: the last step's outputs may be reused
                torch.compiler.cudagraph_mark_step_begin()
        x = x.to(self.device)
        if not self.autocast_bf16:
            return module(x, **fit_params)
        # no cast cache: it must not outlive a CUDA graph capture
        with torch.autocast(torch.device(self.device).type, dtype=torch.bfloat16,
                            cache_enabled=False):
            return module(x, **fit_params)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch loop, with the batch losses read back once per epoch.

        skorch records each batch's loss with ``loss.item()``, which makes the host wait
        for the device after every batch. Here the losses stay on the device until the
        epoch ends, so the host can queue the next batch while the device still computes
        this one (no speed-up was measured on the H200; see the benchmarks). The history
        ends up the same. With ``verbose`` (a progress bar showing each batch's loss)
        skorch's own loop runs.
        """
        if iterator is None or self.verbose:
            return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        # one float32 buffer (training runs in float32; the bf16 loss is cast): a list of the
        # batches' loss tensors raised the peak memory of a 60k-row MNIST fit by 240 MB
        losses, count = torch.empty(len(iterator), device=self.device), 0
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses[count] = step["loss"].detach()
            count += 1
            self.history.record_batch(prefix + "_batch_size", len(batch[0]))
            self.notify("on_batch_end", batch=batch, training=training, **step)
            del step  # its autograd graph must not live into the next step
        if count:
            batches = self.history[-1]["batches"][-count:]
            for entry, loss in zip(batches, losses[:count].tolist(), strict=True):
                entry[prefix + "_loss"] = loss
        self.history.record(prefix + "_batch_count", count)

    def _set_training(self, training=True):
        # skorch calls this every batch; walking the module tree each time costs ~50 us
        if self.module_.training != training:
            super()._set_training(training)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if self.autocast_bf16:  # the loss in float32, as autocast's own loss functions do
            y_pred = tuple(t.float() for t in y_pred) if isinstance(y_pred, tuple) else (
                y_pred.float())
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        if self.l2 and training:
            weights = [p for name, p in self.module_.named_parameters() if name.endswith("weight")]
            loss = loss + 0.5 * self.l2 * sum(w.pow(2).sum() for w in weights)
        return loss


def resolve_batch_size(solver, batch_size):
    """Rows per batch for skorch: -1 (skorch's "all rows") for full-batch L-BFGS."""
    if solver == "lbfgs":
        return -1
    return AUTO_BATCH_SIZE if batch_size == "auto" else batch_size


def build_net(params, *, module, module_kwargs, criterion, criterion_kwargs, device, seed):
    """A skorch net from an estimator's flat ``params``; the only place they map to skorch."""
    full_batch = params["solver"] == "lbfgs"
    stopper = EarlyStopping(
        monitor="valid_loss" if params["early_stopping"] else "train_loss",
        patience=params["n_iter_no_change"], threshold=params["tol"],
        threshold_mode="abs", load_best=params["early_stopping"],
    )
    callbacks = [("diverged", StopOnDivergence()), ("stopper", stopper)]
    if params["learning_rate_schedule"] == "cosine" and not full_batch:
        callbacks.append(("lr_schedule", LRScheduler(
            CosineAnnealingLR, T_max=max(params["max_iter"], 1), step_every="epoch")))
    if params["verbose"] >= 1 and not full_batch:
        callbacks.append(("progress", ProgressBar()))
    prefixed = {f"module__{k}": v for k, v in module_kwargs.items()}
    prefixed |= {f"criterion__{k}": v for k, v in criterion_kwargs.items()}
    return _Net(
        module, criterion=criterion, **prefixed,
        **optimizer_params(params["solver"], params["learning_rate"], params["alpha"],
                           params["momentum"], device),
        l2=params["alpha"] if full_batch else 0.0,
        autocast_bf16=params["precision"] == "bf16-mixed", compile_forward=params["compile"],
        cuda_graphs=params["cuda_graphs"],
        max_epochs=params["max_iter"],
        batch_size=resolve_batch_size(params["solver"], params["batch_size"]),
        iterator_train=BatchIterator, iterator_valid=BatchIterator,
        iterator_train__shuffle=params["shuffle"] and not full_batch,
        train_split=(HoldOut(params["validation_fraction"], seed)
                     if params["early_stopping"] else None),
        callbacks=callbacks, device=device, verbose=params["verbose"],
    )


@contextmanager
def local_rng(seed, device):
    """Seed torch inside ``fork_rng``: the caller's global RNG state is left as it was."""
    with torch.random.fork_rng(devices=rng_devices(device)):
        torch.manual_seed(seed)
        yield


@dataclass
class TrainResult:
    epochs: int
    stopped_early: bool
    interrupted: bool


def initialize_net(net, seed):
    """Build the net's module, optimiser and callbacks with torch seeded locally."""
    with local_rng(seed, net.device):
        net.initialize()
    return net


def train(net, data, *, epochs, seed):
    """Initialise ``net`` if needed and train it ``epochs`` epochs on ``data``."""
    before = len(net.history) if net.initialized_ else 0
    with local_rng(seed, net.device):
        if not net.initialized_:
            net.initialize()
        try:
            net.partial_fit(data, epochs=epochs)
        finally:
            net.drop_graphs()
    net.module_.eval()
    ran = len(net.history) - before
    stopper = dict(net.callbacks_)["stopper"]
    stopped = stopper.misses_ >= stopper.patience
    return TrainResult(ran, stopped, interrupted=ran < epochs and not stopped)


def forward_in_batches(module, method, X, device, post=None, batch_size=PREDICT_BATCH_SIZE):
    """``getattr(module, method)`` applied to the rows of ``X`` one batch at a time, as numpy.

    float64 input is computed in float64 by a float64 copy of the module (made once per
    call); ``post(x_batch, out_batch)``, when given, reduces each batch on the device.
    """
    if X.dtype == np.float64:
        module = copy.deepcopy(module).to(torch.float64)
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
