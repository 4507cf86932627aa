"""First-layer filters of an autoencoder and of denoising autoencoders at 0%, 25%, 50% masking.

Two image sets: MNIST (a training subset, 28x28) and 12x12 grey-level patches cut at random
from scikit-learn's two bundled sample photographs (``load_sample_images``), both in [0, 1].
Two shapes of network at each masking ratio (0% is the plain autoencoder): skae's default
shape, DenoisingAutoEncoder(30, hidden_layer_sizes=(256,)) (the filters are the 256 ReLU units
under the code), and the papers' (Vincent et al. 2008): DenoisingAutoEncoder(100,
hidden_layer_sizes=(), code_activation="sigmoid", tied_weights=True,
reconstruction_loss="cross_entropy") (the filters are its 100 sigmoid units). The claim
(Vincent et al. 2008): with corruption, filters become localised stroke and edge detectors
instead of global blobs. Two numbers, averaged over the filters:

- localisation: the share of a filter's energy (squared weights) held by its top 5% of
  pixels — 0.05 for a filter spread evenly, near 1 for one on a few pixels;
- orientation: the length of the mean of exp(2i theta) over the filter's 2-D power spectrum
  (DC left out), theta the direction of each spatial frequency — 0 for an isotropic filter
  (a blob, a centre-surround), 1 for a perfect edge or grating of one orientation.

``--plot DIR`` saves the filter grids.

    python benchmarks/bench_filters.py [--quick] [--data PATH] [--plot DIR]
"""

import itertools
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


def orientedness(weights, shape):
    """Mean over rows of |sum P(f) exp(2i theta_f)| / sum P(f), P the power spectrum."""
    images = weights.reshape(-1, *shape)
    images = images - images.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fft2(images)) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(shape[0]), np.fft.fftfreq(shape[1]), indexing="ij")
    phase = np.exp(2j * np.arctan2(fy, fx))
    phase[0, 0] = 0  # the DC term has no direction
    resultant = np.abs((power * phase).sum(axis=(1, 2))) / power.sum(axis=(1, 2))
    return float(resultant.mean())


def image_patches(n, size=12, seed=0):
    """``n`` random ``size`` x ``size`` grey-level patches of the bundled sample photos."""
    from sklearn.datasets import load_sample_images
    from sklearn.feature_extraction.image import extract_patches_2d

    rng = np.random.RandomState(seed)
    patches = [extract_patches_2d(image.mean(axis=2) / 255, (size, size),
                                  max_patches=n // 2, random_state=rng)
               for image in load_sample_images().images]
    return np.concatenate(patches).reshape(-1, size * size).astype(np.float32)


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--plot", default=None, help="folder to save filter images into")
    args = p.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    n = 3000 if args.quick else 20000
    datasets = {"mnist": (load_mnist(args.data, n, 1)[0], (28, 28)),
                "photo patches": (image_patches(n), (12, 12))}
    rows = []
    networks = {
        "default (256 ReLU, 30 code)": {"n_components": 30, "hidden_layer_sizes": (256,)},
        "papers' (100 sigmoid, tied, CE)": {
            "n_components": 100, "hidden_layer_sizes": (), "code_activation": "sigmoid",
            "tied_weights": True, "reconstruction_loss": "cross_entropy"},
    }
    for (name, (X, shape)), (network, params), ratio in itertools.product(
            datasets.items(), networks.items(), (0.0, 0.25, 0.5)):
        dae = DenoisingAutoEncoder(noise_ratio=ratio, max_iter=5 if args.quick else 50,
                                   random_state=0, device=args.device, init="random",
                                   early_stopping=False, **params)
        _, seconds = timed(dae.fit, X)
        W = first_layer_weights(dae)
        rows.append({"images": name, "network": network, "masking": ratio,
                     "top5pct_energy_share": top_energy_share(W),
                     "orientedness": orientedness(W, shape),
                     "test_mse_clean": -dae.score(X[:2000]), "epochs": dae.n_iter_,
                     "fit_s": seconds})
        if args.plot:
            from pathlib import Path

            from skae.plotting import plot_filters

            Path(args.plot).mkdir(parents=True, exist_ok=True)
            plot_filters(dae, shape, n_filters=64).savefig(
                Path(args.plot) / f"filters_{name.split()[-1]}_{network[:6].strip(chr(39))}"
                f"_masking_{int(100 * ratio)}.png", dpi=80)
    print_table(rows, ["images", "network", "masking", "top5pct_energy_share", "orientedness",
                       "test_mse_clean", "epochs", "fit_s"])
    write_results("bench_filters", args, rows)


if __name__ == "__main__":
    main()
