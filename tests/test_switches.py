"""The training switches: bf16 autocast, torch.compile, the cosine schedule; CPU and CUDA."""

import copy
import math
import pickle
import shutil

import numpy as np
import pytest
import torch

from skae import AutoEncoderTransformer, DenoisingAutoEncoder, StackedAutoEncoderClassifier

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
DEVICES = ["cpu", pytest.param("cuda", marks=CUDA)]
# inductor, torch.compile's default backend, compiles C++ on the CPU
HAS_COMPILER = any(shutil.which(cc) for cc in ("cc", "gcc", "clang"))


def fit(X, device, **params):
    params = {"hidden_layer_sizes": (32,), "max_iter": 8, "random_state": 0,
              "device": device, **params}
    return AutoEncoderTransformer(4, **params).fit(X)


@pytest.fixture
def X(digits):
    return digits[0][:400].astype(np.float32)


@pytest.mark.parametrize("device", DEVICES)
def test_bf16_autocast_trains_about_as_well_and_keeps_float32_weights(X, device):
    exact, mixed = fit(X, device), fit(X, device, precision="bf16-mixed")
    assert all(p.dtype == torch.float32 for p in mixed.module_.parameters())
    # bf16 keeps 8 bits of mantissa: the training path differs, the result hardly
    assert mixed.loss_curve_ != exact.loss_curve_
    assert mixed.score(X) == pytest.approx(exact.score(X), rel=0.05)
    assert mixed.transform(X.astype(np.float64)).dtype == np.float64


@pytest.mark.parametrize("device", DEVICES)
def test_bf16_autocast_in_supervised_fine_tuning(digits, device):
    X, y = digits[0][:400], digits[1][:400]
    params = {"pretrain_max_iter": 2, "max_iter": 30, "random_state": 0, "device": device}
    exact = StackedAutoEncoderClassifier((32,), **params).fit(X, y)
    mixed = StackedAutoEncoderClassifier((32,), precision="bf16-mixed", **params).fit(X, y)
    assert all(math.isfinite(v) for v in mixed.loss_curve_)
    assert mixed.score(X, y) == pytest.approx(exact.score(X, y), abs=0.05)


@pytest.mark.parametrize("device", DEVICES)
def test_cosine_schedule_anneals_the_step_size_to_zero(X, device):
    ae = fit(X, device, learning_rate_schedule="cosine", max_iter=6, learning_rate=1e-2)
    lrs = ae.net_.history[:, "event_lr"]
    expected = [1e-2 * (1 + math.cos(math.pi * e / 6)) / 2 for e in range(6)]
    np.testing.assert_allclose(lrs, expected, atol=1e-12)
    assert [g["lr"] for g in ae.net_.optimizer_.param_groups] == pytest.approx([0, 0])
    # the constant default leaves the step size alone
    constant = fit(X, device, max_iter=3)
    assert constant.net_.optimizer_.param_groups[0]["lr"] == constant.learning_rate


def test_cosine_schedule_is_ignored_by_lbfgs(X):
    ae = fit(X, "cpu", solver="lbfgs", learning_rate_schedule="cosine", max_iter=2)
    assert "lr_schedule" not in dict(ae.net_.callbacks_)


@pytest.mark.skipif(not HAS_COMPILER, reason="torch.compile's CPU backend needs a C compiler")
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("mode", [True, "reduce-overhead"])
def test_compiled_training_matches_eager_and_pickles(X, device, mode):
    eager = fit(X[:100], device, max_iter=2)
    # "reduce-overhead": CUDA graphs on CUDA, compiled as "default" on the CPU
    compiled = fit(X[:100], device, max_iter=2, compile=mode)
    # the same computation, fused differently: equal up to float32 rounding
    np.testing.assert_allclose(compiled.transform(X), eager.transform(X), atol=1e-4)
    assert type(compiled.module_) is type(eager.module_)  # a plain module, not a wrapper
    restored = pickle.loads(pickle.dumps(compiled))
    np.testing.assert_array_equal(restored.transform(X), compiled.transform(X))
    copy.deepcopy(compiled).set_params(warm_start=True, max_iter=1).fit(X[:100])


@pytest.mark.skipif(not HAS_COMPILER, reason="torch.compile's CPU backend needs a C compiler")
@pytest.mark.parametrize("device", DEVICES)
def test_compiled_training_draws_its_corruption_from_the_local_generator(X, device):
    # the corruption's draw takes a local torch.Generator, which the compiled graph
    # breaks around; the masks (and so the fit) must stay the eager ones
    params = {"hidden_layer_sizes": (16,), "max_iter": 2, "random_state": 0, "device": device}
    eager = DenoisingAutoEncoder(4, **params).fit(X[:100])
    compiled = DenoisingAutoEncoder(4, **params, compile="reduce-overhead").fit(X[:100])
    assert compiled.score(X) == pytest.approx(eager.score(X), rel=1e-3)


def test_switches_are_validated(X):
    with pytest.raises(ValueError, match="precision"):
        AutoEncoderTransformer(precision="fp16").fit(X)
    with pytest.raises(ValueError, match="learning_rate_schedule"):
        AutoEncoderTransformer(learning_rate_schedule="step").fit(X)
    with pytest.raises(ValueError, match="compile"):
        AutoEncoderTransformer(compile="yes").fit(X)
    with pytest.raises(ValueError, match="compile"):
        AutoEncoderTransformer(compile="max-overhead").fit(X)
