"""First-layer filters of an autoencoder and of denoising autoencoders at 0%, 25%, 50% masking.

MNIST (a training subset), DenoisingAutoEncoder(30, hidden_layer_sizes=(256,)) at each
masking ratio (0% is the plain autoencoder). The claim (Vincent et al. 2008): with
corruption, filters become localised stroke/edge detectors instead of global blobs. The
number that captures it here: the share of each filter's energy (squared weights) held by its
top 5% of pixels, averaged over the filters — 0.05 for a filter spread evenly over the
image, near 1 for a filter on a few pixels. ``--plot DIR`` saves the filter grids.

    python benchmarks/bench_filters.py [--quick] [--data PATH] [--plot DIR]
"""

import warnings

import numpy as np
from _common import load_mnist, parser, print_table, timed, write_results
from sklearn.exceptions import ConvergenceWarning

from skae import DenoisingAutoEncoder
from skae.plotting import first_layer_weights


def top_energy_share(weights, fraction=0.05):
    """Mean share of each row's squared weights held by its largest ``fraction`` of entries."""
    energy = np.sort(weights**2, axis=1)[:, ::-1]
    k = max(1, int(round(fraction * weights.shape[1])))
    return float(np.mean(energy[:, :k].sum(axis=1) / energy.sum(axis=1)))


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--plot", default=None, help="folder to save filter images into")
    args = p.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    X = load_mnist(args.data, 3000 if args.quick else 20000, 1)[0]
    rows = []
    for ratio in (0.0, 0.25, 0.5):
        dae = DenoisingAutoEncoder(30, hidden_layer_sizes=(256,), noise_ratio=ratio,
                                   max_iter=5 if args.quick else 50, random_state=0,
                                   device=args.device)
        _, seconds = timed(dae.fit, X)
        W = first_layer_weights(dae)
        rows.append({"masking": ratio, "top5pct_energy_share": top_energy_share(W),
                     "test_mse_clean": -dae.score(X[:2000]), "epochs": dae.n_iter_,
                     "fit_s": seconds})
        if args.plot:
            from pathlib import Path

            from skae.plotting import plot_filters

            Path(args.plot).mkdir(parents=True, exist_ok=True)
            plot_filters(dae, (28, 28), n_filters=64).savefig(
                Path(args.plot) / f"filters_masking_{int(100 * ratio)}.png", dpi=80)
    print_table(rows, ["masking", "top5pct_energy_share", "test_mse_clean", "epochs", "fit_s"])
    write_results("bench_filters", args, rows)


if __name__ == "__main__":
    main()
