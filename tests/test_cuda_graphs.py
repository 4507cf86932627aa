"""``cuda_graphs``: the whole training step captured once and replayed per batch.

The capture itself needs CUDA. On the CPU the switch is ignored, and the engine's
bookkeeping (warm-up, which batches replay, recapture when the step size changes) is
checked with a stand-in graph that "replays" by running the captured step again on
its static batch: the training must come out bit for bit as without graphs.
"""

import pickle

import numpy as np
import pytest
import torch

from skae import (
    AutoEncoderTransformer,
    DenoisingAutoEncoder,
    StackedAutoEncoderClassifier,
    _graphs,
)

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.fixture
def X(digits):
    return digits[0][:300].astype(np.float32)


class ReplayByRerun(_graphs.StepGraph):
    """A stand-in graph: capture keeps the step, replay runs it on the static batch."""

    captured = []

    def _capture(self, step, stream, generators):
        self.step, self.generators = step, generators
        ReplayByRerun.captured.append(self)

    def _replay(self):
        self.outputs = self.step(self.batch)


@pytest.fixture
def simulated_graphs(monkeypatch):
    """Let the CPU take the graph path, with graphs that replay by re-running the step."""
    monkeypatch.setattr(_graphs, "GRAPH_DEVICE_TYPES", ("cpu",))
    monkeypatch.setattr(_graphs, "StepGraph", ReplayByRerun)
    ReplayByRerun.captured = []
    return ReplayByRerun.captured


def fit(cls, X, **params):
    params = {"hidden_layer_sizes": (16,), "batch_size": 64, "max_iter": 4, "tol": 0.0,
              "random_state": 0, "device": "cpu", **params}
    return cls(4, **params).fit(X)


def test_ignored_on_the_cpu(X):
    eager, graphed = fit(AutoEncoderTransformer, X), fit(AutoEncoderTransformer, X,
                                                         cuda_graphs=True)
    assert graphed.loss_curve_ == eager.loss_curve_
    np.testing.assert_array_equal(graphed.transform(X), eager.transform(X))


@pytest.mark.parametrize("cls, params", [
    (AutoEncoderTransformer, {}),
    (DenoisingAutoEncoder, {"noise": "masking"}),  # corruption drawn inside the step
    (AutoEncoderTransformer, {"precision": "bf16-mixed"}),
    # validation between the epochs, and the best epoch's weights loaded back at the end
    (AutoEncoderTransformer, {"early_stopping": True, "validation_fraction": 0.15}),
])
def test_replayed_steps_train_exactly_as_eager_ones(X, simulated_graphs, cls, params):
    eager = fit(cls, X, **params)
    assert simulated_graphs == []
    graphed = fit(cls, X, cuda_graphs=True, **params)
    # 300 rows at batch 64: 4 full batches and a partial one an epoch, 4 epochs (255 rows
    # with the hold-out: 3 and a partial one); 3 warm-up steps, then one capture (the step
    # size never changes) and the other full batches replayed
    assert len(simulated_graphs) == 1
    # a corruption's local generator is handed to the capture (a CUDA graph must
    # register it, or the capture fails when the step draws from it)
    generators = simulated_graphs[0].generators
    assert len(generators) == (cls is DenoisingAutoEncoder)
    assert all(g is graphed.module_.corruption.generator_for(g.device) for g in generators)
    assert graphed.loss_curve_ == eager.loss_curve_
    np.testing.assert_array_equal(graphed.transform(X), eager.transform(X))
    # the graphs are dropped after the fit, and Adam is left as it was built
    assert "_step_graph" not in graphed.net_.__dict__
    assert not any(g["capturable"] for g in graphed.net_.optimizer_.param_groups)
    pickle.loads(pickle.dumps(graphed))


def test_a_new_step_size_is_a_new_capture(X, simulated_graphs):
    eager = fit(AutoEncoderTransformer, X, learning_rate_schedule="cosine")
    graphed = fit(AutoEncoderTransformer, X, learning_rate_schedule="cosine", cuda_graphs=True)
    # the schedule sets a new step size each epoch: epochs 1-4 each capture once
    # (epoch 1 after its 3 warm-up batches)
    assert len(simulated_graphs) == 4
    assert graphed.loss_curve_ == eager.loss_curve_


def test_not_with_compile_lbfgs_or_partial_batches(X, simulated_graphs):
    fit(AutoEncoderTransformer, X, cuda_graphs=True, solver="lbfgs", max_iter=2)
    fit(AutoEncoderTransformer, X, cuda_graphs=True, batch_size=500)  # one partial batch
    assert simulated_graphs == []


def test_supervised_fine_tuning_replays_too(digits, simulated_graphs):
    X, y = digits[0][:300], digits[1][:300]
    params = {"pretrain_max_iter": 2, "max_iter": 3, "batch_size": 64, "tol": 0.0,
              "random_state": 0, "device": "cpu"}
    eager = StackedAutoEncoderClassifier((16,), **params).fit(X, y)
    graphed = StackedAutoEncoderClassifier((16,), cuda_graphs=True, **params).fit(X, y)
    # one capture in the pre-trained layer's fit, one in the fine-tuning
    assert len(simulated_graphs) == 2
    assert graphed.loss_curve_ == eager.loss_curve_
    np.testing.assert_array_equal(graphed.predict_proba(X), eager.predict_proba(X))


def test_validated(X):
    with pytest.raises(ValueError, match="cuda_graphs"):
        AutoEncoderTransformer(cuda_graphs="yes").fit(X)


@CUDA
@pytest.mark.parametrize("cls, params", [
    (AutoEncoderTransformer, {}),
    (AutoEncoderTransformer, {"learning_rate_schedule": "cosine"}),
    (AutoEncoderTransformer, {"precision": "bf16-mixed"}),
    (DenoisingAutoEncoder, {"noise": "masking"}),
])
def test_cuda_graphs_on_cuda_match_eager_training(X, cls, params):
    params = {**params, "device": "cuda", "max_iter": 6}
    eager = fit(cls, X, **params)
    graphed = fit(cls, X, cuda_graphs=True, **params)
    if cls is DenoisingAutoEncoder:
        # the masks come from the same generator but need not be the same draws
        assert graphed.score(X) == pytest.approx(eager.score(X), rel=0.1)
    else:  # the same kernels, launched from a graph: equal up to float32 rounding
        np.testing.assert_allclose(graphed.loss_curve_, eager.loss_curve_, rtol=1e-3)
        np.testing.assert_allclose(graphed.transform(X), eager.transform(X), atol=1e-3)
    # a CUDA fit repeats itself (cuBLAS promises bit equality only on one stream)
    again = fit(cls, X, cuda_graphs=True, **params)
    np.testing.assert_allclose(again.transform(X), graphed.transform(X), atol=1e-5)
    assert "_step_graph" not in graphed.net_.__dict__
    restored = pickle.loads(pickle.dumps(graphed))
    np.testing.assert_array_equal(restored.transform(X), graphed.transform(X))
    # a warm start trains on: the net is warmed up already, so it captures anew at once
    graphed.set_params(warm_start=True, max_iter=2).fit(X)


@CUDA
def test_cuda_graphs_in_supervised_fine_tuning(digits):
    X, y = digits[0][:600], digits[1][:600]
    params = {"pretrain_max_iter": 2, "max_iter": 5, "batch_size": 64, "tol": 0.0,
              "random_state": 0, "device": "cuda"}
    eager = StackedAutoEncoderClassifier((32,), **params).fit(X, y)
    graphed = StackedAutoEncoderClassifier((32,), cuda_graphs=True, **params).fit(X, y)
    np.testing.assert_allclose(graphed.loss_curve_, eager.loss_curve_, rtol=1e-3)
    assert graphed.score(X, y) == pytest.approx(eager.score(X, y), abs=0.02)
