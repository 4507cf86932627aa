"""Bad events leave the estimator usable and truthful.

A fit is a transaction: whatever raises (a late check, divergence, an interrupt before
one complete epoch) leaves the estimator as it was before the call. Each test here
started as a reproducer of a defect.
"""

import pickle
import threading
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.exceptions import NotFittedError

from skae import (
    AutoEncoderImputer,
    AutoEncoderTransformer,
    DenoisingAutoEncoder,
    ReconstructionOutlierDetector,
    StackedAutoEncoder,
    StackedAutoEncoderClassifier,
    StackedAutoEncoderRegressor,
)
from skae._training import _Net

CPU = {"device": "cpu", "random_state": 0}


@pytest.fixture
def X(digits):
    return digits[0][:300]


@pytest.fixture
def y(digits):
    return digits[1][:300]


def snapshot(est):
    """Everything an estimator holds, down to its weights, optimiser state and history."""
    state = {}
    for name, value in vars(est).items():
        if name == "net_":
            state["net_"] = value
            state["weights"] = {k: v.clone() for k, v in value.module_.state_dict().items()}
            state["history"] = [dict(e) for e in value.history]
            state["optimizer"] = pickle.dumps(value.optimizer_.state_dict())
        else:
            state[name] = pickle.dumps(value)
    return state


def assert_same(before, after):
    assert before.keys() == after.keys()
    for name in before:
        if name == "weights":
            assert all(torch.equal(before[name][k], after[name][k]) for k in before[name])
        elif name == "net_":
            assert before[name] is after[name]
        else:
            assert before[name] == after[name], name


def interrupt_at_step(monkeypatch, n):
    """Make the n-th training step (counting from 1, pre-training included) raise Ctrl-C."""
    calls = {"n": 0}
    original = _Net.train_step

    def step(self, batch, **fit_params):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return original(self, batch, **fit_params)

    monkeypatch.setattr(_Net, "train_step", step)


# ---- transactions -----------------------------------------------------------------------


def test_a_failed_first_fit_leaves_it_unfitted():
    est = AutoEncoderTransformer(2, early_stopping=True, validation_fraction=0.99, **CPU)
    with pytest.raises(ValueError, match="validation_fraction"):
        est.fit(np.random.default_rng(0).random((10, 5)))
    assert vars(est) == vars(AutoEncoderTransformer(2, early_stopping=True,
                                                    validation_fraction=0.99, **CPU))
    with pytest.raises(NotFittedError):
        est.transform(np.zeros((1, 5)))


def test_a_failed_first_partial_fit_leaves_later_calls_working(monkeypatch, X):
    est = AutoEncoderTransformer(2, hidden_layer_sizes=(8,), **CPU)
    from skae import _training

    original = _training.Monitor.on_epoch_end
    monkeypatch.setattr(_training.Monitor, "on_epoch_end",
                        lambda self, net, **kw: (_ for _ in ()).throw(RuntimeError("late")))
    with pytest.raises(RuntimeError, match="late"), pytest.warns(UserWarning, match="vary"):
        est.partial_fit(X[:1])  # one row fixes the standardisation: it warns
    assert not hasattr(est, "n_iter_") and not hasattr(est, "n_features_in_")
    monkeypatch.setattr(_training.Monitor, "on_epoch_end", original)
    est.partial_fit(X[:50]).partial_fit(X[50:100])
    assert est.n_iter_ == 2


@pytest.mark.parametrize("make", [
    lambda: StackedAutoEncoder(4, hidden_layer_sizes=(8,), solver="sgd",
                               pretrain_learning_rate=1e3, **CPU),
    lambda: StackedAutoEncoderClassifier((8,), solver="sgd", pretrain_learning_rate=1e3,
                                         pretraining="autoencoder", **CPU),
    lambda: StackedAutoEncoderRegressor((8,), solver="sgd", pretrain_learning_rate=1e3,
                                        pretraining="autoencoder", **CPU),
])
def test_divergence_in_pretraining_leaves_it_unfitted(X, y, make):
    est = make()
    with pytest.raises(FloatingPointError, match="diverged"):
        est.fit(X, y)
    assert not hasattr(est, "net_") and not hasattr(est, "mean_")
    with pytest.raises(NotFittedError):
        est.predict(X) if hasattr(est, "predict") else est.transform(X)


def test_a_failed_partial_fit_keeps_the_fitted_model(X):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), max_iter=3, **CPU).fit(X)
    before, codes = snapshot(est), est.transform(X)
    with pytest.raises(FloatingPointError, match="scale"):
        est.partial_fit(X * 1e30)
    assert_same(before, snapshot(est))
    np.testing.assert_array_equal(est.transform(X), codes)


def test_diverging_sgd_partial_fits_never_restart_silently(X):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), solver="sgd", learning_rate=50.0,
                                 **CPU)
    outcomes = []
    for _ in range(3):
        try:
            est.partial_fit(X)
            outcomes.append(est.n_iter_)
        except FloatingPointError:
            outcomes.append("error")
    # once a call diverges, the model stays where it was: no "ok" after it starts over
    first_error = outcomes.index("error") if "error" in outcomes else len(outcomes)
    assert all(o == "error" for o in outcomes[first_error:])
    assert all(o == i + 1 for i, o in enumerate(outcomes[:first_error]))


def test_a_failed_warm_start_keeps_the_fitted_model(monkeypatch, X):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), max_iter=3, warm_start=True,
                                 **CPU).fit(X)
    before = snapshot(est)
    est.set_params(learning_rate=1e4, solver="sgd")
    with pytest.raises(FloatingPointError, match="learning_rate"):
        est.fit(X)
    changed = ("learning_rate", "solver")
    assert_same({k: v for k, v in before.items() if k not in changed},
                {k: v for k, v in snapshot(est).items() if k not in changed})


# ---- Ctrl-C ---------------------------------------------------------------------------


@pytest.mark.parametrize("step", [1, 2])  # inside the first epoch (2 batches of 150 rows)
def test_ctrl_c_in_the_first_epoch_reraises_and_changes_nothing(monkeypatch, X, step):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), batch_size=150, **CPU)
    interrupt_at_step(monkeypatch, step)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X)
    assert not hasattr(est, "net_") and not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("step", [3, 4, 5, 8])  # epochs 2-4 of 2 batches each
def test_ctrl_c_later_keeps_complete_epochs_and_warns(monkeypatch, X, step):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), batch_size=150, max_iter=20,
                                 early_stopping=False, init="random", **CPU)
    interrupt_at_step(monkeypatch, step)
    with pytest.warns(UserWarning, match="interrupted after"):
        est.fit(X)
    assert est.n_iter_ == len(est.loss_curve_) == (step - 1) // 2
    assert np.isfinite(est.transform(X)).all()


def blow_up_then_interrupt(monkeypatch):
    """Make the 3rd training step leave NaN weights and the 4th raise Ctrl-C (both in
    epoch 2 of 2-batch epochs)."""
    calls = {"n": 0}
    original = _Net.train_step

    def step(self, batch, **fit_params):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        result = original(self, batch, **fit_params)
        if calls["n"] == 3:
            with torch.no_grad():
                for p in self.module_.parameters():
                    p.fill_(float("nan"))
        return result

    monkeypatch.setattr(_Net, "train_step", step)


def test_ctrl_c_after_a_diverging_step_raises_and_changes_nothing(monkeypatch, X):
    # the unfinished epoch's steps stay in the weights kept: they are checked as the last
    # step of a fit is
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), batch_size=150, max_iter=20,
                                 early_stopping=False, init="random", **CPU)
    blow_up_then_interrupt(monkeypatch)
    with pytest.raises(FloatingPointError, match="in the interrupted epoch 2"):
        est.fit(X)
    assert not hasattr(est, "net_") and not hasattr(est, "n_features_in_")


def test_ctrl_c_after_a_diverging_step_in_pretraining_propagates(monkeypatch, X):
    # pre-training is never cut short: the interrupt reaches the caller, whatever the
    # weights it leaves behind (the fit is rolled back)
    est = StackedAutoEncoder(4, hidden_layer_sizes=(8,), batch_size=150, pretrain_max_iter=3,
                             **CPU)
    blow_up_then_interrupt(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X)
    assert not hasattr(est, "net_")


def test_ctrl_c_with_held_out_rows_keeps_the_best_epoch(monkeypatch, X):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), batch_size=135, max_iter=20,
                                 **CPU)
    interrupt_at_step(monkeypatch, 6)
    with pytest.warns(UserWarning, match="best epoch"):
        est.fit(X)
    assert est.n_iter_ == len(est.validation_scores_) == 2
    assert est.best_epoch_ in (0, 1, 2)


@pytest.mark.parametrize("step", [1, 3, 4, 6])  # each pre-training layer (2 epochs of 2)
def test_ctrl_c_in_pretraining_reraises_and_changes_nothing(monkeypatch, X, step):
    est = StackedAutoEncoder(4, hidden_layer_sizes=(8,), batch_size=150, pretrain_max_iter=2,
                             **CPU)
    interrupt_at_step(monkeypatch, step)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X)
    assert vars(est) == vars(StackedAutoEncoder(4, hidden_layer_sizes=(8,), batch_size=150,
                                                pretrain_max_iter=2, **CPU))


def test_ctrl_c_in_fine_tuning_after_pretraining_keeps_the_epochs(monkeypatch, X, y):
    # 2 layers x 2 epochs x 2 batches of pre-training, then fine-tuning epochs of 2 batches
    est = StackedAutoEncoderClassifier((8,), batch_size=150, pretrain_max_iter=2, max_iter=9,
                                       **CPU)
    interrupt_at_step(monkeypatch, 4 + 5)  # the 5th fine-tuning step: in its 3rd epoch
    with pytest.warns(UserWarning, match="interrupted after 2 complete"):
        est.fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) == 2


@pytest.mark.parametrize("seed", range(4))
def test_ctrl_c_at_a_random_batch_leaves_a_consistent_estimator(monkeypatch, X, seed):
    step = int(np.random.default_rng(seed).integers(1, 40))
    est = DenoisingAutoEncoder(4, hidden_layer_sizes=(8,), batch_size=100, max_iter=10, **CPU)
    interrupt_at_step(monkeypatch, step)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X)
    except KeyboardInterrupt:
        assert not hasattr(est, "net_")
        return
    assert est.n_iter_ == len(est.loss_curve_) == len(est.validation_scores_)
    assert np.isfinite(est.transform(X)).all()


# ---- divergence -----------------------------------------------------------------------


@pytest.mark.parametrize("make, step", [
    (lambda: AutoEncoderTransformer(4, hidden_layer_sizes=(8,), learning_rate=1e3, max_iter=10,
                                    **CPU), "learning_rate"),
    (lambda: StackedAutoEncoderClassifier((8,), pretraining="none", learning_rate=1e3,
                                          max_iter=10, **CPU), "learning_rate"),
    # in pre-training the step is pretrain_learning_rate's (the message named learning_rate)
    (lambda: StackedAutoEncoderClassifier((8,), pretrain_learning_rate=1e3, learning_rate=1e-3,
                                          pretrain_max_iter=10, max_iter=2, **CPU),
     "pretrain_learning_rate"),
])
def test_divergence_is_reported_not_returned(X, y, make, step):
    est = make()
    with pytest.raises(FloatingPointError, match=f"try a smaller {step} "):
        est.fit(X, y)
    assert not hasattr(est, "net_")


def test_a_divergence_in_the_last_step_is_reported(X, y):
    # an epoch's loss is measured before each of its steps: an epoch of one batch (a
    # one-epoch fit, a partial_fit) left its diverged step unseen and the model returned
    big = {"init": "random", "batch_size": len(X), "learning_rate": 1e8, **CPU}
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), max_iter=1, **big)
    with pytest.raises(FloatingPointError, match="after the last step"):
        est.fit(X)
    assert not hasattr(est, "net_")
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), batch_size=len(X),
                                 **CPU).partial_fit(X)
    before = snapshot(est)
    with pytest.raises(FloatingPointError, match="after the last step.*try a smaller "
                       "learning_rate"):
        est.set_params(learning_rate=1e8).partial_fit(X)
    assert_same({k: v for k, v in before.items() if k != "learning_rate"},
                {k: v for k, v in snapshot(est).items() if k != "learning_rate"})
    # pre-training: the step is learning_rate's when pretrain_learning_rate is None
    sae = StackedAutoEncoder(4, hidden_layer_sizes=(8,), pretrain_max_iter=1, max_iter=1,
                             **{k: v for k, v in big.items() if k != "init"})
    with pytest.raises(FloatingPointError, match="pretrain_learning_rate \\(now 100000000.0; "
                       "learning_rate's, as pretrain_learning_rate is None\\)"):
        sae.fit(X)


def test_masking_far_from_the_data_is_told_from_a_data_scale_problem():
    # masking sets entries to 0 in X's units: on columns centred at 1e4 the noise, not X's
    # scale (which this fit set), keeps training from starting
    X = np.random.default_rng(0).normal(size=(200, 8)) + 1e4
    est = DenoisingAutoEncoder(2, hidden_layer_sizes=(8,), max_iter=2, **CPU)
    with pytest.raises(FloatingPointError, match=r"under the training noise \(masking\).*"
                       "centre X first"):
        est.fit(X)
    assert not hasattr(est, "net_")
    DenoisingAutoEncoder(2, hidden_layer_sizes=(8,), max_iter=2, noise="gaussian",
                         **CPU).fit(X)


def test_a_data_scale_problem_is_told_from_a_step_size_one(X):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), max_iter=2, **CPU).fit(X)
    with pytest.raises(FloatingPointError, match="far off the scale"):
        est.partial_fit(X * 1e30)


# ---- the configuration is explicit ------------------------------------------------------


def test_unpickling_rebuilds_the_optimiser_it_was_fitted_with(X):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), max_iter=2, **CPU).fit(X)
    est.set_params(solver="sgd")
    restored = pickle.loads(pickle.dumps(est))
    assert type(restored.net_.optimizer_) is torch.optim.Adam


def test_warm_start_takes_new_training_parameters(X):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), max_iter=2, warm_start=True,
                                 early_stopping=False, **CPU).fit(X)
    est.set_params(solver="sgd", learning_rate=0.05, max_iter=3).fit(X)
    optimizer = est.net_.optimizer_
    assert type(optimizer) is torch.optim.SGD
    assert {g["lr"] for g in optimizer.param_groups} == {0.05}
    assert est.n_iter_ == 5


def test_a_warm_start_anneals_its_own_cosine_schedule(X):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), max_iter=3, warm_start=True,
                                 learning_rate_schedule="cosine", early_stopping=False, **CPU)
    est.fit(X)
    est.set_params(learning_rate=0.01, max_iter=4).fit(X)
    groups = est.net_.optimizer_.param_groups
    # annealed from the new step size to 0 over the new max_iter, not past the old schedule
    assert {g["initial_lr"] for g in groups} == {0.01}
    assert all(g["lr"] == pytest.approx(0.0, abs=1e-12) for g in groups)
    assert est.n_iter_ == 7


def test_partial_fit_takes_a_new_step_size(X):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), **CPU).partial_fit(X)
    est.set_params(learning_rate=0.01).partial_fit(X)
    assert {g["lr"] for g in est.net_.optimizer_.param_groups} == {0.01}


@pytest.mark.parametrize("params, names", [
    ({"n_components": 8}, "n_components"),
    ({"hidden_layer_sizes": (16,)}, "hidden_layer_sizes"),
    ({"activation": "tanh", "init": "random"}, "activation, init"),
])
def test_warm_start_refuses_a_new_architecture(X, params, names):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(8,), max_iter=2, warm_start=True,
                                 **CPU).fit(X)
    before = snapshot(est)
    est.set_params(**params)
    with pytest.raises(ValueError, match=names):
        est.fit(X)
    with pytest.raises(ValueError, match=names):
        est.partial_fit(X)
    after = snapshot(est)
    assert_same({k: v for k, v in before.items() if k not in params},
                {k: v for k, v in after.items() if k not in params})



@pytest.mark.parametrize("before, after", [(8, (8,)), ((8,), [8]), ([8], np.array([8]))])
def test_warm_start_takes_one_architecture_however_spelled(X, before, after):
    est = AutoEncoderTransformer(4, hidden_layer_sizes=before, max_iter=2, warm_start=True,
                                 **CPU).fit(X)
    est.set_params(hidden_layer_sizes=after).fit(X)  # was "other hidden_layer_sizes"
    assert est.n_iter_ == 4


def test_the_fitted_architecture_is_a_copy_of_the_users_list(X):
    sizes = [8]
    est = AutoEncoderTransformer(4, hidden_layer_sizes=sizes, max_iter=2, warm_start=True,
                                 **CPU).fit(X)
    sizes.append(6)  # the parameter now says (8, 6); the model is still (8,)
    with pytest.raises(ValueError, match="other hidden_layer_sizes"):
        est.fit(X)
    with pytest.raises(ValueError, match="other hidden_layer_sizes"):
        est.partial_fit(X)
    est.set_params(hidden_layer_sizes=[8]).fit(X)  # the true architecture warm-starts
    assert est.n_iter_ == 4

# ---- local randomness ---------------------------------------------------------------------


def _fit_codes(X, out, key, est):
    out[key] = est.fit(X).transform(X)


def test_threaded_fits_are_bit_identical_to_serial_ones(X):
    def make(seed):
        return DenoisingAutoEncoder(4, hidden_layer_sizes=(16,), max_iter=5, random_state=seed,
                                    device="cpu")

    serial = {seed: make(seed).fit(X).transform(X) for seed in (0, 1)}
    threaded = {}
    threads = [threading.Thread(target=_fit_codes, args=(X, threaded, seed, make(seed)))
               for seed in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for seed in (0, 1):
        np.testing.assert_array_equal(threaded[seed], serial[seed])


def test_fits_leave_the_callers_random_states_alone(X, y):
    torch.manual_seed(123)
    np.random.seed(123)
    expected_torch, expected_numpy = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(123)
    DenoisingAutoEncoder(4, hidden_layer_sizes=(8,), max_iter=2, **CPU).fit(X)
    StackedAutoEncoderClassifier((8,), pretrain_max_iter=1, max_iter=2, **CPU).fit(X, y)
    assert torch.equal(torch.rand(3), expected_torch)
    np.testing.assert_array_equal(np.random.rand(3), expected_numpy)


# ---- validated at the door -----------------------------------------------------------------


@pytest.mark.parametrize("params, name", [
    ({"n_components": True}, "n_components"),
    ({"batch_size": True}, "batch_size"),
    ({"max_iter": False}, "max_iter"),
    ({"hidden_layer_sizes": (True,)}, "hidden_layer_sizes"),
    ({"device": "cpu\n"}, "device"),
])
def test_bad_parameters_are_refused_before_anything_is_built(X, params, name):
    est = AutoEncoderTransformer(**{"n_components": 2, **params})
    with pytest.raises(ValueError, match=name):
        est.fit(X)
    assert not hasattr(est, "n_features_in_")


def test_a_wrong_length_noise_ratio_is_refused_even_without_pretraining_epochs(X, y):
    clf = StackedAutoEncoderClassifier((8, 4), noise_ratio=(0.1, 0.2, 0.3), pretrain_max_iter=0,
                                       max_iter=1, **CPU)
    with pytest.raises(ValueError, match="noise_ratio"):
        clf.fit(X, y)


def test_a_sparse_regression_target_is_named(X):
    with pytest.raises(ValueError, match="dense y"):
        StackedAutoEncoderRegressor((8,), max_iter=1, **CPU).fit(X, sp.csr_matrix(X[:, :1]))


def test_a_target_whose_spread_overflows_is_named(X, y):
    with pytest.raises(ValueError, match="too large"):
        StackedAutoEncoderRegressor((8,), max_iter=1, **CPU).fit(X, y * 1e160)


def test_datetime_columns_are_named():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": np.arange(10.0),
                          "t": pd.date_range("2026-01-01", periods=10)})
    for est in (AutoEncoderTransformer(1, **CPU), AutoEncoderImputer(max_iter=1, **CPU),
                ReconstructionOutlierDetector()):
        with pytest.raises(ValueError, match="numbers"):
            est.fit(frame)


def test_a_model_saved_on_mps_loads_on_the_cpu(X):
    est = AutoEncoderTransformer(2, hidden_layer_sizes=(4,), max_iter=1, **CPU).fit(X)
    state = est.__getstate__()
    state["net_"]["device"] = "mps"
    restored = AutoEncoderTransformer.__new__(AutoEncoderTransformer)
    restored.__setstate__(state)
    if not torch.backends.mps.is_available():
        assert restored.device_.type == "cpu"
    np.testing.assert_array_equal(restored.transform(X), est.transform(X))
