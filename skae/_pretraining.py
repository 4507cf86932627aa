"""Greedy layer-wise pre-training (Bengio et al. 2007; Hinton & Salakhutdinov 2006).

Layer k is a (denoising) autoencoder of the clean codes of layer k-1; its trained
encoder and decoder weights then initialise the deep network. The stacked autoencoder
and the supervised estimators choose and configure it the same way (the parameters in
:data:`PRETRAIN_CONSTRAINTS`, turned into a :class:`~skae._config.PretrainConfig` by
:func:`pretrain_config`) and share this implementation.
"""

from numbers import Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._config import LOSSES, Count, PretrainConfig
from ._data import column_stats, may_hold_nan
from ._feeding import TensorData, forward_in_batches, to_torch
from ._modules import Corruption, LayerAutoEncoder, PairLoss, TiedLinear, linears
from ._training import Monitor, build_net, train
from .noise import NOISES, layer_noise_ratios

PRETRAIN_CONSTRAINTS = {
    "pretraining": [StrOptions({"none", "autoencoder", "denoising"})],
    "noise": [StrOptions(set(NOISES))],
    "noise_ratio": [Interval(Real, 0, None, closed="left"), "array-like"],
    "pretrain_max_iter": [Count(0)],
    "pretrain_learning_rate": [Interval(Real, 0, None, closed="neither"), None],
    "pretrain_alpha": [Interval(Real, 0, None, closed="left"), None],
    "reconstruction_loss": [StrOptions(set(LOSSES))],
    "tied_weights": ["boolean"],
}


def pretrain_config(estimator, n_layers):
    """The :class:`PretrainConfig` of ``estimator``'s pre-training parameters.

    ``noise_ratio`` is checked here, at the door (one level, or one per layer of the
    ``n_layers``, each valid for ``noise``), whatever ``pretraining`` is and even if no
    epoch will run, as scikit-learn checks every parameter.
    """
    ratios = tuple(layer_noise_ratios(estimator.noise, estimator.noise_ratio, n_layers,
                                      type(estimator).__name__))
    noise = estimator.noise if estimator.pretraining == "denoising" else None
    ratios = ratios if noise is not None else ()
    max_iter = 0 if estimator.pretraining == "none" else estimator.pretrain_max_iter
    return PretrainConfig(max_iter=max_iter, learning_rate=estimator.pretrain_learning_rate,
                          alpha=estimator.pretrain_alpha, noise=noise, noise_ratios=ratios,
                          loss=estimator.reconstruction_loss)


def check_pretraining_data(config, stats, n_hidden, owner):
    """The checks the reconstruction loss makes of the data and of the hidden units."""
    loss = LOSSES[config.pretrain.loss]
    loss.check(stats)
    if n_hidden:
        loss.check_hidden(config.architecture["activation"], owner)


def layer_net(config, n_in, n_out, *, first, code_activation, stats, mean, scale, noise_ratio,
              device, seed, complete=False):
    """The skorch net that pre-trains one layer, as ``config`` (a FitConfig) says;
    ``complete``: its input has no missing entry."""
    pre = config.pretrain
    loss = LOSSES[pre.loss]
    corruption = None
    if pre.noise is not None:
        corruption = Corruption.from_stats(pre.noise, noise_ratio, stats).seed(seed)
    module = LayerAutoEncoder(
        n_in, n_out, config.architecture["activation"], code_activation,
        output_activation=not first, mean=mean if first else np.zeros(n_in),
        scale=scale if first else 1.0, corruption=corruption, logits=loss.logits,
        tied_weights=config.architecture["tied_weights"], center=stats["mean"],
        generator=torch.Generator().manual_seed(seed),
    )
    layer = pre.layer_config(config.train)
    net = build_net(layer, module=module, criterion=PairLoss(pre.loss, complete=complete),
                    device=device,
                    monitor=Monitor(patience=layer.n_iter_no_change, tol=layer.tol,
                                    step_param="pretrain_learning_rate",
                                    step_note=None if pre.learning_rate is not None else
                                    "learning_rate's, as pretrain_learning_rate is None"))
    return net.initialize()


def pretrain_stack(X, sizes, config, *, stats, mean, scale, top_activation, device, seed,
                   say=None):
    """Pre-train ``sizes`` (layer widths above the input) greedily on float32 ``X``.

    The first layer standardises its input with ``mean`` and ``scale`` (the deep
    model's own); ``stats`` (``column_stats`` of X) scale its corruption. A
    KeyboardInterrupt in any layer propagates: pre-training is never cut short.

    Returns the trained :class:`LayerAutoEncoder` modules (bottom first) and each
    one's loss curve. ``top_activation`` names the activation of the top layer's code:
    the hidden activation for a classifier's top hidden layer, the code activation
    ("identity": a linear code) for an autoencoder's. ``say`` (the estimator's, which
    prints with ``verbose``) heads each layer's epoch table.
    """
    pre = config.pretrain
    layers, curves, H = [], [], X
    ratios = pre.noise_ratios or (None,) * len(sizes)
    n_in, complete = X.shape[1], not may_hold_nan(X)
    for k, n_out in enumerate(sizes):
        first, top = k == 0, k == len(sizes) - 1
        if say is not None:
            say(f"pre-training layer {k + 1} of {len(sizes)}: {n_in} -> {n_out} units")
        layer_stats = stats if first else column_stats(H)
        net = layer_net(config, n_in, n_out, first=first,
                        code_activation=top_activation if top else config.architecture[
                            "activation"],
                        stats=layer_stats, mean=mean, scale=scale, noise_ratio=ratios[k],
                        device=device, seed=seed + k,
                        complete=complete or not first)  # codes are never missing
        data = TensorData(to_torch(H, device), device=device,
                          generator=torch.Generator().manual_seed(seed + k))
        if train(net, data, epochs=pre.max_iter).interrupted:
            raise KeyboardInterrupt
        layers.append(net.module_)
        curves.append([float(v) for v in net.history[:, "train_loss"]])
        H, n_in = forward_in_batches(net.module_, "encode", H, device), n_out
    if say is not None:
        say("fine-tuning the whole network")
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
