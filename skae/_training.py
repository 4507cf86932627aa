"""The training engine: a skorch net built from a :class:`~skae._config.TrainConfig`.

skorch runs the epochs, the optimiser steps and the history; :class:`Monitor` decides
when to stop, which weights to keep and when training has diverged. ``build_net`` is
the one place where skae's configuration maps to skorch, and ``train`` the one place
a net is trained: it leaves the module in eval mode and reports what happened.
"""

import math
import sys
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, LRScheduler, PrintLog, ProgressBar
from torch.optim.lr_scheduler import CosineAnnealingLR

from ._feeding import BatchIterator
from ._graphs import GraphSteps
from ._modules import PairLoss

COMPILE_MODES = ("default", "reduce-overhead", "max-autotune")
# a training loss this many times its start (or its floor) is divergence
DIVERGENCE_FACTOR = 1e3
DIVERGENCE_FLOOR = 1e-2
# a loss this large before training means X is far off the scale the model standardises by
DATA_SCALE_LIMIT = 1e6
# rows of the training data that give the starting loss when nothing is held out
REFERENCE_ROWS = 2048
# a trained model replaces its PCA start only when its held-out gain exceeds this many
# standard errors of the rows' paired differences
SIGNIFICANCE = 2.0


class StopTraining(Exception):
    """Raised by :class:`Monitor` to end training (skorch's EarlyStopping raises
    KeyboardInterrupt, which would make a user's Ctrl-C indistinguishable)."""


class _Net(GraphSteps, NeuralNet):
    """skorch's NeuralNet plus an L2 term, bf16 autocast, torch.compile and CUDA graphs.

    ``l2``: explicit L2 penalty for optimisers without weight decay (L-BFGS).
    ``autocast_bf16``: training and validation forward passes run under
    ``torch.autocast(dtype=torch.bfloat16)``; weights, optimiser state and the loss
    stay float32. ``compile_forward`` (False or a ``torch.compile`` mode): those passes
    go through ``torch.compile`` of ``module_``, which shares its parameters; ``module_``
    itself stays a plain module (pickles, deep-copies, ``encode``/``decode``) and the
    compiled wrapper is rebuilt lazily, never pickled. ``cuda_graphs``: see
    :class:`~skae._graphs.GraphSteps`. ``config`` is the
    :class:`~skae._config.TrainConfig` it was built from and ``module_spec`` the
    module's constructor arguments, both kept for persistence.
    """

    def __init__(self, *args, l2=0.0, autocast_bf16=False, compile_forward=False,
                 cuda_graphs=False, config=None, module_spec=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.l2 = l2
        self.autocast_bf16 = autocast_bf16
        self.compile_forward = compile_forward
        self.cuda_graphs = cuda_graphs
        self.config = config
        self.module_spec = module_spec

    def __getstate__(self):
        state = super().__getstate__()
        for name in ("_compiled_forward", *self._GRAPH_STATE):
            state.pop(name, None)
        return state

    def partial_fit(self, X, y=None, epochs=None):
        """skorch's ``partial_fit``, except that a KeyboardInterrupt is not swallowed.

        :class:`Monitor` stops training with :class:`StopTraining`; a user's Ctrl-C
        reaches :func:`train`, which decides what to keep.
        """
        if not self.initialized_:
            self.initialize()
        self.notify("on_train_begin", X=X, y=y)
        try:
            self.fit_loop(X, y, epochs=epochs, _routing_method="partial_fit")
        except StopTraining:
            pass
        self.notify("on_train_end", X=X, y=y)
        return self

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
            loss = loss + self.penalty()
        return loss

    def penalty(self):
        """The explicit L2 term training adds to the loss (``l2``: L-BFGS's alpha)."""
        weights = [p for name, p in self.module_.named_parameters() if name.endswith("weight")]
        return 0.5 * self.l2 * sum(w.pow(2).sum() for w in weights)


def evaluate(net, data, training=False, plain=False):
    """Mean loss of ``net`` over ``data`` (weighted by batch size), without gradients.

    In eval mode by default; ``training=True`` measures the loss training optimises
    (with a denoising model's corruption). ``plain``: through ``module_`` itself, in
    float32, not the compiled or autocast forward that training uses.
    """
    net._set_training(training)
    forward = (lambda x: net.module_(x.to(net.device))) if plain else net.infer
    total, count = 0.0, 0
    with torch.no_grad():
        for Xb, yb in BatchIterator(data, 4096):
            loss = net.get_loss(forward(Xb), yb, X=Xb, training=False)
            total += float(loss) * len(Xb)
            count += len(Xb)
    return total / max(count, 1)


class FillCheck:
    """Held-out rows with a fixed, seeded share ``ratio`` of their observed entries hidden:
    its :meth:`loss` is how well a model fills those entries in from the rest.

    A denoising model that reads the mask of observed entries reconstructs what it is
    given almost exactly, so the plain held-out loss says little about filling in; this
    one scores only the hidden entries (in the model's standardised units).
    """

    def __init__(self, data, ratio, seed):
        X, _ = data.batch(slice(None))
        draw = torch.rand(X.shape, generator=torch.Generator().manual_seed(seed))
        draw = draw.to(X.device)
        observed = ~torch.isnan(X)
        hidden = observed & (draw < ratio)
        if observed.any() and not hidden.any():  # few held-out entries: hide one at least
            hidden.view(-1)[torch.where(observed, draw, 2.0).argmin()] = True
        nan = torch.tensor(float("nan"), dtype=X.dtype, device=X.device)
        self.inputs = torch.where(hidden, nan, X)
        self.target = torch.where(hidden, X, nan)

    def loss(self, net):
        """Mean loss over the hidden entries, in eval mode, without gradients."""
        net._set_training(False)
        module, total = net.module_, 0.0
        masked = PairLoss(net.criterion_.kind)  # the targets are NaN but where hidden
        count = (~torch.isnan(self.target)).sum().item()
        with torch.no_grad():
            for i in range(0, len(self.inputs), 4096):
                reconstruction, _ = net.infer(self.inputs[i:i + 4096])
                target = self.target[i:i + 4096]
                target = target if module.logits else module.standardize(target)
                n = (~torch.isnan(target)).sum().item()
                total += float(masked((reconstruction.float(), target))) * n
        return total / max(count, 1)


def held_out_loss(net, valid):
    """The monitored loss of the held-out rows: a :class:`FillCheck`'s, or the mean loss."""
    return valid.loss(net) if isinstance(valid, FillCheck) else evaluate(net, valid)


def clone_state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def row_losses(module, data):
    """Each row's mean squared error over its observed entries (in the model's
    standardised units), in eval mode."""
    module.eval()
    losses = []
    with torch.no_grad():
        for Xb, _ in BatchIterator(data, 4096):
            reconstruction, target = module(Xb)
            # over each row's observed entries (every row has one: see check_observed_rows)
            losses.append(torch.nanmean(((reconstruction - target) ** 2).double(), dim=1))
    return torch.cat(losses)


def beats(module, state, data, z=SIGNIFICANCE):
    """Whether ``module`` reconstructs ``data`` better than the same module loaded with
    ``state``, by more than ``z`` standard errors of the rows' paired differences (a
    one-sided paired test: a gain a few held-out rows show by chance does not count)."""
    current = row_losses(module, data)
    trained = clone_state(module)
    module.load_state_dict(state)
    gain = row_losses(module, data) - current
    module.load_state_dict(trained)
    if len(gain) < 2:
        return bool(gain.sum() > 0)
    return bool(gain.mean() > z * gain.std() / math.sqrt(len(gain)))


class Monitor(Callback):
    """Stopping, divergence and the weights to keep, in one callback.

    Before the first epoch it measures the starting training loss on the first
    training rows (and, with ``valid``, the held-out loss). A start that is not finite,
    or absurdly large, means X is far off the scale the model standardises by; a
    training loss that later turns non-finite or exceeds ``DIVERGENCE_FACTOR`` times
    the start is divergence of the steps. Both raise FloatingPointError saying which.

    With ``valid`` it records ``valid_loss`` after every epoch and keeps the weights of
    the best epoch (the start counts as epoch 0 when ``keep_start``); it stops after
    ``patience`` epochs without an improvement of ``tol`` of the monitored loss.
    ``step_param`` names the step size a divergence error suggests lowering (``step_note``:
    where its value came from, when another parameter gave it).
    """

    def __init__(self, *, patience, tol, valid=None, keep_start=False,
                 step_param="learning_rate", step_note=None):
        self.patience, self.tol, self.valid, self.keep_start = patience, tol, valid, keep_start
        self.step_param = step_param  # the parameter a divergence asks to make smaller
        self.step_note = step_note  # where its value came from, when not from itself

    def on_train_begin(self, net, X=None, **kwargs):
        self.start_loss_ = evaluate(net, _head(X), training=True)
        if not math.isfinite(self.start_loss_) or self.start_loss_ > DATA_SCALE_LIMIT:
            corruption = getattr(net.module_, "corruption", None)
            clean = evaluate(net, _head(X)) if corruption is not None else math.inf
            if math.isfinite(clean) and clean <= DATA_SCALE_LIMIT:  # the noise's doing
                raise FloatingPointError(
                    f"Training cannot start: the loss before any step is "
                    f"{self.start_loss_:.3g} under the training noise ({corruption.noise}) "
                    f"and {clean:.3g} without it. The noise moves entries far off X's "
                    "values (masking sets them to 0 in X's units, far from a column "
                    "centred away from 0): centre X first (StandardScaler), or use "
                    "noise='missing' (entries read as their column's mean) or 'gaussian'."
                )
            raise FloatingPointError(
                f"Training cannot start: the loss before any step is {self.start_loss_:.3g}. "
                "X's values are far off the scale the model standardises by (set by the "
                "first fit or partial_fit call); rescale X, or refit from scratch."
            )
        # what divergence is judged against: the loss training records, which under
        # L-BFGS adds the explicit L2 term
        self.start_objective_ = self.start_loss_
        if getattr(net, "l2", 0.0):
            with torch.no_grad():
                self.start_objective_ += float(net.penalty())
        # best_loss_: the best monitored loss (held-out with ``valid``, else training)
        self.epochs_, self.misses_, self.best_epoch_ = 0, 0, None
        self.best_loss_, self.best_state_ = math.inf, None
        self.start_state_ = None
        if self.valid is not None and self.keep_start:
            self.best_loss_, self.best_epoch_ = held_out_loss(net, self.valid), 0
            self.best_state_ = self.start_state_ = clone_state(net.module_)

    def _check_divergence(self, net, loss, when):
        limit = DIVERGENCE_FACTOR * max(self.start_objective_, DIVERGENCE_FLOOR)
        if not math.isfinite(loss) or loss > limit:
            if getattr(getattr(net, "config", None), "full_batch", False):
                advice = ("L-BFGS's line search sets its steps (learning_rate plays no "
                          "part): try solver='adam'.")
            else:
                advice = (f"The step is too large for this model: try a smaller "
                          f"{self.step_param} (now {net.lr}"
                          f"{'; ' + self.step_note if self.step_note else ''}).")
            raise FloatingPointError(
                f"Training diverged: the loss reached {loss:.3g} {when}, from "
                f"{self.start_objective_:.3g} at the start. {advice}"
            )

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1
        # an epoch's loss is its batches' before each step: the last step is checked at
        # the next epoch's end, or at the end of training
        loss = net.history[-1, "train_loss"]
        self._check_divergence(net, loss, f"at epoch {len(net.history)}")
        monitored = loss
        if self.valid is not None:
            monitored = held_out_loss(net, self.valid)
            net.history.record("valid_loss", monitored)
        self.misses_ = 0 if monitored < self.best_loss_ - self.tol else self.misses_ + 1
        if monitored < self.best_loss_:
            self.best_loss_ = monitored
            if self.valid is not None:
                self.best_epoch_, self.best_state_ = self.epochs_, clone_state(net.module_)
        if self.misses_ >= self.patience:
            raise StopTraining

    def on_train_end(self, net, X=None, **kwargs):
        self.check_last_steps(net, X)

    def check_last_steps(self, net, X, interrupted=False):
        """Raise on divergence in the steps no epoch's loss has seen: the last epoch's (an
        epoch of one batch, a partial_fit of one epoch), or with ``interrupted`` those of
        the epoch a Ctrl-C cut short. The loss after them is measured in eval mode (no
        noise drawn), through the plain module (no compile for a mode training never
        runs in)."""
        if self.epochs_:
            epoch = len(net.history) + (1 if interrupted else 0)
            when = (f"in the interrupted epoch {epoch}" if interrupted
                    else f"after the last step (epoch {epoch})")
            self._check_divergence(net, evaluate(net, _head(X), plain=True), when)

    def restore_best(self, net):
        """Load the best epoch's weights, when they were kept; return that epoch.

        With ``keep_start``, a best epoch whose gain over the start is within the
        held-out rows' noise (:func:`beats`) gives way to the start, epoch 0.
        """
        if self.best_state_ is None:
            return self.best_epoch_
        net.module_.load_state_dict(self.best_state_)
        if self.best_epoch_ and self.keep_start and not beats(
                net.module_, self.start_state_, self.valid):
            net.module_.load_state_dict(self.start_state_)
            self.best_epoch_, self.best_state_ = 0, self.start_state_
        return self.best_epoch_


class _PrintLog(PrintLog):
    """skorch's epoch table, with ANSI colours only when stdout is a terminal."""

    def format_row(self, row, key, color):
        if not sys.stdout.isatty():
            row = {k: v for k, v in row.items() if not k.endswith("_best")}
        return super().format_row(row, key, color)


def _head(dataset):
    n = min(len(dataset), REFERENCE_ROWS)
    return dataset.subset(torch.arange(n))


def build_net(config, *, module, criterion, device, monitor, module_spec=None):
    """A skorch net for ``module`` trained as ``config`` (a TrainConfig) says.

    The only place skae's configuration maps to skorch.
    """
    callbacks = [("monitor", monitor)]
    if config.learning_rate_schedule == "cosine" and not config.full_batch:
        # last_epoch=-1: each fit anneals from its own step size over its own max_iter
        # (skorch would otherwise continue a warm start's schedule past T_max)
        callbacks.append(("lr_schedule", LRScheduler(
            CosineAnnealingLR, T_max=max(config.max_iter, 1), last_epoch=-1,
            step_every="epoch")))
    if config.verbose >= 2 and not config.full_batch:
        callbacks.append(("progress", ProgressBar()))
    return _Net(
        module, criterion=criterion,
        **optimizer_params(config, device),
        l2=config.alpha if config.full_batch else 0.0,
        autocast_bf16=config.precision == "bf16-mixed", compile_forward=config.compile,
        cuda_graphs=config.cuda_graphs, config=config, module_spec=module_spec,
        max_epochs=config.max_iter, batch_size=config.rows_per_batch(),
        iterator_train=BatchIterator, iterator_valid=BatchIterator,
        iterator_train__shuffle=config.shuffle and not config.full_batch,
        train_split=None, callbacks=callbacks, callbacks__print_log=_PrintLog(),
        device=device, verbose=config.verbose,
    )


def optimizer_params(config, device):
    """skorch's ``optimizer`` parameters for ``config.solver``; ``alpha`` is an L2 penalty."""
    if config.full_batch:
        # one epoch = one full-batch L-BFGS step of up to 20 iterations
        return {"optimizer": torch.optim.LBFGS, "lr": 1.0,
                "optimizer__line_search_fn": "strong_wolfe"}
    extra = {"optimizer__momentum": config.momentum} if config.solver == "sgd" else {}
    return {
        "optimizer": torch.optim.SGD if config.solver == "sgd" else torch.optim.Adam,
        "lr": config.learning_rate,
        **extra,
        "optimizer__weight_decay": config.alpha,
        "optimizer__param_groups": [("*bias", {"weight_decay": 0.0})],
        "optimizer__fused": device.type in ("cpu", "cuda"),
    }


@dataclass
class TrainResult:
    """What one call of :func:`train` did. ``best_epoch``: the epoch whose weights were
    kept (0: the start), None when the last weights were kept."""

    epochs: int
    stopped_early: bool
    interrupted: bool
    best_epoch: int | None


def train(net, data, *, epochs):
    """Train ``net`` (initialised) for up to ``epochs`` epochs on ``data``.

    A KeyboardInterrupt after at least one complete epoch ends training and is reported
    in the result (the unfinished epoch is dropped from the history; without a best
    epoch to restore, the weights kept include its steps: a caller that keeps them
    checks them with :meth:`Monitor.check_last_steps`); one before that propagates. Any
    other exception propagates too.
    """
    before = len(net.history)
    monitor = dict(net.callbacks_)["monitor"]
    interrupted = False
    try:
        with flushing_denormals():
            net.partial_fit(data, epochs=epochs)
    except KeyboardInterrupt:
        while len(net.history) > before and not _complete(net.history[-1], monitor):
            net.history.pop()
        if len(net.history) == before:
            raise
        interrupted = True
    finally:
        net.drop_graphs()
    ran = len(net.history) - before
    best = monitor.restore_best(net)
    net.module_.eval()
    stopped = not interrupted and ran < epochs
    return TrainResult(ran, stopped, interrupted, best)


def _flushing():
    """Whether this thread's CPU arithmetic flushes denormal floats to zero now."""
    return torch.tensor([1e-39], dtype=torch.float32).mul(1.0).item() == 0.0


@contextmanager
def flushing_denormals():
    """CPU arithmetic flushes denormal floats to zero inside the block, as before after.

    Adam's second moments of weights whose gradient is only the L2 term (weights of
    constant input columns, of dead ReLU units) decay into float32's denormal range,
    where CPU arithmetic is an order of magnitude slower: a default MNIST fit's epochs
    went from 0.25 s to 2.5 s after epoch 50. Flushing them to zero changes values
    below 1.2e-38 only. The setting is the calling thread's (and torch's intra-op
    threads'); the previous one is restored.
    """
    previous = _flushing()
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(previous)


def _complete(epoch, monitor):
    return "train_loss" in epoch and (monitor.valid is None or "valid_loss" in epoch)

