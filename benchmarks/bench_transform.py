"""Transform latency: a linear AutoEncoderTransformer (k=32) vs PCA(32).transform on MNIST.

Encoding the 10k test rows, and a single row (what an online service pays per request),
float32 input; medians of repeated calls, contenders alternating.
Target (speed issue): within 2x of PCA in both.

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
    print_table(rows, ["input", "method", "seconds", "vs_pca"])
    write_results("bench_transform", args, rows)


if __name__ == "__main__":
    main()
