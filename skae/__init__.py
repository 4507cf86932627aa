"""skae: scikit-learn's missing autoencoders, trained with torch through skorch."""

from ._autoencoder import AutoEncoderTransformer
from ._denoising import DenoisingAutoEncoder
from ._stacked import StackedAutoEncoder
from ._supervised import StackedAutoEncoderClassifier, StackedAutoEncoderRegressor

__version__ = "0.1.0"

__all__ = [
    "AutoEncoderTransformer",
    "DenoisingAutoEncoder",
    "StackedAutoEncoder",
    "StackedAutoEncoderClassifier",
    "StackedAutoEncoderRegressor",
    "__version__",
]
