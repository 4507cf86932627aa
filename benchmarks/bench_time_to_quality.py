"""Time to quality: seconds of training until the test reconstruction MSE drops below PCA's.

At k = 16 and 32 on MNIST (pixels/255): the default AutoEncoderTransformer(k) against
MLPRegressor(hidden_layer_sizes=(256, k, 256)) trained X -> X, both fed the training rows
in ``--chunks`` slices, one partial_fit call each (batch 200, Adam, lr 1e-3), the test MSE
checked after each slice; only training time counts. With ``--chunks 1`` the check comes once
an epoch, which rounds every time up to whole epochs.
Target (speed issue): skae at least 3x sooner.

    python benchmarks/bench_time_to_quality.py [--quick] [--data PATH] [--chunks 10]
"""

import time
import warnings

import numpy as np
from _common import load_mnist, parser, positive_int, print_table, write_results
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from skae import AutoEncoderTransformer


def seconds_to_beat(step, test_mse, target, budget, chunks):
    """Train slice by slice; return (seconds, epochs) once test MSE < target, or None."""
    spent, done = 0.0, 0
    while spent < budget:
        start = time.perf_counter()
        step(done % chunks)
        spent += time.perf_counter() - start
        done += 1
        if test_mse() < target:
            return spent, done / chunks
    return None, done / chunks


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--chunks", type=positive_int, default=10, help="partial_fit calls per epoch")
    args = p.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, _, X_test, _ = load_mnist(args.data, 10000 if args.quick else None, 2000)
    if args.chunks > len(X):
        p.error(f"--chunks {args.chunks} is more than the {len(X)} training rows: "
                "a chunk would be empty")
    budget = 20 if args.quick else 120
    bounds = np.linspace(0, len(X), args.chunks + 1).astype(int)
    slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]  # views, no copies
    # warm-up outside the clock: the first fit in a process pays torch's and skorch's one-off
    # start-up (thread pools, first kernels), which would land on whichever k ran first
    AutoEncoderTransformer(4, max_iter=1, device=args.device).fit(X[:1000])
    MLPRegressor(hidden_layer_sizes=(16,), max_iter=1).partial_fit(X[:1000], X[:1000])
    rows = []
    for k in (16, 32):
        pca = PCA(k).fit(X)
        target = float(np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2))
        # random initialisation, as when the result file was recorded (init="auto" starts
        # the first partial_fit at PCA of its chunk)
        ae = AutoEncoderTransformer(k, random_state=0, device=args.device, init="random")
        mlp = MLPRegressor(hidden_layer_sizes=(256, k, 256), random_state=0)
        contenders = {
            "skae AutoEncoderTransformer": (lambda i, ae=ae: ae.partial_fit(X[slices[i]]),
                                            lambda ae=ae: -ae.score(X_test)),
            "MLPRegressor": (lambda i, m=mlp: m.partial_fit(X[slices[i]], X[slices[i]]),
                             lambda m=mlp: float(np.mean((m.predict(X_test) - X_test) ** 2))),
        }
        for name, (step, mse) in contenders.items():
            seconds, epochs = seconds_to_beat(step, mse, target, budget, args.chunks)
            rows.append({"k": k, "pca_test_mse": target, "contender": name,
                         "seconds": seconds, "epochs": epochs})
        skae_s, mlp_s = rows[-2]["seconds"], rows[-1]["seconds"]
        rows[-1]["mlp_over_skae"] = (mlp_s / skae_s) if skae_s and mlp_s else None
    print_table(rows, ["k", "pca_test_mse", "contender", "seconds", "epochs", "mlp_over_skae"])
    print(f"(None: did not beat PCA within the {budget} s budget)")
    write_results("bench_time_to_quality", args, rows)


if __name__ == "__main__":
    main()
