"""The fit-time configuration: validated parameters, frozen once per fit.

An estimator's ``fit`` validates its parameters, then turns them into one
:class:`FitConfig`. The engine, pre-training and persistence take that object; none of
them reads ``get_params()``. A fitted model keeps the configuration it was trained with,
so unpickling rebuilds exactly that training setup, whatever the estimator's parameters
say by then.
"""

from dataclasses import asdict, dataclass, field, replace
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

AUTO_BATCH_SIZE = 200


class Count(Interval):
    """An integer interval that refuses booleans (``True`` is not a layer width)."""

    def __init__(self, left, right=None, *, closed="left"):
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)

    def __str__(self):
        return super().__str__().replace("an int", "an int (not a bool)")


@dataclass(frozen=True)
class LossKind:
    """A reconstruction loss and everything that follows from it.

    ``standardizes``: whether the model centres and scales its input (squared error
    does; cross-entropy reads [0, 1] data as it is). ``logits``: the decoder outputs
    logits, turned into [0, 1] values by a sigmoid on decode. ``criterion``: the
    :class:`~skae._modules.PairLoss` kind. ``in_data_units``: the loss, times the
    squared scale, is a mean squared error in X's units (what ``score`` reports).
    """

    name: str
    standardizes: bool
    logits: bool
    in_data_units: bool

    def check(self, stats):
        """Raise a ValueError when the data (``column_stats``) does not suit this loss."""
        if self.name != "cross_entropy":
            return
        low, high = stats["min"].min(), stats["max"].max()
        if low < 0 or high > 1:
            raise ValueError(
                f"reconstruction_loss='cross_entropy' needs X in [0, 1]; it holds values in "
                f"[{low:.3g}, {high:.3g}]. Scale it (e.g. MinMaxScaler) or use "
                "reconstruction_loss='mse'."
            )

    def check_hidden(self, activation, owner):
        """Cross-entropy of hidden codes needs them in [0, 1]: sigmoid hidden units."""
        if self.name == "cross_entropy" and activation not in ("sigmoid", "logistic"):
            raise ValueError(
                f"reconstruction_loss='cross_entropy' of {owner} needs activation='sigmoid' "
                f"(codes in [0, 1]); got activation={activation!r}."
            )

    def standardization(self, mean, scale):
        """The (mean, scale) the model applies: the data's, or none."""
        if self.standardizes:
            return mean, scale
        return np.zeros_like(mean), 1.0

    def score(self, loss, scale):
        """A validation score (higher is better) from a training-units loss."""
        return -loss * scale**2 if self.in_data_units else -loss


LOSSES = {
    "mse": LossKind("mse", standardizes=True, logits=False, in_data_units=True),
    "cross_entropy": LossKind("cross_entropy", standardizes=False, logits=True,
                              in_data_units=False),
}


@dataclass(frozen=True)
class TrainConfig:
    """How one net trains: optimiser, schedule, stopping, precision. Built once per fit."""

    solver: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9
    alpha: float = 1e-4
    batch_size: int | str = "auto"
    learning_rate_schedule: str = "constant"
    max_iter: int = 200
    tol: float = 1e-4
    n_iter_no_change: int = 10
    early_stopping: bool = False
    validation_fraction: float = 0.1
    shuffle: bool = True
    precision: str = "float32"
    compile: bool | str = False
    cuda_graphs: bool = False
    verbose: int = 0
    loss: str = "mse"

    @property
    def full_batch(self):
        return self.solver == "lbfgs"

    def rows_per_batch(self):
        """Rows per batch for skorch: -1 (skorch's "all rows") for full-batch L-BFGS."""
        if self.full_batch:
            return -1
        return AUTO_BATCH_SIZE if self.batch_size == "auto" else self.batch_size

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, values):
        return cls(**values)


TRAIN_FIELDS = tuple(TrainConfig.__dataclass_fields__)


@dataclass(frozen=True)
class PretrainConfig:
    """What pre-training changes of the training configuration, and how it corrupts."""

    max_iter: int = 20
    learning_rate: float | None = None
    alpha: float | None = None
    noise: str | None = None
    noise_ratios: tuple = ()
    loss: str = "mse"

    def layer_config(self, train):
        """The training configuration of one pre-trained layer."""
        changes = {"max_iter": self.max_iter, "early_stopping": False}
        if self.learning_rate is not None:
            changes["learning_rate"] = self.learning_rate
        if self.alpha is not None:
            changes["alpha"] = self.alpha
        return replace(train, **changes)


@dataclass(frozen=True)
class NoiseConfig:
    """How a denoising model corrupts its input in training (a warm start may change it)."""

    noise: str
    ratio: float


@dataclass(frozen=True)
class FitConfig:
    """Everything a fit was configured with: the training setup, the architecture, the
    pre-training and the training noise.

    ``architecture`` holds the parameters that fix the model's shape (a warm start or
    ``partial_fit`` that changes one of them raises a ValueError naming it).
    """

    train: TrainConfig
    architecture: dict = field(default_factory=dict)
    pretrain: PretrainConfig | None = None
    noise: NoiseConfig | None = None

    @property
    def loss(self):
        return LOSSES[self.train.loss]

    def changed_architecture(self, architecture):
        """Names of the architecture parameters that differ from ``architecture``
        (``hidden_layer_sizes`` 8, [8] and (8,) are one, as in MLPRegressor)."""
        def plain(k, v):
            return np.ravel(v).tolist() if k == "hidden_layer_sizes" else _plain(v)

        return sorted(k for k, v in architecture.items()
                      if plain(k, self.architecture.get(k)) != plain(k, v))

    def to_dict(self):
        return {"train": self.train.to_dict(),
                "architecture": {k: _plain(v) for k, v in self.architecture.items()},
                "pretrain": None if self.pretrain is None else asdict(self.pretrain),
                "noise": None if self.noise is None else asdict(self.noise)}

    @classmethod
    def from_dict(cls, values):
        pretrain = values.get("pretrain")
        if pretrain is not None:
            pretrain = PretrainConfig(**{**pretrain,
                                         "noise_ratios": tuple(pretrain["noise_ratios"])})
        noise = values.get("noise")  # absent from older saves
        return cls(TrainConfig.from_dict(values["train"]), dict(values["architecture"]),
                   pretrain, None if noise is None else NoiseConfig(**noise))


def _plain(value):
    """A parameter value as plain, comparable data (tuples and arrays become lists)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def train_config(params, **overrides):
    """A :class:`TrainConfig` from validated estimator parameters (extra keys ignored)."""
    values = {k: params[k] for k in TRAIN_FIELDS if k in params}
    return TrainConfig(**{**values, **overrides})
