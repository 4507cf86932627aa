"""Scaling: epoch time at 10k, 20k, 40k and 60k MNIST rows (linear within 15%?).

The default AutoEncoderTransformer(32), 3 epochs a fit; the sizes are fitted in turn, the
sweep repeated ``--repeats`` times (each repetition in a rotated order, so a slow spell of
the shared machine does not land on one size), and each size's epoch time is the median
over all its epochs. Reported as seconds per 10k rows relative to the 10k-row run. Target
(speed issue): within 15%.

    python benchmarks/bench_scaling.py [--quick] [--data PATH] [--repeats 5]
"""

import warnings

import numpy as np
from _common import load_mnist, parser, positive_int, print_table, write_results
from sklearn.exceptions import ConvergenceWarning

from skae import AutoEncoderTransformer


def epoch_times(X, device):
    ae = AutoEncoderTransformer(32, max_iter=3, tol=0.0, n_iter_no_change=3, random_state=0,
                                init="random", early_stopping=False,
                                device=device).fit(X)
    return list(ae.net_.history[:, "dur"])


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--repeats", type=positive_int, default=None,
                   help="sweeps over the sizes (5; --quick: 1)")
    args = p.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    sizes = [2500, 5000, 10000] if args.quick else [10000, 20000, 40000, 60000]
    repeats = args.repeats or (1 if args.quick else 5)
    X = load_mnist(args.data, sizes[-1], 1)[0]
    times = {n: [] for n in sizes}
    for r in range(repeats):
        for n in sizes[r % len(sizes):] + sizes[:r % len(sizes)]:
            times[n] += epoch_times(X[:n], args.device)
    rows = []
    for n in sizes:
        epoch = float(np.median(times[n]))
        rows.append({"rows": n, "epoch_s": epoch, "s_per_10k_rows": epoch / n * 10000,
                     "epochs_timed": len(times[n])})
    for r in rows:
        r["vs_smallest"] = r["s_per_10k_rows"] / rows[0]["s_per_10k_rows"]
    print_table(rows, ["rows", "epoch_s", "s_per_10k_rows", "vs_smallest", "epochs_timed"])
    write_results("bench_scaling", args, rows)


if __name__ == "__main__":
    main()
