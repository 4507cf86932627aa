"""Small torch modules: MLP stacks, standardisation, the autoencoder and its loss."""

import math

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


def reset_linear(layer, generator):
    """torch's default ``nn.Linear`` initialisation, drawn from ``generator``."""
    with torch.no_grad():
        nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
        bound = 1 / math.sqrt(layer.in_features) if layer.in_features > 0 else 0.0
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return layer


def linear(n_in, n_out, generator=None):
    """An ``nn.Linear`` initialised from ``generator`` (None: a fixed-seed one).

    Built without drawing from torch's global random state, which stays the caller's.
    """
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    return reset_linear(nn.utils.skip_init(nn.Linear, n_in, n_out), generator)


def mlp(sizes, activation, generator=None):
    """Linear layers through ``sizes`` with ``activation`` between them, none after the last."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        if i > 0:
            layers.append(ACTIVATIONS[activation]())
        layers.append(linear(n_in, n_out, generator))
    return layers


class Residual(nn.Module):
    """``linear(x) + branch(x)``: a linear path beside a nonlinear branch.

    The branch's last layer starts at zero, so a new module computes its linear
    path alone (the PCA start of :class:`AutoEncoder`).
    """

    def __init__(self, linear_path, branch):
        super().__init__()
        self.linear = linear_path
        self.branch = branch
        last = linears(branch)[-1]
        with torch.no_grad():
            last.weight.zero_()
            last.bias.zero_()

    def forward(self, x):  # (batch, n_in) -> (batch, n_out)
        return self.linear(x) + self.branch(x)


def linears(sequential):
    """The ``nn.Linear`` layers of a Sequential, in order."""
    return [m for m in sequential if isinstance(m, nn.Linear)]


def _own(values):
    """A float32 tensor of ``values`` in storage of its own.

    ``torch.as_tensor`` shares a numpy array's memory: two buffers made from one array
    would be one storage, and ``load_state_dict`` would write both into it.
    """
    return torch.as_tensor(values, dtype=torch.float32).clone()


class Standardize(nn.Module):
    """``(x - mean) / scale`` with fixed buffers; ``inverse=True`` undoes it.

    Missing (NaN) entries stay NaN, or, with ``fill=True``, enter at their column's mean
    (:meth:`filled`). ``center``: those means in X's units, where they are not ``mean``
    (a model that does not standardise, a pre-trained layer's codes); None: ``mean``.
    The buffers are float32, as the model; :meth:`exact_` gives a float64 copy the
    float64 statistics they were rounded from.
    """

    def __init__(self, mean, scale, inverse=False, fill=False, center=None):
        super().__init__()
        self.register_buffer("mean", _own(mean))
        self.register_buffer("scale", _own(scale))
        self._exact = (np.array(mean, dtype=np.float64), np.array(scale, dtype=np.float64))
        if center is not None:
            # where a missing entry enters, in standardised units (rebuilt from
            # ``center``, never saved: 0 where ``center`` is ``mean``)
            self._exact_missing = (np.asarray(center, dtype=np.float64) - self._exact[0]) \
                / self._exact[1]
            self.register_buffer("missing_value", _own(self._exact_missing), persistent=False)
        self.inverse = inverse
        self.fill = fill

    def exact_(self):
        """Set float64 buffers to the unrounded statistics (the float64 inference path)."""
        for buffer, exact in zip((self.mean, self.scale), self._exact, strict=True):
            buffer.copy_(torch.as_tensor(exact))
        if getattr(self, "missing_value", None) is not None:
            self.missing_value.copy_(torch.as_tensor(self._exact_missing))
        return self

    def filled(self, z, indicator=False, inplace=False):
        """Standardised ``z`` with its missing entries at their column's mean
        (:func:`fill_missing`)."""
        return fill_missing(z, indicator, getattr(self, "missing_value", None), inplace)

    def forward(self, x):
        if self.inverse:
            return torch.addcmul(self.mean, x, self.scale)
        z = torch.sub(x, self.mean).div_(self.scale)  # in place: one temporary, not two
        return self.filled(z, inplace=True) if getattr(self, "fill", False) else z


def fill_missing(z, indicator=False, value=None, inplace=False):
    """Standardised values with missing (NaN) entries at ``value`` (per column; None: 0),
    their column's mean.

    With ``indicator`` the mask of observed entries follows as further columns:
    (batch, n) -> (batch, 2 n). A missing entry is then told apart from an observed
    one at the mean, as masking noise's zeros are. ``inplace`` may fill ``z`` itself
    (a temporary no one else reads).
    """
    observed = ~torch.isnan(z) if indicator else None
    if value is None:
        filled = torch.nan_to_num_(z, nan=0.0) if inplace else torch.nan_to_num(z, nan=0.0)
    else:
        filled = torch.where(torch.isnan(z), value, z)
    if not indicator:
        return filled
    return torch.cat([filled, observed.to(filled.dtype)], dim=1)


def _standardized_pair(standardize, corruption, x, indicator=False):
    """The (possibly corrupted) standardised input, its missing entries filled, and the
    clean standardised target, NaN where the entry is missing."""
    target = standardize(x)
    corrupted = corruption(x)
    inputs = target if corrupted is x else standardize(corrupted)
    return standardize.filled(inputs, indicator), target


class TiedLinear(nn.Module):
    """The transpose of ``source`` (an ``nn.Linear``) with a bias of its own: ``W^T x + b'``.

    ``n_out`` keeps the first ``n_out`` of ``source``'s inputs (those that are values,
    not the indicator columns of :func:`fill_missing`); None: all of them.
    """

    def __init__(self, source, n_out=None):
        super().__init__()
        self.source = source
        self.n_out = source.in_features if n_out is None else n_out
        self.bias = nn.Parameter(torch.zeros(self.n_out))

    def forward(self, x):
        return nn.functional.linear(x, self.source.weight[:, :self.n_out].t(), self.bias)


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

    ``missing_indicator=True`` feeds the encoder the mask of observed entries beside
    the values (:func:`fill_missing`); without it a missing entry enters as its
    column's mean (``center``, where the model does not standardise by it: see
    :class:`Standardize`). Missing entries are never part of the loss's target.

    ``residual=True`` (the PCA start) makes the encoder and the decoder each a
    :class:`Residual`: a linear map beside an MLP branch whose output starts at zero,
    so that :func:`set_linear_path` can make the new module exactly a linear
    autoencoder (PCA). Then ``tied_weights`` ties the linear paths only. Without
    hidden layers both forms are the same linear autoencoder.
    """

    def __init__(self, n_features, hidden_layer_sizes, n_components, activation,
                 mean, scale, corruption=None, code_activation="identity",
                 tied_weights=False, logits=False, residual=False, missing_indicator=False,
                 center=None, generator=None):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes, n_components]
        self.n_features, self.missing_indicator = n_features, missing_indicator
        self.corruption = corruption if corruption is not None else nn.Identity()
        self.standardize = Standardize(mean, scale, center=center)
        in_sizes = [n_features * (2 if missing_indicator else 1), *sizes[1:]]
        if residual and hidden_layer_sizes:
            self.encoder = self._residual_encoder(in_sizes, activation, generator)
            self.decoder = self._residual_decoder(sizes, activation, tied_weights, generator)
        else:
            encoder = mlp(in_sizes, activation, generator)
            if code_activation != "identity":
                encoder.append(ACTIVATIONS[code_activation]())
            self.encoder = nn.Sequential(*encoder)
            self.decoder = self._decoder(sizes, activation, tied_weights, generator)
        self.unstandardize = Standardize(mean, scale, inverse=True)
        self.logits = logits

    @staticmethod
    def _residual_encoder(sizes, activation, generator):
        branch = nn.Sequential(*mlp(sizes, activation, generator))
        return Residual(linear(sizes[0], sizes[-1], generator), branch)

    def _residual_decoder(self, sizes, activation, tied_weights, generator):
        path = (TiedLinear(self.encoder.linear, sizes[0]) if tied_weights
                else linear(sizes[-1], sizes[0], generator))
        return Residual(path, nn.Sequential(*mlp(sizes[::-1], activation, generator)))

    def _decoder(self, sizes, activation, tied_weights, generator):
        if not tied_weights:
            return nn.Sequential(*mlp(sizes[::-1], activation, generator))
        decoder = []
        for i, source in enumerate(linears(self.encoder)[::-1]):
            if i > 0:
                decoder.append(ACTIVATIONS[activation]())
            decoder.append(TiedLinear(source, sizes[0] if i == len(sizes) - 2 else None))
        return nn.Sequential(*decoder)

    @property
    def _indicator(self):
        return getattr(self, "missing_indicator", False)

    def forward(self, x):  # (batch, n_features) -> 2 x (batch, n_features)
        inputs, target = _standardized_pair(self.standardize, self.corruption, x,
                                            self._indicator)
        return self.decoder(self.encoder(inputs)), (x if self.logits else target)

    def encode(self, x):  # (batch, n_features) -> (batch, n_components)
        z = self.standardize(x)  # a fresh tensor: filled in place
        return self.encoder(self.standardize.filled(z, self._indicator, inplace=True))

    def decode(self, code):  # (batch, n_components) -> (batch, n_features)
        if self.logits:
            return torch.sigmoid(self.decoder(code))
        return self.unstandardize(self.decoder(code))

    def reconstruct(self, x):  # (batch, n_features) -> (batch, n_features)
        return self.decode(self.encode(x))

    def sample(self, x):  # (batch, n_features) -> (batch, n_features)
        """A reconstruction of ``x`` corrupted as in training (a draw, in eval mode too)."""
        was_training = self.corruption.training
        self.corruption.train()
        try:
            return self.reconstruct(self.corruption(x))
        finally:
            self.corruption.train(was_training)


def linear_paths(module):
    """The encoder's and the decoder's linear maps of an :class:`AutoEncoder`.

    Those of a :class:`Residual` encoder and decoder, or the only ``nn.Linear`` of a
    linear autoencoder; None where there is no such single map.
    """
    paths = []
    for part in (module.encoder, module.decoder):
        if isinstance(part, Residual):
            paths.append(part.linear)
        else:
            layers = [m for m in part if isinstance(m, (nn.Linear, TiedLinear))]
            if len(layers) != 1 or len(part) != 1:
                return None
            paths.append(layers[0])
    return paths


def set_linear_path(module, components, offset):
    """Make the linear paths of ``module`` PCA, in the model's standardised units.

    ``components`` (n_components, n_features), orthonormal rows, and ``offset``
    (n_features,), PCA's mean less the model's: the code is ``components @ (z - offset)``
    and the linear reconstruction ``components.T @ code + offset``.
    """
    encoder, decoder = linear_paths(module)
    W = torch.as_tensor(np.asarray(components, dtype=np.float32))
    b = torch.as_tensor(np.asarray(offset, dtype=np.float32))
    with torch.no_grad():
        encoder.weight.zero_()  # the indicator columns, where there are any, start at 0
        encoder.weight[:, :W.shape[1]].copy_(W)
        encoder.bias.copy_(-(W @ b))
        if not isinstance(decoder, TiedLinear):
            decoder.weight.copy_(W.t())
        decoder.bias.copy_(b)


class PairLoss(nn.Module):
    """Loss between the two halves of ``y_pred = (reconstruction, target)``.

    ``kind="mse"``: mean squared error; ``"cross_entropy"``: binary cross-entropy of
    logits against targets in [0, 1]. skorch's ``y_true`` is not used. Missing (NaN)
    targets are left out, unless ``complete`` says there are none: a fit on complete
    data then runs one fused loss per batch, not the mask's elementwise ops.
    """

    def __init__(self, kind="mse", complete=False):
        super().__init__()
        self.kind = kind
        self.complete = complete

    def forward(self, y_pred, y_true=None):
        reconstruction, target = y_pred
        if self.complete:
            if self.kind == "cross_entropy":
                return nn.functional.binary_cross_entropy_with_logits(reconstruction, target)
            return nn.functional.mse_loss(reconstruction, target)
        # missing (NaN) targets are left out: a mean over the observed entries, computed
        # without a host sync (CUDA graphs capture it)
        observed = ~torch.isnan(target)
        target = torch.where(observed, target, 0.0)
        if self.kind == "cross_entropy":
            losses = nn.functional.binary_cross_entropy_with_logits(
                reconstruction, target, reduction="none")
        else:
            losses = (reconstruction - target) ** 2
        return torch.where(observed, losses, 0.0).sum() / observed.sum().clamp(min=1)


class Corruption(nn.Module):
    """Corrupt the input with a noise from :data:`skae.noise.NOISES`, in training mode only.

    Like ``nn.Dropout``: in ``eval()`` mode (transform, scoring) it is the identity.
    It draws from a local generator on the input's device, seeded by :meth:`seed`
    (never from torch's global random state); the generator is not copied or pickled.
    """

    def __init__(self, noise, ratio, std, low, high):
        super().__init__()
        self.noise, self.ratio = noise, float(ratio)
        self._seed, self._generator = 0, None
        self.register_buffer("std", _own(std))
        self.register_buffer("min", _own(low))
        self.register_buffer("max", _own(high))

    @classmethod
    def from_stats(cls, noise, ratio, stats):
        """A corruption layer from training column statistics (see ``column_stats``)."""
        return cls(noise, ratio, std=stats["std"], low=stats["min"], high=stats["max"])

    def seed(self, seed):
        """Draw the next corruptions from a fresh generator seeded with ``seed``."""
        self._seed, self._generator = int(seed), None
        return self

    def __getstate__(self):
        return {**super().__getstate__(), "_generator": None}

    def generator_for(self, device):
        """This layer's generator on ``device`` (made there, from the seed, at first use;
        a CUDA graph of the training step registers it before its capture)."""
        if self._generator is None or self._generator.device != device:
            self._generator = torch.Generator(device).manual_seed(self._seed)
        return self._generator

    def forward(self, x):
        if not self.training or self.ratio == 0:
            return x
        stats = {"std": self.std, "min": self.min, "max": self.max}
        return NOISES[self.noise](x, self.ratio, stats, self.generator_for(x.device))


class LayerAutoEncoder(nn.Module):
    """One layer of a greedily pre-trained stack: ``x -> act(W x + b) -> act(W' h + b')``.

    ``code_activation`` names the code's activation (``activation`` where the code is
    a hidden layer of the whole network; "identity": a linear code), and
    ``output_activation`` says whether the reconstruction passes through
    ``activation`` (it does where the layer's input is a hidden layer). The first
    layer standardises its input with ``mean`` and ``scale``; later layers pass 0 and
    1. A missing entry (NaN: in the data, or drawn by ``"missing"`` noise) enters at
    ``center``, its column's mean in the input's units. ``forward`` returns
    ``(reconstruction, target)`` for :class:`PairLoss`; with
    ``logits=True`` the reconstruction is logits and the target the raw input, for a
    cross-entropy on data in [0, 1]. ``tied_weights`` makes the decoder ``W^T`` (own
    bias), as in Vincent et al.'s denoising autoencoders.
    """

    def __init__(self, n_in, n_out, activation, code_activation, output_activation,
                 mean, scale, corruption=None, logits=False, tied_weights=False,
                 center=None, generator=None):
        super().__init__()
        code_act = [] if code_activation == "identity" else [ACTIVATIONS[code_activation]()]
        out_act = [ACTIVATIONS[activation]()] if output_activation and not logits else []
        self.corruption = corruption if corruption is not None else nn.Identity()
        self.standardize = Standardize(mean, scale, center=center)
        self.encoder = nn.Sequential(linear(n_in, n_out, generator), *code_act)
        decoder = (TiedLinear(self.encoder[0]) if tied_weights
                   else linear(n_out, n_in, generator))
        self.decoder = nn.Sequential(decoder, *out_act)
        self.logits = logits

    def forward(self, x):  # (batch, n_in) -> 2 x (batch, n_in)
        inputs, target = _standardized_pair(self.standardize, self.corruption, x)
        return self.decoder(self.encoder(inputs)), (x if self.logits else target)

    def encode(self, x):  # (batch, n_in) -> (batch, n_out)
        return self.encoder(self.standardize.filled(self.standardize(x), inplace=True))


class Network(nn.Module):
    """A feed-forward network for supervised fine-tuning: standardise, hidden layers, output."""

    def __init__(self, n_features, hidden_layer_sizes, n_outputs, activation, mean, scale,
                 generator=None):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes]
        hidden = [layer for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
                  for layer in (linear(n_in, n_out, generator), ACTIVATIONS[activation]())]
        self.hidden = nn.Sequential(Standardize(mean, scale, fill=True), *hidden)
        self.output = linear(sizes[-1], n_outputs, generator)

    def forward(self, x):  # (batch, n_features) -> (batch, n_outputs)
        return self.output(self.hidden(x))
