"""A fitted skorch net as plain data, for pickle and for ``skops.io``.

skorch pickles its module and optimiser as an opaque pickle blob that it unpickles on load;
inside a ``skops.io`` file that blob would run as unrestricted pickle, defeating skops'
safety. skae estimators store ``net_`` instead as plain data — the module's constructor
arguments, its ``state_dict`` and the optimiser's state as numpy arrays, the training history
as lists and dicts — and rebuild the skorch net from the estimator's parameters on load.
"""

import numpy as np
import torch
from skorch.history import History

from ._modules import Corruption
from ._training import HoldOut, build_net, initialize_net, map_leaves

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
        "module_kwargs": {k[len("module__"):]: _plain_kwarg(v) for k, v in vars(net).items()
                          if k.startswith("module__")},
        "criterion_kwargs": {k[len("criterion__"):]: v for k, v in vars(net).items()
                             if k.startswith("criterion__")},
        "state_dict": _to_numpy(dict(net.module_.state_dict())),
        # integer keys become a list of pairs: skops stores dicts with string keys best
        "optimizer_state": [[k, _to_numpy(v)] for k, v in optimizer["state"].items()],
        "optimizer_param_groups": _to_numpy(optimizer["param_groups"]),
        "history": [dict(epoch) for epoch in net.history],
        "device": str(net.device),
        "seed": net.train_split.seed if isinstance(net.train_split, HoldOut) else 0,
    }


def net_from_state(state, params, module, criterion):
    """A skorch net rebuilt from :func:`net_to_state`'s data and the estimator's ``params``.

    A net trained on a GPU comes back on the CPU where CUDA is absent.
    """
    device = torch.device(state["device"])
    if device.type == "cuda" and not torch.cuda.is_available():
        device = torch.device("cpu")
    net = build_net(params, module=module,
                    module_kwargs={k: _module_kwarg(v) for k, v in state["module_kwargs"].items()},
                    criterion=criterion, criterion_kwargs=state["criterion_kwargs"],
                    device=device, seed=state["seed"])
    initialize_net(net, state["seed"])
    net.module_.load_state_dict(_to_torch(state["state_dict"]))
    net.module_.eval()
    net.optimizer_.load_state_dict({
        "state": {k: _to_torch(v) for k, v in state["optimizer_state"]},
        "param_groups": _to_torch(state["optimizer_param_groups"]),
    })
    net.history = History(state["history"])
    return net
