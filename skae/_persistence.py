"""A fitted skorch net as plain data, for pickle and for ``skops.io``.

skorch pickles its module and optimiser as an opaque pickle blob that it unpickles on load;
inside a ``skops.io`` file that blob would run as unrestricted pickle, defeating skops'
safety. skae estimators store ``net_`` instead as plain data — the module's constructor
arguments, its ``state_dict`` and the optimiser's state as numpy arrays, the training
history as lists and dicts, and the :class:`~skae._config.TrainConfig` it was trained
with — and rebuild the skorch net from that configuration on load, never from the
estimator's current parameters.
"""

import numpy as np
import torch
from skorch.history import History

from ._config import TrainConfig
from ._device import loadable_device
from ._feeding import map_leaves
from ._modules import Corruption
from ._training import Monitor, build_net

_CORRUPTION = "__corruption__"


def _to_numpy(obj):
    """``obj`` with every tensor turned into a numpy array."""
    return map_leaves(obj, torch.Tensor, lambda t: t.detach().cpu().numpy())


def _to_torch(obj):
    """The inverse of :func:`_to_numpy` (arrays become CPU tensors)."""
    return map_leaves(obj, np.ndarray, lambda a: torch.from_numpy(np.array(a)))


def _plain_kwarg(value):
    if isinstance(value, Corruption):
        return {_CORRUPTION: [value.noise, value.ratio, int(value.std.numel())]}
    return value


def _module_kwarg(value):
    if isinstance(value, dict) and _CORRUPTION in value:
        noise, ratio, n = value[_CORRUPTION]
        zeros = np.zeros(n, dtype=np.float32)  # the buffers come back with the state_dict
        return Corruption(noise, ratio, std=zeros, low=zeros, high=zeros)
    return value


def net_to_state(net):
    """Plain data that :func:`net_from_state` rebuilds ``net`` from."""
    optimizer = net.optimizer_.state_dict()
    return {
        "module_kwargs": {k: _plain_kwarg(v) for k, v in net.module_spec.items()},
        "state_dict": _to_numpy(dict(net.module_.state_dict())),
        # integer keys become a list of pairs: skops stores dicts with string keys best
        "optimizer_state": [[k, _to_numpy(v)] for k, v in optimizer["state"].items()],
        "optimizer_param_groups": _to_numpy(optimizer["param_groups"]),
        "history": [dict(epoch) for epoch in net.history],
        "device": str(net.device),
        "config": net.config.to_dict(),
    }


def net_from_state(state, module_class, make_criterion):
    """A skorch net rebuilt from :func:`net_to_state`'s data.

    ``make_criterion(config)`` builds the criterion the configuration implies. A net
    trained on a GPU (or MPS) comes back on the CPU where that device is absent.
    """
    device = loadable_device(state["device"])
    config = TrainConfig.from_dict(state["config"])
    kwargs = {k: _module_kwarg(v) for k, v in state["module_kwargs"].items()}
    module = module_class(**kwargs)
    module.load_state_dict(_to_torch(state["state_dict"]))
    monitor = Monitor(patience=config.n_iter_no_change, tol=config.tol)
    net = build_net(config, module=module, criterion=make_criterion(config),
                    device=device, monitor=monitor, module_spec=kwargs)
    net.initialize()
    net.module_.eval()
    net.optimizer_.load_state_dict({
        "state": {k: _to_torch(v) for k, v in state["optimizer_state"]},
        "param_groups": _to_torch(state["optimizer_param_groups"]),
    })
    net.history = History(state["history"])
    return net
