"""Greedy layer-wise pre-training (Bengio et al. 2007; Hinton & Salakhutdinov 2006).

Layer k is a (denoising) autoencoder of the clean codes of layer k-1; its trained
encoder and decoder weights then initialise the deep network.
"""

import numpy as np
import torch

from ._data import column_stats
from ._modules import Corruption, LayerAutoEncoder, PairLoss, TiedLinear, linears
from ._training import TensorData, build_net, forward_in_batches, to_torch, train
from .noise import layer_noise_ratios


def layer_net(params, n_in, n_out, *, first, code_activation, stats, mean, scale, noise,
              noise_ratio, device, seed):
    """The skorch net that pre-trains one layer.

    ``params`` are the stacked estimator's (``get_params()``): its
    ``reconstruction_loss`` may be "cross_entropy", the papers' loss for data and
    codes in [0, 1], and its ``tied_weights`` ties the layer's decoder to its encoder.
    """
    cross_entropy = params["reconstruction_loss"] == "cross_entropy"
    corruption = None
    if noise is not None:
        corruption = Corruption.from_stats(noise, noise_ratio, stats)
    module_kwargs = {
        "n_in": n_in, "n_out": n_out, "activation": params["activation"],
        "code_activation": code_activation, "output_activation": not first,
        "mean": mean if first else np.zeros(n_in), "scale": scale if first else 1.0,
        "corruption": corruption, "logits": cross_entropy,
        "tied_weights": params["tied_weights"],
    }
    layer_params = {**params, "early_stopping": False, "max_iter": params["pretrain_max_iter"]}
    if params["pretrain_learning_rate"] is not None:
        layer_params["learning_rate"] = params["pretrain_learning_rate"]
    if params["pretrain_alpha"] is not None:
        layer_params["alpha"] = params["pretrain_alpha"]
    return build_net(layer_params, module=LayerAutoEncoder, module_kwargs=module_kwargs,
                     criterion=PairLoss,
                     criterion_kwargs={"kind": "cross_entropy" if cross_entropy else "mse"},
                     device=device, seed=seed)


def check_unit_interval(stats):
    """Cross-entropy reconstruction needs X in [0, 1] (``stats`` from ``column_stats``)."""
    low, high = stats["min"].min(), stats["max"].max()
    if low < 0 or high > 1:
        raise ValueError(
            f"reconstruction_loss='cross_entropy' needs X in [0, 1]; it holds values in "
            f"[{low:.3g}, {high:.3g}]. Scale it (e.g. MinMaxScaler) or use "
            "reconstruction_loss='mse'."
        )


def check_cross_entropy(stats, activation, owner):
    """Cross-entropy reconstruction needs X in [0, 1] and sigmoid hidden units."""
    check_unit_interval(stats)
    if activation not in ("sigmoid", "logistic"):
        raise ValueError(
            f"reconstruction_loss='cross_entropy' of {owner} needs activation='sigmoid' "
            f"(codes in [0, 1]); got activation={activation!r}."
        )


def pretrain_stack(X, sizes, params, *, stats, mean, scale, top_activation, noise,
                   noise_ratio, owner, device, seed):
    """Pre-train ``sizes`` (layer widths above the input) greedily on float32 ``X``.

    The first layer standardises its input with ``mean`` and ``scale`` (the deep
    model's own); ``stats`` (``column_stats`` of X) scale its corruption.

    ``noise_ratio`` is the estimator's parameter: one corruption level for every layer
    or one per layer, bottom first (checked here, naming ``owner``; unused when
    ``noise`` is None).

    Returns the trained :class:`LayerAutoEncoder` modules (bottom first) and each
    one's loss curve. ``top_activation`` names the activation of the top layer's code:
    the hidden activation for a classifier's top hidden layer, the code activation
    ("identity": a linear code) for an autoencoder's.
    """
    layers, curves, H = [], [], X
    ratios = [None] * len(sizes) if noise is None else layer_noise_ratios(
        noise, noise_ratio, len(sizes), owner)
    n_in = X.shape[1]
    for k, n_out in enumerate(sizes):
        first, top = k == 0, k == len(sizes) - 1
        layer_stats = stats if first else column_stats(H)
        net = layer_net(params, n_in, n_out, first=first,
                        code_activation=top_activation if top else params["activation"],
                        stats=layer_stats, mean=mean, scale=scale, noise=noise,
                        noise_ratio=ratios[k], device=device, seed=seed + k)
        data = TensorData(to_torch(H, device), device=device,
                          generator=torch.Generator().manual_seed(seed + k))
        train(net, data, epochs=params["pretrain_max_iter"], seed=seed + k)
        layers.append(net.module_)
        curves.append([float(v) for v in net.history[:, "train_loss"]])
        H, n_in = forward_in_batches(net.module_, "encode", H, device), n_out
    return layers, curves


def load_encoder_weights(layers, encoder_linears):
    """Copy each pre-trained layer's encoder into the matching ``nn.Linear``."""
    for layer, target in zip(layers, encoder_linears, strict=True):
        target.load_state_dict(linears(layer.encoder)[0].state_dict())


def load_decoder_weights(layers, decoder):
    """Copy each pre-trained layer's decoder into its mirror in ``decoder`` (top first).

    A tied mirror (:class:`TiedLinear`) takes the bias only: its weight is its
    encoder layer's, loaded by :func:`load_encoder_weights`.
    """
    mirrors = [m for m in decoder if isinstance(m, (torch.nn.Linear, TiedLinear))]
    for layer, target in zip(layers[::-1], mirrors, strict=True):
        source = layer.decoder[0]
        if isinstance(target, TiedLinear):
            with torch.no_grad():
                target.bias.copy_(source.bias)
        else:
            target.load_state_dict(source.state_dict())
