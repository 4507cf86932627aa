"""Scaling: epoch time at 10k, 20k, 40k and 60k MNIST rows (linear within 15%?).

The default AutoEncoderTransformer(32), median epoch time of 3 epochs per size, reported as
seconds per 10k rows relative to the 10k-row run. Target (speed issue): within 15%.

    python benchmarks/bench_scaling.py [--quick] [--data PATH]
"""

import warnings

import numpy as np
from _common import load_mnist, parser, print_table, write_results
from sklearn.exceptions import ConvergenceWarning

from skae import AutoEncoderTransformer


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    sizes = [2500, 5000, 10000] if args.quick else [10000, 20000, 40000, 60000]
    X = load_mnist(args.data, sizes[-1], 1)[0]
    rows = []
    for n in sizes:
        ae = AutoEncoderTransformer(32, max_iter=3, tol=0.0, n_iter_no_change=3,
                                    random_state=0, device=args.device).fit(X[:n])
        epoch = float(np.median(ae.net_.history[:, "dur"]))
        rows.append({"rows": n, "epoch_s": epoch, "s_per_10k_rows": epoch / n * 10000})
    for r in rows:
        r["vs_smallest"] = r["s_per_10k_rows"] / rows[0]["s_per_10k_rows"]
    print_table(rows, ["rows", "epoch_s", "s_per_10k_rows", "vs_smallest"])
    write_results("bench_scaling", args, rows)


if __name__ == "__main__":
    main()
