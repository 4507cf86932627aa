"""scikit-learn's estimator checks over every public estimator."""

import pytest
from sklearn.utils.estimator_checks import (
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

from skae import AutoEncoderTransformer, DenoisingAutoEncoder

# small and quick, but otherwise the defaults
FAST = {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0, "device": "cpu"}

ESTIMATORS = [
    AutoEncoderTransformer(**FAST),
    AutoEncoderTransformer(**FAST, early_stopping=True),
    AutoEncoderTransformer(hidden_layer_sizes=(), activation="identity", solver="lbfgs",
                           max_iter=3, random_state=0, device="cpu"),
    *(DenoisingAutoEncoder(noise=noise, **FAST)
      for noise in ("masking", "gaussian", "salt_and_pepper")),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)


EXTRA_CHECKS = [
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
@pytest.mark.parametrize("check", EXTRA_CHECKS, ids=lambda c: c.__name__)
def test_checks_estimator_checks_skip(estimator, check):
    check(type(estimator).__name__, estimator)
