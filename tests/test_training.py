import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from skae import AutoEncoderTransformer
from skae._config import TrainConfig
from skae._feeding import (
    CPU_BATCH_BYTES,
    PREDICT_BATCH_SIZE,
    BatchIterator,
    TensorData,
    forward_in_batches,
    hold_out,
    inference_rows,
    to_torch,
)
from skae._training import Monitor

CPU = torch.device("cpu")


def data(n=10, d=3):
    return TensorData(torch.arange(n * d, dtype=torch.float32).reshape(n, d), device=CPU,
                      generator=torch.Generator().manual_seed(0))


def test_batches_cover_every_row_once_per_epoch():
    batches = list(BatchIterator(data(), batch_size=4, shuffle=True))
    assert [len(xb) for xb, _ in batches] == [4, 4, 2]
    rows = torch.cat([xb[:, 0] for xb, _ in batches])
    assert sorted(rows.tolist()) == [3.0 * i for i in range(10)]
    assert all(xb is yb for xb, yb in batches)  # the target is the batch itself


def test_unshuffled_batches_are_views_in_order():
    d = data()
    first, _ = next(iter(BatchIterator(d, batch_size=4)))
    assert first.data_ptr() == d.X.data_ptr()
    assert len(BatchIterator(d, batch_size=4)) == 3


def test_shuffling_follows_the_generator():
    def order(seed):
        d = data()
        d.generator = torch.Generator().manual_seed(seed)
        return [xb[:, 0].tolist() for xb, _ in BatchIterator(d, 4, shuffle=True)]

    assert order(1) == order(1) and order(1) != order(2)


def test_sparse_rows_are_densified_per_batch():
    X = sp.random(20, 5, density=0.3, format="csr", dtype=np.float32, random_state=0)
    d = TensorData(X, device=CPU, generator=torch.Generator().manual_seed(0))
    batches = [xb for xb, _ in BatchIterator(d, 8, shuffle=True)]
    assert all(isinstance(b, torch.Tensor) and b.layout == torch.strided for b in batches)
    assert sum(b.sum() for b in batches).item() == pytest.approx(X.sum(), rel=1e-5)


def test_holdout_splits_disjoint_rows_without_copying():
    d = data(20)
    train, valid = hold_out(d, 0.25, seed=0)
    assert len(train) == 15 and len(valid) == 5
    assert set(train.rows.tolist()).isdisjoint(valid.rows.tolist())
    assert train.X is d.X


def test_holdout_needs_two_rows():
    with pytest.raises(ValueError, match="n_samples = 1"):
        hold_out(data(1), 0.1, seed=0)


def test_float32_arrays_are_not_copied():
    X = np.ones((4, 3), dtype=np.float32)
    assert to_torch(X, CPU).data_ptr() == X.ctypes.data


def test_batch_size_resolution():
    assert TrainConfig(batch_size="auto").rows_per_batch() == 200
    assert TrainConfig(batch_size=32).rows_per_batch() == 32
    assert TrainConfig(solver="lbfgs", batch_size=32).rows_per_batch() == -1


def test_forward_in_batches_matches_one_pass_and_keeps_dtype():
    module = torch.nn.Linear(3, 2)
    X = np.random.default_rng(0).normal(size=(25, 3))
    out = forward_in_batches(module, "forward", X, CPU, batch_size=7)
    assert out.dtype == np.float64 and out.shape == (25, 2)
    expected = torch.nn.Linear(3, 2).double()
    expected.load_state_dict(module.state_dict())
    np.testing.assert_allclose(out, expected(torch.from_numpy(X)).detach().numpy())
    assert next(module.parameters()).dtype == torch.float32  # the original is untouched


def test_inference_batches_hold_a_few_megabytes_of_rows_on_the_cpu():
    def rows(n_features, dtype=np.float32, device=CPU):
        return inference_rows(np.zeros((1, n_features), dtype), device)

    assert rows(784) == CPU_BATCH_BYTES // (784 * 4)  # MNIST: 1337 rows of 4 MiB
    assert rows(784, np.float64) == CPU_BATCH_BYTES // (784 * 8)
    assert rows(3) == PREDICT_BATCH_SIZE and rows(10**6) == 256  # at most / at least
    assert rows(784, device=torch.device("cuda")) == PREDICT_BATCH_SIZE


def test_encoding_fills_its_own_temporary_not_the_input():
    from skae._modules import AutoEncoder

    mean, scale = np.array([1.0, 2.0, 3.0]), 2.0
    for indicator in (False, True):
        module = AutoEncoder(3, (), 2, "relu", mean, scale, missing_indicator=indicator,
                             generator=torch.Generator().manual_seed(0)).eval()
        x = torch.tensor([[np.nan, 2.0, 5.0], [1.0, np.nan, np.nan]], dtype=torch.float32)
        before = x.clone()
        code = module.encode(x)
        assert torch.equal(x.isnan(), before.isnan()) and torch.allclose(
            x.nan_to_num(), before.nan_to_num())
        filled = torch.tensor([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])  # standardised, NaN at 0
        if indicator:
            filled = torch.cat([filled, (~before.isnan()).float()], dim=1)
        assert torch.allclose(code, module.encoder(filled))


def test_divergence_names_the_loss_and_its_start():
    monitor = Monitor(patience=5, tol=0.0)
    monitor.start_loss_ = monitor.start_objective_ = 0.5
    monitor.epochs_, monitor.misses_ = 0, 0

    class Net:
        history, lr = [{"train_loss": float("nan")}], 0.5

    class History(list):
        def __getitem__(self, key):
            return super().__getitem__(key[0])[key[1]] if isinstance(key, tuple) else (
                super().__getitem__(key))

    Net.history = History(Net.history)
    with pytest.raises(FloatingPointError, match="nan at epoch 1, from 0.5"):
        monitor.on_epoch_end(Net())


def test_keyboard_interrupt_keeps_weights_and_warns(monkeypatch, small):
    calls = {"n": 0}
    original = Monitor.on_epoch_end

    def interrupt_at_epoch_3(self, net, **kwargs):
        original(self, net, **kwargs)
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(Monitor, "on_epoch_end", interrupt_at_epoch_3)
    ae = AutoEncoderTransformer(3, hidden_layer_sizes=(8,), max_iter=20, random_state=0,
                                device="cpu", early_stopping=False, init="random")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ae.fit(small)
    assert ae.n_iter_ == 3 == len(ae.loss_curve_)
    assert any("interrupted after 3 complete epoch" in str(w.message) for w in caught)
    assert np.isfinite(ae.transform(small)).all()


def test_convergence_warning_points_at_the_callers_line(small):
    ae = AutoEncoderTransformer(3, hidden_layer_sizes=(8,), max_iter=2, device="cpu",
                                early_stopping=False)
    with pytest.warns(Warning) as caught:
        ae.fit(small)
    assert [w.filename for w in caught] == [__file__]



def test_training_flushes_denormals_and_restores_the_setting():
    from skae._training import _flushing, flushing_denormals

    assert not _flushing()
    with flushing_denormals():
        assert _flushing()
    assert not _flushing()
    torch.set_flush_denormal(True)
    try:
        with flushing_denormals():
            pass
        assert _flushing()  # a caller's own setting survives
    finally:
        torch.set_flush_denormal(False)
    X = np.random.default_rng(0).normal(size=(50, 4))
    AutoEncoderTransformer(2, max_iter=2, init="random", early_stopping=False).fit(X)
    assert not _flushing()


def test_a_gain_within_the_held_out_noise_does_not_count():
    from skae._training import beats, clone_state

    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    ae = AutoEncoderTransformer(2, init="random", early_stopping=False, max_iter=1).fit(X)
    data = TensorData(to_torch(X, torch.device("cpu")), device=torch.device("cpu"))
    module = ae.module_
    trained = clone_state(module)
    assert not beats(module, trained, data)  # no gain at all
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.5)
    worse = clone_state(module)
    assert not beats(module, trained, data)
    module.load_state_dict(trained)
    assert beats(module, worse, data)  # a clear gain on every row
    assert all(torch.equal(v, trained[k]) for k, v in module.state_dict().items())


def test_verbose_table_has_no_ansi_colours_off_a_terminal(capsys):
    X = np.random.default_rng(0).normal(size=(60, 4))
    AutoEncoderTransformer(2, max_iter=3, verbose=1, init="random", random_state=0).fit(X)
    out = capsys.readouterr().out
    assert "train_loss" in out and "\x1b[" not in out
