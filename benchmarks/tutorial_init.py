"""bench_pretraining.py with the Theano SdA tutorial's weight initialisation patched in.

skae has no initialisation parameter: its layers keep torch's default, U(+-1/sqrt(fan_in)).
The tutorial (lisa-lab/DeepLearningTutorials, code/dA.py and SdA.py) starts each sigmoid
layer from U(+-4 sqrt(6 / (fan_in + fan_out))) with zero biases, and its softmax layer
from zeros. This script replaces ``torch.nn.Linear.reset_parameters`` with that rule for
the run, then runs bench_pretraining.py with the options given. The tutorial's first layer
sees pixels in [0, 1]; skae's sees them centred and divided by their global scale
(``global_scale``), so that layer's range is multiplied by the scale to start from the
same function. A 10-output layer is taken to be the softmax layer (MNIST), so only
10-class data is supported. An experiment, not part of skae; its result file records this
script as its command.

    python benchmarks/tutorial_init.py --device cpu --tag tutorial-init [bench_pretraining options]
"""

import math
import sys

import bench_pretraining
import numpy as np
from torch import nn

from skae._data import global_scale


def patch_linear_init(n_features, scale, n_classes=10):
    """Make every new ``nn.Linear`` start as the tutorial's layers (see the module doc)."""

    def reset_parameters(self):
        if self.out_features == n_classes:
            nn.init.zeros_(self.weight)
        else:
            bound = 4 * math.sqrt(6 / (self.in_features + self.out_features))
            if self.in_features == n_features:  # the first layer
                bound *= scale
            nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    nn.Linear.reset_parameters = reset_parameters


def tutorial_init(args):
    """Patch the tutorial's initialisation in; the first layer's scale is recorded."""
    _, rows = bench_pretraining.sizes(args)
    with np.load(args.data) as d:  # pixels in float64, for the scale skae will compute
        X = d["X_train"][:rows] / 255.0
    scale = global_scale(X.var(axis=0), X.mean(axis=0))
    patch_linear_init(X.shape[1], scale)
    return {"first_layer_scale": scale}


def main():
    bench_pretraining.patched_main(tutorial_init)


if __name__ == "__main__":
    sys.exit(main())
