"""skae: scikit-learn's missing autoencoders, trained with torch through skorch."""

from ._autoencoder import AutoEncoderTransformer
from ._denoising import DenoisingAutoEncoder
from ._imputer import AutoEncoderImputer
from ._outliers import ReconstructionOutlierDetector
from ._stacked import StackedAutoEncoder
from ._supervised import StackedAutoEncoderClassifier, StackedAutoEncoderRegressor
from ._version import __version__

__all__ = [
    "AutoEncoderImputer",
    "AutoEncoderTransformer",
    "DenoisingAutoEncoder",
    "ReconstructionOutlierDetector",
    "StackedAutoEncoder",
    "StackedAutoEncoderClassifier",
    "StackedAutoEncoderRegressor",
    "__version__",
]
