"""Few labels: does (denoising) pre-training beat random initialisation?

600 labelled MNIST training rows plus 11,400 unlabelled ones (y = -1, pre-training only);
test accuracy on 3,000 test rows. The same StackedAutoEncoderClassifier((256, 128)) with
pretraining="none" | "autoencoder" | "denoising", for two recipes: the papers' (sigmoid units,
cross-entropy reconstruction, 25% masking) and skae's defaults (ReLU, squared error).

    python benchmarks/bench_pretraining.py [--quick] [--data PATH]
"""

import warnings

import numpy as np
from _common import load_mnist, parser, print_table, timed, write_results
from sklearn.exceptions import ConvergenceWarning

from skae import StackedAutoEncoderClassifier

RECIPES = {
    "sigmoid + cross-entropy": {"activation": "sigmoid", "reconstruction_loss": "cross_entropy"},
    "relu + mse (defaults)": {},
}


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    n_labelled, n_unlabelled, n_test = (300, 2700, 1000) if args.quick else (600, 11400, 3000)
    X, y, X_test, y_test = load_mnist(args.data, n_labelled + n_unlabelled, n_test)
    y_few = y.astype(np.int64).copy()
    y_few[n_labelled:] = -1
    seeds = [0] if args.quick else [0, 1, 2]
    epochs = {"pretrain_max_iter": 5, "max_iter": 50} if args.quick else \
        {"pretrain_max_iter": 30, "max_iter": 200}
    rows = []
    for recipe, params in RECIPES.items():
        for seed in seeds:
            for pretraining in ("none", "autoencoder", "denoising"):
                clf = StackedAutoEncoderClassifier((256, 128), pretraining=pretraining,
                                                   random_state=seed, device=args.device,
                                                   **epochs, **params)
                _, seconds = timed(clf.fit, X, y_few)
                rows.append({"recipe": recipe, "seed": seed, "pretraining": pretraining,
                             "test_accuracy": clf.score(X_test, y_test), "fit_s": seconds})
    print_table(rows, ["recipe", "seed", "pretraining", "test_accuracy", "fit_s"])
    print()
    summary = []
    for recipe in RECIPES:
        for pretraining in ("none", "autoencoder", "denoising"):
            accs = [r["test_accuracy"] for r in rows
                    if r["recipe"] == recipe and r["pretraining"] == pretraining]
            summary.append({"recipe": recipe, "pretraining": pretraining,
                            "mean_accuracy": float(np.mean(accs)),
                            "std": float(np.std(accs)), "seeds": len(accs)})
    print_table(summary, ["recipe", "pretraining", "mean_accuracy", "std", "seeds"])
    write_results("bench_pretraining", args, rows, {"summary": summary})


if __name__ == "__main__":
    main()
