"""Small torch modules: MLP stacks, standardisation, the autoencoder and its loss."""

import numpy as np
import torch
from torch import nn

from .noise import NOISES

ACTIVATIONS = {
    "identity": nn.Identity,
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "logistic": nn.Sigmoid,
}


def mlp(sizes, activation):
    """Linear layers through ``sizes`` with ``activation`` between them, none after the last."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        if i > 0:
            layers.append(ACTIVATIONS[activation]())
        layers.append(nn.Linear(n_in, n_out))
    return layers


def linears(sequential):
    """The ``nn.Linear`` layers of a Sequential, in order."""
    return [m for m in sequential if isinstance(m, nn.Linear)]


class Standardize(nn.Module):
    """``(x - mean) / scale`` with fixed buffers; ``inverse=True`` undoes it."""

    def __init__(self, mean, scale, inverse=False):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
        self.inverse = inverse

    def forward(self, x):
        if self.inverse:
            return torch.addcmul(self.mean, x, self.scale)
        return (x - self.mean) / self.scale


def _standardized_pair(standardize, corruption, x):
    """The (possibly corrupted) standardised input and the clean standardised target."""
    target = standardize(x)
    corrupted = corruption(x)
    return (target if corrupted is x else standardize(corrupted)), target


class TiedLinear(nn.Module):
    """The transpose of ``source`` (an ``nn.Linear``) with a bias of its own: ``W^T x + b'``."""

    def __init__(self, source):
        super().__init__()
        self.source = source
        self.bias = nn.Parameter(torch.zeros(source.in_features))

    def forward(self, x):
        return nn.functional.linear(x, self.source.weight.t(), self.bias)


class AutoEncoder(nn.Module):
    """Encoder and mirrored decoder around a code.

    ``encode`` and ``decode`` work in the data's own units. ``forward``, used in
    training, returns the reconstruction and its target both standardised, so the
    loss needs no rescaling. ``corruption`` (acting only in training mode, like
    ``nn.Dropout``) corrupts the input in its own units; the target stays clean.

    ``code_activation`` is applied to the code (identity: a linear code).
    ``tied_weights`` makes each decoder layer the transpose of its mirror in the
    encoder (own biases). With ``logits=True`` (a cross-entropy reconstruction of
    data in [0, 1]) the decoder outputs logits, ``forward``'s target is the raw
    input and ``decode`` applies the sigmoid.
    """

    def __init__(self, n_features, hidden_layer_sizes, n_components, activation,
                 mean, scale, corruption=None, code_activation="identity",
                 tied_weights=False, logits=False):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes, n_components]
        self.corruption = corruption if corruption is not None else nn.Identity()
        self.standardize = Standardize(mean, scale)
        encoder = mlp(sizes, activation)
        if code_activation != "identity":
            encoder.append(ACTIVATIONS[code_activation]())
        self.encoder = nn.Sequential(*encoder)
        if tied_weights:
            decoder = []
            for i, source in enumerate(linears(self.encoder)[::-1]):
                if i > 0:
                    decoder.append(ACTIVATIONS[activation]())
                decoder.append(TiedLinear(source))
            self.decoder = nn.Sequential(*decoder)
        else:
            self.decoder = nn.Sequential(*mlp(sizes[::-1], activation))
        self.unstandardize = Standardize(mean, scale, inverse=True)
        self.logits = logits

    def forward(self, x):  # (batch, n_features) -> 2 x (batch, n_features)
        inputs, target = _standardized_pair(self.standardize, self.corruption, x)
        return self.decoder(self.encoder(inputs)), (x if self.logits else target)

    def encode(self, x):  # (batch, n_features) -> (batch, n_components)
        return self.encoder(self.standardize(x))

    def decode(self, code):  # (batch, n_components) -> (batch, n_features)
        if self.logits:
            return torch.sigmoid(self.decoder(code))
        return self.unstandardize(self.decoder(code))

    def reconstruct(self, x):  # (batch, n_features) -> (batch, n_features)
        return self.decode(self.encode(x))


class PairLoss(nn.Module):
    """Loss between the two halves of ``y_pred = (reconstruction, target)``.

    ``kind="mse"``: mean squared error; ``"cross_entropy"``: binary cross-entropy of
    logits against targets in [0, 1]. skorch's ``y_true`` is not used.
    """

    def __init__(self, kind="mse"):
        super().__init__()
        self.kind = kind

    def forward(self, y_pred, y_true=None):
        reconstruction, target = y_pred
        if self.kind == "cross_entropy":
            return nn.functional.binary_cross_entropy_with_logits(reconstruction, target)
        return nn.functional.mse_loss(reconstruction, target)


class Corruption(nn.Module):
    """Corrupt the input with a noise from :data:`skae.noise.NOISES`, in training mode only.

    Like ``nn.Dropout``: in ``eval()`` mode (transform, scoring) it is the identity.
    """

    def __init__(self, noise, ratio, std, low, high):
        super().__init__()
        self.noise, self.ratio = noise, float(ratio)
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))
        self.register_buffer("min", torch.as_tensor(low, dtype=torch.float32))
        self.register_buffer("max", torch.as_tensor(high, dtype=torch.float32))

    @classmethod
    def from_stats(cls, noise, ratio, stats):
        """A corruption layer from training column statistics (see ``column_stats``)."""
        return cls(noise, ratio, std=np.sqrt(stats["var"]), low=stats["min"], high=stats["max"])

    def forward(self, x):
        if not self.training or self.ratio == 0:
            return x
        stats = {"std": self.std, "min": self.min, "max": self.max}
        return NOISES[self.noise](x, self.ratio, stats)


class LayerAutoEncoder(nn.Module):
    """One layer of a greedily pre-trained stack: ``x -> act(W x + b) -> act(W' h + b')``.

    ``code_activation`` names the code's activation (``activation`` where the code is
    a hidden layer of the whole network; "identity": a linear code), and
    ``output_activation`` says whether the reconstruction passes through
    ``activation`` (it does where the layer's input is a hidden layer). The first
    layer standardises its input with ``mean`` and ``scale``; later layers pass 0 and
    1. ``forward`` returns ``(reconstruction, target)`` for :class:`PairLoss`; with
    ``logits=True`` the reconstruction is logits and the target the raw input, for a
    cross-entropy on data in [0, 1]. ``tied_weights`` makes the decoder ``W^T`` (own
    bias), as in Vincent et al.'s denoising autoencoders.
    """

    def __init__(self, n_in, n_out, activation, code_activation, output_activation,
                 mean, scale, corruption=None, logits=False, tied_weights=False):
        super().__init__()
        code_act = [] if code_activation == "identity" else [ACTIVATIONS[code_activation]()]
        out_act = [ACTIVATIONS[activation]()] if output_activation and not logits else []
        self.corruption = corruption if corruption is not None else nn.Identity()
        self.standardize = Standardize(mean, scale)
        self.encoder = nn.Sequential(nn.Linear(n_in, n_out), *code_act)
        decoder = TiedLinear(self.encoder[0]) if tied_weights else nn.Linear(n_out, n_in)
        self.decoder = nn.Sequential(decoder, *out_act)
        self.logits = logits

    def forward(self, x):  # (batch, n_in) -> 2 x (batch, n_in)
        inputs, target = _standardized_pair(self.standardize, self.corruption, x)
        return self.decoder(self.encoder(inputs)), (x if self.logits else target)

    def encode(self, x):  # (batch, n_in) -> (batch, n_out)
        return self.encoder(self.standardize(x))


class Network(nn.Module):
    """A feed-forward network for supervised fine-tuning: standardise, hidden layers, output."""

    def __init__(self, n_features, hidden_layer_sizes, n_outputs, activation, mean, scale):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes]
        hidden = [layer for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
                  for layer in (nn.Linear(n_in, n_out), ACTIVATIONS[activation]())]
        self.hidden = nn.Sequential(Standardize(mean, scale), *hidden)
        self.output = nn.Linear(sizes[-1], n_outputs)

    def forward(self, x):  # (batch, n_features) -> (batch, n_outputs)
        return self.output(self.hidden(x))
