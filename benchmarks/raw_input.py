"""bench_pretraining.py with the classifier fed pixels as they are, not standardised.

StackedAutoEncoderClassifier standardises its input (per-feature mean, one global scale,
``global_scale``) whatever its reconstruction loss, where the papers (and skae's
autoencoders with reconstruction_loss="cross_entropy") use pixels in [0, 1] as they are.
The first layer's affine map makes the two the same functions but not the same SGD steps:
on MNIST its inputs are divided by 0.26, so a step on its weights moves the function
1 / 0.26^2 (about 15) times as far as on raw pixels. This script sets ``mean_`` to 0 and
``scale_`` to 1 in every StackedAutoEncoderClassifier (and Regressor) of the run, then
runs bench_pretraining.py with the options given; pre-training's corruption still takes
the data's own statistics. An experiment, not part of skae; its result file records this
script as its command.

    python benchmarks/raw_input.py --device cpu --tag raw [bench_pretraining options]
"""

import sys

import bench_pretraining
import numpy as np

from skae._supervised import _BaseStackedNetwork


def raw_input(args):
    """Patch the stacked networks to take their input as it is."""
    fit_standardization = _BaseStackedNetwork._fit_standardization

    def no_standardization(self, X):
        stats = fit_standardization(self, X)
        self.mean_, self.scale_ = np.zeros_like(self.mean_), 1.0
        return stats

    _BaseStackedNetwork._fit_standardization = no_standardization
    return {"standardized_input": False}


def main():
    bench_pretraining.patched_main(raw_input)


if __name__ == "__main__":
    sys.exit(main())
