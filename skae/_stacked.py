"""StackedAutoEncoder: greedy layer-wise pre-training, then fine-tuning of the unrolled stack."""

from functools import partial

from ._base import _BaseAutoEncoder, check_hidden_layer_sizes, shared_parameter_docs
from ._config import Count
from ._modules import linears
from ._pretraining import (
    PRETRAIN_CONSTRAINTS,
    check_pretraining_data,
    load_decoder_weights,
    load_encoder_weights,
    pretrain_config,
    pretrain_stack,
)


@shared_parameter_docs
class StackedAutoEncoder(_BaseAutoEncoder):
    """Deep autoencoder pre-trained one layer at a time, then fine-tuned end to end.

    Layer k of ``hidden_layer_sizes + (n_components,)`` is first trained as a shallow
    autoencoder (a denoising one with ``pretraining="denoising"``, corrupting that
    layer's input)
    of the clean codes of layer k-1, for ``pretrain_max_iter`` epochs. The layers'
    encoders and decoders then initialise the unrolled deep autoencoder, which is
    fine-tuned on reconstruction for ``max_iter`` epochs (0: pre-training only).
    ``transform`` gives the top code (linear by default) and ``inverse_transform``
    runs the whole decoder.

    ``partial_fit`` pre-trains on the rows of its first call, then fine-tunes one
    epoch per call.

    It has no ``init``: its start is the greedy pre-training (``pretraining="none"``
    or ``pretrain_max_iter=0``: torch's random initialisation), never PCA.

    Parameters
    ----------
    n_components : int, default=None
        Width of the top code. None keeps ``n_features``.
    hidden_layer_sizes : array-like of int, default=(256, 128)
        Widths of the hidden layers below the code; may be empty (one layer).
    pretraining : {"autoencoder", "denoising", "none"}, default="autoencoder"
        How each layer is pre-trained: as a plain autoencoder, as a denoising one
        (corrupting its input with ``noise``), or not at all (random
        initialisation), as in the supervised estimators.
    noise : {"masking", "gaussian", "salt_and_pepper", "missing"}, default="masking"
        Corruption of denoising pre-training (see :class:`DenoisingAutoEncoder`).
    noise_ratio : float or array-like of float, default=0.25
        Strength of that corruption: one level for every pre-trained layer, or one
        per layer of ``hidden_layer_sizes + (n_components,)``, bottom first.
    pretrain_max_iter : int, default=20
        Epochs of pre-training per layer (0 skips pre-training).
    <pretrain_learning_rate, pretrain_alpha>
    activation : {"relu", "tanh", "sigmoid", "logistic", "identity"}, default="relu"
        Activation of the hidden layers.
    code_activation : {"identity", "relu", "tanh", "sigmoid", "logistic"}, \
            default="identity"
        Activation of the top code, in pre-training and after: "identity" is the
        linear code of Hinton & Salakhutdinov's deep autoencoder.
    tied_weights : bool, default=False
        Make each decoder layer the transpose of its mirror in the encoder (with
        biases of its own), in every pre-trained layer, as in Vincent et al.'s
        stacked denoising autoencoders, and in the fine-tuned stack, as in
        :class:`AutoEncoderTransformer`. False gives each layer a decoder matrix of
        its own; the unrolled stack starts from the pre-trained ones.
    reconstruction_loss : {"mse", "cross_entropy"}, default="mse"
        Loss of pre-training and fine-tuning. "cross_entropy" (the papers' choice
        for pixels) needs X in [0, 1] and, with hidden layers, whose codes the
        layers above reconstruct, ``activation="sigmoid"``; then
        ``inverse_transform`` returns values in [0, 1].
    <solver, momentum>
    <alpha>
    batch_size : int or "auto", default="auto"
        Rows per minibatch; "auto" is ``min(200, n_samples)``.
    learning_rate : float, default=1e-3
        Step size of adam and sgd.
    <learning_rate_schedule>
    max_iter : int, default=200
        Maximum number of fine-tuning epochs; 0 keeps the pre-trained stack as it is.
    tol : float, default=1e-4
        Loss improvement below which an epoch counts as no improvement.
    n_iter_no_change : int, default=10
        Stop (pre-training a layer, or fine-tuning) after this many epochs without
        an improvement of ``tol``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows while fine-tuning and keep the
        best weights.
    validation_fraction : float, default=0.1
        Fraction of rows held out when ``early_stopping=True``.
    shuffle : bool, default=True
        Shuffle the rows every epoch.
    device : str, default="auto"
        "auto", "cpu", "cuda", "cuda:N" or "mps".
    <precision, compile, cuda_graphs>
    random_state : int, RandomState instance or None, default=None
        Seeds every layer's initialisation, shuffling and corruption locally; torch's global
        state is left alone, and numpy's too with an int (None draws the seed from numpy's
        global generator, as scikit-learn does).
    verbose : int, default=0
        0 prints nothing; 1 a line per epoch, each pre-trained layer's table headed;
        2 also a progress bar over each epoch's batches.
    warm_start : bool, default=False
        Continue fine-tuning the fitted model on the next call to ``fit``.

    Attributes
    ----------
    n_components_ : int
        Width of the top code.
    pretrain_loss_curves_ : list of list of float
        Pre-training loss curve of each layer, bottom first.
    loss_curve_ : list of float
        Fine-tuning loss of each epoch.
    n_iter_ : int
        Number of fine-tuning epochs.
    validation_scores_ : list of float or None
        With ``early_stopping``, the negative held-out MSE (or cross-entropy) per
        fine-tuning epoch.
    mean_ : ndarray of shape (n_features,)
        Per-feature mean subtracted from the input.
    scale_ : float
        Global scale the centred input is divided by.
    net_ : skorch.NeuralNet
        The skorch net that fine-tuned the model.
    module_ : torch.nn.Module
        The unrolled deep autoencoder.
    device_ : torch.device
        Device the model lives on.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    AutoEncoderTransformer : The same architecture trained from random initialisation.
    StackedAutoEncoderClassifier : The pre-trained stack fine-tuned with labels.

    References
    ----------
    Y. Bengio, P. Lamblin, D. Popovici and H. Larochelle, "Greedy layer-wise training
    of deep networks", NIPS 2006.

    G. E. Hinton and R. R. Salakhutdinov, "Reducing the dimensionality of data with
    neural networks", Science 313(5786), 2006.

    P. Vincent et al., "Stacked denoising autoencoders", JMLR 11, 2010.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import StackedAutoEncoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> sae = StackedAutoEncoder(8, hidden_layer_sizes=(32,), pretrain_max_iter=2,
    ...                          max_iter=2, random_state=0).fit(X)
    >>> len(sae.pretrain_loss_curves_), sae.transform(X).shape
    (2, (1797, 8))
    """

    _parameter_constraints: dict = {
        **_BaseAutoEncoder._parameter_constraints,
        **PRETRAIN_CONSTRAINTS,
        "max_iter": [Count(0)],
    }

    def __init__(self, n_components=None, *, hidden_layer_sizes=(256, 128),
                 pretraining="autoencoder", noise="masking",
                 noise_ratio=0.25, pretrain_max_iter=20, pretrain_learning_rate=None,
                 pretrain_alpha=None,
                 activation="relu", code_activation="identity", tied_weights=False,
                 reconstruction_loss="mse", solver="adam", momentum=0.9,
                 alpha=1e-4, batch_size="auto", learning_rate=1e-3,
                 learning_rate_schedule="constant", max_iter=200, tol=1e-4, n_iter_no_change=10,
                 early_stopping=False, validation_fraction=0.1, shuffle=True, device="auto",
                 precision="float32", compile=False, cuda_graphs=False,
                 random_state=None, verbose=0,
                 warm_start=False):
        super().__init__(
            n_components, hidden_layer_sizes=hidden_layer_sizes, activation=activation,
            solver=solver, momentum=momentum, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_schedule=learning_rate_schedule,
            max_iter=max_iter, tol=tol, n_iter_no_change=n_iter_no_change,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            shuffle=shuffle, device=device, precision=precision, compile=compile,
            cuda_graphs=cuda_graphs, random_state=random_state, verbose=verbose,
            warm_start=warm_start,
        )
        self.code_activation = code_activation
        self.tied_weights = tied_weights
        self.reconstruction_loss = reconstruction_loss
        self.pretraining = pretraining
        self.noise = noise
        self.noise_ratio = noise_ratio
        self.pretrain_max_iter = pretrain_max_iter
        self.pretrain_learning_rate = pretrain_learning_rate
        self.pretrain_alpha = pretrain_alpha

    def _pretrain_config(self):
        n_layers = len(check_hidden_layer_sizes(self.hidden_layer_sizes)) + 1
        return pretrain_config(self, n_layers)

    def _corruption(self, config, stats, seed):
        return None

    def _pretrain(self, module, spec, X, stats, config, seed, device):
        if config.pretrain.max_iter == 0:
            return []
        hidden = spec["hidden_layer_sizes"]
        check_pretraining_data(config, stats, len(hidden), type(self).__name__)
        layers, curves = pretrain_stack(
            X, (*hidden, spec["n_components"]), config, stats=stats, mean=spec["mean"],
            scale=spec["scale"], top_activation=config.architecture["code_activation"],
            device=device, seed=seed, say=partial(self._say, config=config),
        )
        load_encoder_weights(layers, linears(module.encoder))
        load_decoder_weights(layers, module.decoder)
        return curves
