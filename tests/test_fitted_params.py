"""A fitted estimator answers from what it fitted: ``set_params`` after ``fit`` changes
no output until the next fit (the configuration is taken once, at fit)."""

import copy
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from skae import (
    AutoEncoderImputer,
    AutoEncoderTransformer,
    DenoisingAutoEncoder,
    ReconstructionOutlierDetector,
    StackedAutoEncoder,
    StackedAutoEncoderClassifier,
    StackedAutoEncoderRegressor,
)

FAST = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0, "device": "cpu"}
ESTIMATORS = [
    AutoEncoderTransformer(2, **FAST),
    DenoisingAutoEncoder(2, **FAST),
    StackedAutoEncoder(2, pretrain_max_iter=2, **FAST),
    StackedAutoEncoderClassifier(pretrain_max_iter=2, unlabeled_label=None, **FAST),
    StackedAutoEncoderRegressor(pretrain_max_iter=2, **FAST),
    AutoEncoderImputer(**FAST),
    ReconstructionOutlierDetector(AutoEncoderTransformer(2, **FAST), random_state=0),
]
METHODS = ("transform", "inverse_transform", "predict", "predict_proba", "score_samples",
           "decision_function", "score")
# a valid value other than the estimators' own for the parameters that are not numbers
OTHER = {"contamination": 0.2, "add_indicator": True, "keep_empty_features": True,
         "sample_posterior": True, "missing_values": -1.0, "activation": "tanh",
         "code_activation": "sigmoid", "output_activation": "sigmoid", "noise": "gaussian",
         "init": "random", "solver": "sgd", "pretraining": "denoising", "batch_size": 7,
         "hidden_layer_sizes": (4,), "estimator": PCA(1), "unlabeled_label": -1,
         "learning_rate_schedule": "cosine", "precision": "bf16-mixed",
         "reconstruction_loss": "cross_entropy", "pretrain_alpha": 0.5,
         "pretrain_learning_rate": 0.5, "n_components": 1, "code_score": "lof"}


def other_value(name, value):
    if name in OTHER:
        return OTHER[name]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return 2 * value + 1
    if isinstance(value, float):
        return 0.5 * value if 0 < value <= 1 else value + 0.5
    return None


def outputs(est, X, y):
    out = {}
    for method in METHODS:
        if not hasattr(est, method):
            continue
        if method == "inverse_transform":
            out[method] = est.inverse_transform(
                X if isinstance(est, AutoEncoderImputer) else est.transform(X))
        elif method == "score":
            out[method] = est.score(X, y)
        else:
            out[method] = getattr(est, method)(X)
    return out


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda est: type(est).__name__)
def test_set_params_after_fit_changes_no_output(est):
    X, y = load_iris(return_X_y=True)
    if isinstance(est, AutoEncoderImputer):
        X = X.copy()
        X[::7, 1] = np.nan
    if isinstance(est, StackedAutoEncoderRegressor):
        y = X[:, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = copy.deepcopy(est).fit(X, y)
    before = outputs(fitted, X, y)
    changed = []
    for name, value in est.get_params(deep=False).items():
        other = other_value(name, value)
        if other is None:
            continue
        after = outputs(copy.deepcopy(fitted).set_params(**{name: other}), X, y)
        if any(np.shape(after[m]) != np.shape(before[m])
               or not np.array_equal(after[m], before[m], equal_nan=True) for m in before):
            changed.append(name)
    assert changed == []


NETS = [est for est in ESTIMATORS if hasattr(est, "_build_config")]


@pytest.mark.parametrize("est", NETS, ids=lambda est: type(est).__name__)
def test_a_fit_reads_its_parameters_once_at_the_door(monkeypatch, capsys, est):
    # every parameter changed right after the configuration is built: the fit, which
    # takes that configuration alone, comes out (and prints, verbose included) as
    # without the change
    X, y = load_iris(return_X_y=True)
    if isinstance(est, StackedAutoEncoderRegressor):
        y = X[:, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = outputs(copy.deepcopy(est).fit(X, y), X, y)
        printed = capsys.readouterr().out
        original = type(est)._build_config

        def build_then_change(self, **overrides):
            config = original(self, **overrides)
            for name, value in self.get_params(deep=False).items():
                if (other := other_value(name, value)) is not None:
                    setattr(self, name, other)
            return config

        monkeypatch.setattr(type(est), "_build_config", build_then_change)
        fitted = copy.deepcopy(est).fit(X, y)
        assert capsys.readouterr().out == printed
    monkeypatch.undo()
    fitted.set_params(**est.get_params(deep=False))  # as it was asked to fit
    got = outputs(fitted, X, y)
    assert [m for m in expected if not np.array_equal(got[m], expected[m])] == []
