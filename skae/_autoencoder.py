"""AutoEncoderTransformer: a drop-in replacement for PCA."""

from ._base import INIT_CONSTRAINTS, _BaseAutoEncoder, resolve_init, shared_parameter_docs


@shared_parameter_docs
class AutoEncoderTransformer(_BaseAutoEncoder):
    """Autoencoder dimensionality reduction, usable wherever PCA is.

    An encoder MLP maps each row to a linear ``n_components``-dimensional code and a
    mirrored decoder maps it back; both are trained with torch (through skorch) to
    minimise the reconstruction error (by default the mean squared error). With the
    squared error the input is centred and divided by one global scale inside the
    model, so raw data needs no scaler and the error is measured in the data's own
    units, as PCA's is.

    With ``hidden_layer_sizes=()`` and ``activation="identity"`` it is a linear
    autoencoder, whose code spans PCA's principal subspace (Baldi & Hornik, 1989);
    ``solver="lbfgs"`` finds it fastest on small data. With hidden layers it can
    reconstruct better than PCA at the same ``n_components``; by default
    (``init="auto"``, ``early_stopping=True``) it starts at PCA and keeps a trained
    model only if it beats PCA on held-out rows.

    Parameters
    ----------
    n_components : int, default=None
        Width of the code. None keeps ``n_features``. It cannot exceed
        ``n_features``.
    hidden_layer_sizes : array-like of int, default=(256,)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    activation : {"relu", "tanh", "sigmoid", "logistic", "identity"}, default="relu"
        Activation of the hidden layers ("logistic" is "sigmoid", as in
        scikit-learn's MLP).
    code_activation : {"identity", "relu", "tanh", "sigmoid", "logistic"}, \
            default="identity"
        Activation of the code. "identity" (a linear code, as PCA's) is what makes
        the linear autoencoder learn PCA's subspace; "sigmoid" gives an RBM-like
        code in [0, 1].
    tied_weights : bool, default=False
        Make each decoder layer the transpose of its mirror in the encoder (with
        biases of its own), halving the weights; the classic denoising autoencoder
        ties them.
    reconstruction_loss : {"mse", "cross_entropy"}, default="mse"
        "mse": squared error, in the data's units (PCA's objective).
        "cross_entropy": binary cross-entropy of a sigmoid output, for data in
        [0, 1] such as pixel intensities (others raise a ValueError); then
        ``inverse_transform`` returns values in [0, 1].
    init : {"auto", "pca", "random"}, default="auto"
        How the model starts. "pca": exactly at PCA of the (standardised) training
        rows: the encoder and the decoder each get a linear path set to PCA's
        components, beside the hidden layers as a branch whose output starts at
        zero, so training moves away from PCA only where the loss falls (with
        ``tied_weights`` the linear paths are tied). "random": torch's default
        initialisation of a plain MLP. "auto": "pca" wherever the model can
        represent PCA (a linear code, squared error), else "random". With
        ``early_stopping``, if no epoch beats the PCA start on the held-out rows
        by more than two standard errors of the rows' paired differences (a
        one-sided paired test), the model returned is PCA fitted on all rows
        (``best_epoch_ == 0``).
    <solver, momentum>
    <alpha>
    batch_size : int or "auto", default="auto"
        Rows per minibatch; "auto" is ``min(200, n_samples)``. Ignored by lbfgs.
    learning_rate : float, default=3e-3
        Step size of adam and sgd. Ignored by lbfgs. Three times scikit-learn's MLP
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
        Hold out a seeded ``validation_fraction`` of the rows, stop when their loss
        stops improving and keep the weights of the best epoch (the start counts,
        as epoch 0, under ``init="pca"`` and in a warm start, which with an integer
        ``random_state`` holds out the first fit's rows). When False nothing is held out and
        training stops on the training loss. ``partial_fit`` never holds out.
    validation_fraction : float, default=0.1
        Fraction of rows held out when ``early_stopping=True``.
    shuffle : bool, default=True
        Shuffle the rows every epoch.
    device : str, default="auto"
        "auto" (CUDA when present, else MPS, else CPU), "cpu", "cuda", "cuda:N"
        or "mps".
    <precision, compile, cuda_graphs>
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, the hold-out and shuffling through local
        generators; torch's global state is left alone, and numpy's too with an int
        (None draws the seed from numpy's global generator, as scikit-learn does). Fits
        with the same integer repeat bit for bit on the CPU.
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
        Global scale the centred input is divided by (root mean variance).
    init_ : {"pca", "random"}
        How the model started (``init`` resolved).
    best_epoch_ : int or None
        The epoch whose weights were kept (0: the start, the PCA of all rows of
        the first fit under ``init_="pca"``, also when the best epoch's gain was within the
        held-out rows' noise), counted over all calls as ``n_iter_`` is; None
        when nothing was held out and the last weights were kept.
    n_iter_ : int
        Number of epochs trained.
    loss_curve_ : list of float
        Training loss of each epoch (MSE of the standardised data, or the
        cross-entropy with ``reconstruction_loss="cross_entropy"``).
    validation_scores_ : list of float or None
        With ``early_stopping``, the score of the held-out rows after each epoch
        (negative MSE in X's units, or the negative cross-entropy; NaN for the
        epochs of a warm start's call without it); else None.
    net_ : skorch.NeuralNet
        The skorch net that trained the model.
    module_ : torch.nn.Module
        The trained module: ``module_.encode(x)`` and ``module_.decode(code)``.
    device_ : torch.device
        Device the model lives on.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.decomposition.PCA : The linear method this replaces.
    DenoisingAutoEncoder : Corrupts the input while training.
    StackedAutoEncoder : Greedy layer-wise pre-training, then fine-tuning.

    References
    ----------
    P. Baldi and K. Hornik, "Neural networks and principal component analysis:
    learning from examples without local minima", Neural Networks 2(1), 1989.

    G. E. Hinton and R. R. Salakhutdinov, "Reducing the dimensionality of data
    with neural networks", Science 313(5786), 2006.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import AutoEncoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = AutoEncoderTransformer(n_components=8, max_iter=5, random_state=0)
    >>> ae.fit_transform(X).shape
    (1797, 8)
    >>> ae.inverse_transform(ae.transform(X[:3])).shape
    (3, 64)
    """

    _parameter_constraints: dict = {**_BaseAutoEncoder._parameter_constraints,
                                    **INIT_CONSTRAINTS}
    _architecture_params = (*_BaseAutoEncoder._architecture_params, "init")

    def __init__(self, n_components=None, *, hidden_layer_sizes=(256,), activation="relu",
                 code_activation="identity", tied_weights=False, reconstruction_loss="mse",
                 init="auto", solver="adam", momentum=0.9, alpha=1e-4, batch_size="auto",
                 learning_rate=3e-3,
                 learning_rate_schedule="constant", max_iter=200, tol=5e-4,
                 n_iter_no_change=10, early_stopping=True, validation_fraction=0.1,
                 shuffle=True, device="auto", precision="float32", compile=False, cuda_graphs=False,
                 random_state=None, verbose=0, warm_start=False):
        super().__init__(
            n_components, hidden_layer_sizes=hidden_layer_sizes, activation=activation,
            solver=solver, momentum=momentum, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_schedule=learning_rate_schedule, max_iter=max_iter, tol=tol,
            n_iter_no_change=n_iter_no_change, early_stopping=early_stopping,
            validation_fraction=validation_fraction, shuffle=shuffle, device=device,
            precision=precision, compile=compile, cuda_graphs=cuda_graphs,
            random_state=random_state,
            verbose=verbose, warm_start=warm_start,
        )
        self.code_activation = code_activation
        self.tied_weights = tied_weights
        self.reconstruction_loss = reconstruction_loss
        self.init = init

    def _corruption(self, config, stats, seed):
        return None

    def _resolve_init(self, config, n_features, n_components):
        return resolve_init(config.architecture, n_features, n_components)
