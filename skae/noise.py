"""Corruption functions for denoising autoencoders, and their registry.

Each function takes a batch ``x`` (a tensor), a ``ratio``, per-feature ``stats``
(tensors ``std``, ``min`` and ``max`` of the training data) and a ``generator`` (a
``torch.Generator`` on ``x``'s device; None: torch's global one) and returns a
corrupted copy. skae passes a local generator, seeded from ``random_state``.

Examples
--------
>>> import torch
>>> from skae.noise import NOISES
>>> sorted(NOISES)
['gaussian', 'masking', 'missing', 'salt_and_pepper']
>>> x = torch.ones(2, 3)
>>> NOISES["masking"](x, 0.0, {}).shape
torch.Size([2, 3])
"""

from numbers import Real

import numpy as np
import torch


def _uniform(x, generator):
    return torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)


def masking(x, ratio, stats, generator=None):
    """Set a random fraction ``ratio`` of the entries to zero ("zero-masking").

    Parameters
    ----------
    x : torch.Tensor of shape (n_samples, n_features)
        Clean batch, in the input's own units.
    ratio : float
        Probability that an entry is zeroed, in [0, 1).
    stats : dict
        Unused; present so every noise takes the same arguments.
    generator : torch.Generator or None, default=None
        Source of the random draws (None: torch's global one).

    Returns
    -------
    corrupted : torch.Tensor of shape (n_samples, n_features)

    Examples
    --------
    >>> import torch
    >>> masking(torch.ones(1, 4), 0.0, {})
    tensor([[1., 1., 1., 1.]])
    """
    return x * (_uniform(x, generator) >= ratio)


def gaussian(x, ratio, stats, generator=None):
    """Add Gaussian noise with standard deviation ``ratio`` times each feature's.

    Parameters
    ----------
    x : torch.Tensor of shape (n_samples, n_features)
        Clean batch.
    ratio : float
        Noise standard deviation as a multiple of each feature's, at least 0.
    stats : dict
        ``stats["std"]``, the per-feature standard deviation of the training data.
    generator : torch.Generator or None, default=None
        Source of the random draws (None: torch's global one).

    Returns
    -------
    corrupted : torch.Tensor of shape (n_samples, n_features)

    Examples
    --------
    >>> import torch
    >>> gaussian(torch.zeros(1, 2), 0.5, {"std": torch.zeros(2)})
    tensor([[0., 0.]])
    """
    noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return x + ratio * stats["std"] * noise


def salt_and_pepper(x, ratio, stats, generator=None):
    """Set a fraction ``ratio`` of the entries to their feature's minimum or maximum.

    Which of the two is a fair coin per entry.

    Parameters
    ----------
    x : torch.Tensor of shape (n_samples, n_features)
        Clean batch.
    ratio : float
        Probability that an entry is replaced, in [0, 1).
    stats : dict
        ``stats["min"]`` and ``stats["max"]``, per-feature extremes seen in training.
    generator : torch.Generator or None, default=None
        Source of the random draws (None: torch's global one).

    Returns
    -------
    corrupted : torch.Tensor of shape (n_samples, n_features)

    Examples
    --------
    >>> import torch
    >>> stats = {"min": torch.zeros(3), "max": torch.ones(3)}
    >>> salt_and_pepper(torch.full((1, 3), 0.5), 0.0, stats)
    tensor([[0.5000, 0.5000, 0.5000]])
    """
    hit = _uniform(x, generator) < ratio
    salt = _uniform(x, generator) < 0.5
    return torch.where(hit, torch.where(salt, stats["max"], stats["min"]), x)


def missing(x, ratio, stats, generator=None):
    """Make a random fraction ``ratio`` of the entries missing (NaN).

    The model then treats them as it treats missing input: in standardised units they
    enter as their column's mean (and, where the model has one, with the missing
    indicator set), while the clean target keeps them. Training so teaches a model to
    fill in entries it is not given, which is what :class:`~skae.AutoEncoderImputer`
    asks of it.

    Parameters
    ----------
    x : torch.Tensor of shape (n_samples, n_features)
        Clean batch, in the input's own units (NaN where already missing).
    ratio : float
        Probability that an entry is hidden, in [0, 1).
    stats : dict
        Unused; present so every noise takes the same arguments.
    generator : torch.Generator or None, default=None
        Source of the random draws (None: torch's global one).

    Returns
    -------
    corrupted : torch.Tensor of shape (n_samples, n_features)

    Examples
    --------
    >>> import torch
    >>> missing(torch.ones(1, 3), 0.0, {})
    tensor([[1., 1., 1.]])
    """
    return torch.where(_uniform(x, generator) < ratio, torch.nan, x)


NOISES = {"masking": masking, "gaussian": gaussian, "salt_and_pepper": salt_and_pepper,
          "missing": missing}

# noises that replace a fraction of the entries: their ratio is a probability below 1
FRACTION_NOISES = frozenset({"masking", "salt_and_pepper", "missing"})


def check_noise_ratio(noise, noise_ratio, owner):
    """Raise a ValueError naming ``noise_ratio`` when it does not suit ``noise``.

    Examples
    --------
    >>> check_noise_ratio("gaussian", 2.0, "DenoisingAutoEncoder")
    """
    if noise in FRACTION_NOISES and not 0 <= noise_ratio < 1:
        raise ValueError(
            f"The 'noise_ratio' parameter of {owner} must be in [0, 1) for "
            f"noise={noise!r}, the fraction of entries corrupted. Got {noise_ratio!r} instead."
        )


def layer_noise_ratios(noise, noise_ratio, n_layers, owner):
    """One noise ratio per pre-trained layer, bottom first, each checked for ``noise``.

    ``noise_ratio`` is a float (the same level for every layer) or a sequence of
    ``n_layers`` floats; anything else raises a ValueError naming ``noise_ratio``.

    Examples
    --------
    >>> layer_noise_ratios("masking", 0.25, 3, "StackedAutoEncoderClassifier")
    [0.25, 0.25, 0.25]
    >>> layer_noise_ratios("masking", (0.1, 0.2, 0.3), 3, "StackedAutoEncoderClassifier")
    [0.1, 0.2, 0.3]
    """
    if isinstance(noise_ratio, Real):
        ratios = [float(noise_ratio)] * n_layers
    else:
        try:
            ratios = np.asarray(noise_ratio, dtype=np.float64)
        except (TypeError, ValueError):
            ratios = None
        if ratios is None or ratios.ndim != 1 or len(ratios) != n_layers:
            raise ValueError(
                f"The 'noise_ratio' parameter of {owner} must be a float or {n_layers} "
                f"floats, one per pre-trained layer (bottom first). Got {noise_ratio!r} "
                "instead."
            )
        ratios = ratios.tolist()
    for ratio in ratios:
        if not 0 <= ratio < np.inf:
            raise ValueError(
                f"The 'noise_ratio' parameter of {owner} must hold finite values >= 0. "
                f"Got {noise_ratio!r} instead."
            )
        check_noise_ratio(noise, ratio, owner)
    return ratios
