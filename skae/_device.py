"""Resolve the ``device`` parameter and place tensors on it."""

import re

import torch

_DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def resolve_device(device):
    """Return the :class:`torch.device` that ``device`` names.

    ``"auto"`` picks CUDA when present, then Apple's MPS, else the CPU.
    """
    if not _DEVICE_PATTERN.fullmatch(device):
        raise ValueError(
            f"device={device!r} is not one of 'auto', 'cpu', 'cuda', 'cuda:N', 'mps'."
        )
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available.")
    if device == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device='mps' was requested but MPS is not available.")
    return torch.device(device)


def loadable_device(name):
    """The device a model saved on ``name`` loads onto here: the CPU where it is absent."""
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        return torch.device("cpu")
    if device.type == "mps" and not torch.backends.mps.is_available():
        return torch.device("cpu")
    return device


def fits_on(device, nbytes, fraction=0.5):
    """Whether ``nbytes`` of data may live on ``device`` for a whole fit."""
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes <= fraction * free
