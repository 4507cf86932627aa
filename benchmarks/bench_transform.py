"""Transform latency: a linear AutoEncoderTransformer (k=32) vs PCA(32).transform on MNIST.

Encoding the 10k test rows, and a single row (what an online service pays per request),
float32 input; medians of repeated calls, contenders alternating. Then one row of float64
against one row of float32 through the deep MNIST autoencoder (784-1000-500-250-30, 2.8M
weights): float64 input is computed in float64 by a copy of the weights, made once.
Targets: within 2x of PCA in both (speed issue); float64 at most 2x float32 (issue 25).

    python benchmarks/bench_transform.py [--quick] [--data PATH]
"""

import time
import warnings

import numpy as np
from _common import load_mnist, parser, print_table, write_results
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from skae import AutoEncoderTransformer


def median_seconds(fn, X, reps):
    fn(X)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn(X)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, _, X_test, _ = load_mnist(args.data, 5000 if args.quick else 20000)
    pca = PCA(32).fit(X)
    ae = AutoEncoderTransformer(32, hidden_layer_sizes=(), activation="identity",
                                max_iter=2, random_state=0, device=args.device).fit(X)
    reps = {"10k rows": 10 if args.quick else 30, "1 row": 200 if args.quick else 2000}
    rows = []
    for label, data in [("10k rows", X_test), ("1 row", X_test[:1])]:
        times = {"PCA.transform": [], "AutoEncoderTransformer.transform": []}
        for _ in range(5):
            times["PCA.transform"].append(median_seconds(pca.transform, data, reps[label]))
            times["AutoEncoderTransformer.transform"].append(
                median_seconds(ae.transform, data, reps[label]))
        pca_s = float(np.median(times["PCA.transform"]))
        for name, t in times.items():
            rows.append({"input": label, "method": name, "seconds": float(np.median(t)),
                         "vs_pca": float(np.median(t)) / pca_s})
    rows += float64_rows(X, X_test, args, reps["1 row"])
    print_table(rows, ["input", "method", "seconds", "vs_pca", "vs_float32"])
    write_results("bench_transform", args, rows)


def float64_rows(X, X_test, args, reps):
    """One-row transform latency of the deep autoencoder, float64 against float32 input."""
    deep = AutoEncoderTransformer(30, hidden_layer_sizes=(1000, 500, 250), max_iter=1,
                                  init="random", early_stopping=False, random_state=0,
                                  device=args.device).fit(X[:2000])
    one32, one64 = X_test[:1], X_test[:1].astype(np.float64)
    times = {"float32": [], "float64": []}
    for _ in range(5):
        times["float32"].append(median_seconds(deep.transform, one32, reps))
        times["float64"].append(median_seconds(deep.transform, one64, reps))
    base = float(np.median(times["float32"]))
    return [{"input": f"1 row {dtype}", "method": "deep AutoEncoderTransformer.transform",
             "seconds": float(np.median(t)), "vs_float32": float(np.median(t)) / base}
            for dtype, t in times.items()]


if __name__ == "__main__":
    main()
