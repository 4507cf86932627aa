"""DenoisingAutoEncoder: an autoencoder that corrupts its input while training."""

from dataclasses import replace
from numbers import Real

from sklearn.utils._param_validation import Interval, StrOptions

from ._base import INIT_CONSTRAINTS, _BaseAutoEncoder, resolve_init, shared_parameter_docs
from ._config import NoiseConfig
from ._modules import Corruption
from .noise import NOISES, check_noise_ratio


@shared_parameter_docs
class DenoisingAutoEncoder(_BaseAutoEncoder):
    """Denoising autoencoder: corrupt the input while training, reconstruct it clean.

    It is an :class:`AutoEncoderTransformer` that differs only in training: every
    batch of every epoch is corrupted afresh (from the estimator's own seeded random
    state) before encoding, and the loss compares the reconstruction with the clean
    batch. ``transform``, ``inverse_transform``, ``score`` and ``score_samples`` never
    corrupt. Because the network cannot simply copy its input, codes wider than the
    input (over-complete, like an RBM's hidden layer) are allowed.

    Choose ``noise_ratio`` by the score of what uses the codes (a downstream
    classifier in a pipeline): scored by clean reconstruction alone, no noise wins.

    Parameters
    ----------
    n_components : int, default=None
        Width of the code; may exceed ``n_features``. None keeps ``n_features``.
    noise : {"masking", "gaussian", "salt_and_pepper", "missing"}, default="masking"
        "masking" sets a random fraction ``noise_ratio`` of the entries to zero in the
        input's own units; "gaussian" adds noise of standard deviation ``noise_ratio``
        times each feature's; "salt_and_pepper" sets a fraction ``noise_ratio`` of the
        entries to their feature's minimum or maximum, by a fair coin; "missing"
        makes a fraction ``noise_ratio`` of the entries missing, which the model
        reads as their feature's mean (see :class:`AutoEncoderImputer`).
    noise_ratio : float, default=0.25
        Strength of the corruption: in [0, 1) for masking, salt-and-pepper and
        missing, at least 0 for gaussian. 0 trains exactly like
        :class:`AutoEncoderTransformer`.
    hidden_layer_sizes : array-like of int, default=(256,)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    activation : {"relu", "tanh", "sigmoid", "logistic", "identity"}, default="relu"
        Activation of the hidden layers.
    code_activation : {"identity", "relu", "tanh", "sigmoid", "logistic"}, \
            default="identity"
        Activation of the code, as in :class:`AutoEncoderTransformer`: "identity"
        is a linear code, "sigmoid" an RBM-like code in [0, 1].
    tied_weights : bool, default=False
        Make each decoder layer the transpose of its mirror in the encoder (with
        biases of its own), as in the classic denoising autoencoder.
    reconstruction_loss : {"mse", "cross_entropy"}, default="mse"
        "mse": squared error, in the data's units. "cross_entropy": binary
        cross-entropy of a sigmoid output, for data in [0, 1] (others raise a
        ValueError), used without the internal standardisation; then
        ``inverse_transform`` returns values in [0, 1].
    init : {"auto", "pca", "random"}, default="auto"
        How the model starts, as in :class:`AutoEncoderTransformer` ("auto" is
        "random" for an over-complete code, a non-linear code or cross-entropy,
        which PCA cannot give, and, with ``noise_ratio > 0``, for a code as wide as
        the input: PCA is then the identity, which no noisy fit beats at
        reconstructing the clean held-out rows, so the PCA start would always be
        kept). With the PCA start a noisy fit is kept only where it beats PCA at that
        clean reconstruction; to search ``noise_ratio`` for what uses the codes, set
        ``init="random"``.
    <solver, momentum>
    <alpha>
    batch_size : int or "auto", default="auto"
        Rows per minibatch; "auto" is ``min(200, n_samples)``.
    learning_rate : float, default=3e-3
        Step size of adam and sgd. Three times scikit-learn's MLP
        default.
    <learning_rate_schedule>
    max_iter : int, default=200
        Maximum number of epochs.
    tol : float, default=5e-4
        Improvement of the held-out loss (the training loss without
        ``early_stopping``) below which an epoch counts as no improvement; with
        squared error the loss is standardised, so ``tol`` is a share of a
        feature's variance.
    n_iter_no_change : int, default=10
        Stop after this many epochs without an improvement of ``tol``.
    early_stopping : bool, default=True
        Hold out a seeded ``validation_fraction`` of the rows, stop when their clean
        reconstruction loss stops improving and keep the best epoch's weights (the
        PCA start counts as epoch 0, as does a warm start's, which with an integer
        ``random_state`` holds out the first fit's rows). ``partial_fit`` never
        holds out.
    validation_fraction : float, default=0.1
        Fraction of rows held out when ``early_stopping=True``.
    shuffle : bool, default=True
        Shuffle the rows every epoch.
    device : str, default="auto"
        "auto", "cpu", "cuda", "cuda:N" or "mps".
    <precision, compile, cuda_graphs>
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and corruption through local generators; torch's
        global state is left alone, and numpy's too with an int (None draws the seed from
        numpy's global generator, as scikit-learn does).
    verbose : int, default=0
        0 prints nothing; 1 a line per epoch; 2 also a progress bar over each epoch's
        batches.
    warm_start : bool, default=False
        Continue training the fitted model on the next call to ``fit``.

    Attributes
    ----------
    n_components_ : int
        Width of the code.
    mean_ : ndarray of shape (n_features,)
        Per-feature mean subtracted from the input.
    scale_ : float
        Global scale the centred input is divided by.
    init_ : {"pca", "random"}
        How the model started (``init`` resolved).
    best_epoch_ : int or None
        The epoch whose weights were kept (0: the start), counted over all calls
        as ``n_iter_`` is; None when nothing was held out.
    n_iter_ : int
        Number of epochs trained.
    loss_curve_ : list of float
        Training loss (on corrupted input) of each epoch.
    validation_scores_ : list of float or None
        With ``early_stopping``, the negative held-out clean reconstruction loss per
        epoch (MSE in X's units, or the cross-entropy; NaN for the epochs of a warm
        start's call without it).
    net_ : skorch.NeuralNet
        The skorch net that trained the model.
    module_ : torch.nn.Module
        The trained module; ``module_.corruption`` acts in training mode only.
    device_ : torch.device
        Device the model lives on.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    AutoEncoderTransformer : The same model without corruption.
    StackedAutoEncoder : Stacks denoising layers greedily.
    sklearn.neural_network.BernoulliRBM : The feature learner this competes with.

    References
    ----------
    P. Vincent, H. Larochelle, Y. Bengio and P.-A. Manzagol, "Extracting and composing
    robust features with denoising autoencoders", ICML 2008.

    P. Vincent, H. Larochelle, I. Lajoie, Y. Bengio and P.-A. Manzagol, "Stacked
    denoising autoencoders: learning useful representations in a deep network with a
    local denoising criterion", JMLR 11, 2010.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import DenoisingAutoEncoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> dae = DenoisingAutoEncoder(100, noise_ratio=0.25, max_iter=3, random_state=0)
    >>> dae.fit_transform(X).shape
    (1797, 100)
    """

    _parameter_constraints: dict = {
        **_BaseAutoEncoder._parameter_constraints,
        **INIT_CONSTRAINTS,
        "noise": [StrOptions(set(NOISES))],
        "noise_ratio": [Interval(Real, 0, None, closed="left")],
    }
    _allow_overcomplete = True
    _architecture_params = (*_BaseAutoEncoder._architecture_params, "init")

    def __init__(self, n_components=None, *, noise="masking", noise_ratio=0.25,
                 hidden_layer_sizes=(256,), activation="relu", code_activation="identity",
                 tied_weights=False, reconstruction_loss="mse", init="auto", solver="adam",
                 momentum=0.9,
                 alpha=1e-4, batch_size="auto", learning_rate=3e-3,
                 learning_rate_schedule="constant", max_iter=200, tol=5e-4, n_iter_no_change=10,
                 early_stopping=True, validation_fraction=0.1, shuffle=True, device="auto",
                 precision="float32", compile=False, cuda_graphs=False, random_state=None,
                 verbose=0, warm_start=False):
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
        self.noise = noise
        self.noise_ratio = noise_ratio
        self.init = init

    def _build_config(self, **train_overrides):
        check_noise_ratio(self.noise, self.noise_ratio, type(self).__name__)
        return replace(super()._build_config(**train_overrides),
                       noise=NoiseConfig(self.noise, float(self.noise_ratio)))

    def _corruption(self, config, stats, seed):
        return Corruption.from_stats(config.noise.noise, config.noise.ratio, stats).seed(seed)

    def _update_corruption(self, module, config, seed):
        module.corruption.noise, module.corruption.ratio = config.noise.noise, config.noise.ratio
        module.corruption.seed(seed)

    def _resolve_init(self, config, n_features, n_components):
        architecture = config.architecture
        if (architecture["init"] == "auto" and config.noise.ratio > 0
                and n_components >= n_features):
            # PCA with every component is the identity, whose clean reconstruction of the
            # held-out rows no noisy fit beats: the PCA start would always be kept
            return "random"
        return resolve_init(architecture, n_features, n_components)
