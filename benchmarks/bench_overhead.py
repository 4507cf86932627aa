"""Training overhead: skae vs a hand-written torch loop vs skorch's defaults vs MLPRegressor.

Same model (encoder-decoder MLP with a linear code), same optimiser (Adam, fused where torch
supports it, lr 1e-3, L2 1e-4 on weights), same batch size, data in memory as float32.
After one untimed warm-up epoch of the raw loop and of skae, the contenders alternate, in a
rotated order each repetition; each figure is the median epoch time over the repetitions (5
of 3 epochs), and skae's ratio to the raw loop is also given per repetition, to show the
spread.

Targets (speed issue): skae at most 1.10x the raw loop at batch 64 (784-64-8), 1.05x at
batch 256 (784-256-32); the deep 784-1000-500-250-30 net at least 0.6 of the float32 matmul
peak measured in the same run.

    python benchmarks/bench_overhead.py [--quick] [--data PATH] [--reps 5]
"""

import time
import warnings

import numpy as np
import torch
from _common import load_mnist, parser, positive_int, print_table, torch_loop_epochs, write_results
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from torch import nn

from skae import AutoEncoderTransformer

CONFIGS = [  # (hidden, code, batch)
    ((64,), 8, 64),
    ((256,), 32, 256),
    ((1000, 500, 250), 30, 256),
]


def matmul_gflops(n=2048, reps=10):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * n**3 / np.median(times) / 1e9


def layer_sizes(n_features, hidden, code):
    sizes = [n_features, *hidden, code]
    return sizes + sizes[-2::-1]


def sequential(sizes):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        code_layer = i == (len(sizes) - 1) // 2 - 1
        if i < len(sizes) - 2 and not code_layer:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def flops_per_epoch(sizes, n_rows):
    return 6 * n_rows * sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def adam(module):
    decay = [p for n, p in module.named_parameters() if n.endswith("weight")]
    rest = [p for n, p in module.named_parameters() if not n.endswith("weight")]
    return torch.optim.Adam([{"params": decay, "weight_decay": 1e-4},
                             {"params": rest, "weight_decay": 0.0}], lr=1e-3, fused=True)


def raw_loop_epochs(X, sizes, batch, epochs):
    """The hand-written loop: tensor slicing, Adam, MSE."""
    torch.manual_seed(0)
    model = sequential(sizes)
    return torch_loop_epochs(model, adam(model), nn.functional.mse_loss, torch.from_numpy(X),
                             batch=batch, epochs=epochs)


def skae_epochs(X, hidden, code, batch, epochs):
    ae = AutoEncoderTransformer(code, hidden_layer_sizes=hidden, batch_size=batch,
                                max_iter=epochs, tol=0.0, n_iter_no_change=epochs,
                                random_state=0, device="cpu", init="random",
                                early_stopping=False)
    ae.fit(X)
    return list(ae.net_.history[:, "dur"])


def skorch_default_epochs(X, sizes, batch, epochs):
    from skorch import NeuralNet

    net = NeuralNet(sequential(sizes), criterion=nn.MSELoss, optimizer=torch.optim.Adam,
                    lr=1e-3, batch_size=batch, max_epochs=epochs, train_split=None,
                    iterator_train__shuffle=True, verbose=0)
    net.fit(X, X)
    return list(net.history[:, "dur"])


def mlp_epochs(X, hidden, code, batch, epochs):
    mlp = MLPRegressor(hidden_layer_sizes=(*hidden, code, *hidden[::-1]), batch_size=batch,
                       max_iter=1, shuffle=True, random_state=0)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        mlp.partial_fit(X, X)
        times.append(time.perf_counter() - start)
    return times


def measure(X, hidden, code, batch, reps, epochs, with_slow):
    sizes = layer_sizes(X.shape[1], hidden, code)
    contenders = {
        "raw torch loop": lambda: raw_loop_epochs(X, sizes, batch, epochs),
        "skae": lambda: skae_epochs(X, hidden, code, batch, epochs),
    }
    if with_slow:
        contenders["skorch defaults"] = lambda: skorch_default_epochs(X, sizes, batch, 1)
        contenders["MLPRegressor"] = lambda: mlp_epochs(X, hidden, code, batch, 1)
    # an untimed warm-up of the two close contenders (thread pools, allocator, first-call
    # costs would otherwise land on whichever runs first)
    raw_loop_epochs(X, sizes, batch, 1)
    skae_epochs(X, hidden, code, batch, 1)
    times = {name: [] for name in contenders}
    paired = []  # skae's median over the raw loop's, within each repetition
    names = list(contenders)
    for r in range(reps):  # alternate the contenders, in a rotated order each repetition
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(contenders[name]())
        paired.append(np.median(times["skae"][-1]) / np.median(times["raw torch loop"][-1]))
    medians = {name: float(np.median(np.concatenate(t))) for name, t in times.items()}
    return medians, [float(r) for r in paired], sizes


def main():
    p = parser(__doc__.splitlines()[0], device=False)  # the CPU: the raw loop's device
    p.add_argument("--reps", type=positive_int, default=None, help="repetitions (5; --quick: 2)")
    args = p.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    n_rows = 10000 if args.quick else 60000
    X = load_mnist(args.data, n_rows, 1)[0]
    reps, epochs = (args.reps or 2, 2) if args.quick else (args.reps or 5, 3)
    peak = matmul_gflops()
    rows = []
    configs = CONFIGS[:2] if args.quick else CONFIGS
    for hidden, code, batch in configs:
        deep = len(hidden) > 1
        medians, paired, sizes = measure(X, hidden, code, batch, reps, epochs,
                                         with_slow=not deep)
        raw = medians["raw torch loop"]
        for name, seconds in medians.items():
            gflops = flops_per_epoch(sizes, n_rows) / seconds / 1e9
            rows.append({"model": "-".join(map(str, sizes[: len(sizes) // 2 + 1])),
                         "batch": batch, "contender": name, "epoch_s": seconds,
                         "vs_raw": seconds / raw, "gflops": gflops, "of_peak": gflops / peak})
        rows[-len(medians) + 1]["vs_raw_per_repetition"] = paired  # the skae row
    print(f"float32 2048x2048 matmul peak: {peak:.1f} GFLOP/s; {n_rows} rows, "
          f"{torch.get_num_threads()} torch threads")
    print_table(rows, ["model", "batch", "contender", "epoch_s", "vs_raw", "gflops", "of_peak"])
    for r in rows:
        if "vs_raw_per_repetition" in r:
            print(f"{r['model']}, batch {r['batch']}: skae/raw per repetition "
                  + " ".join(f"{v:.3f}" for v in r["vs_raw_per_repetition"]))
    write_results("bench_overhead", args, rows, {"matmul_peak_gflops": peak})


if __name__ == "__main__":
    main()
