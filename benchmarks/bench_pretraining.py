"""Does (denoising) pre-training beat random initialisation? Few labels and all labels.

The same StackedAutoEncoderClassifier with pretraining="none" | "autoencoder" | "denoising"
(25% masking), for two recipes: the papers' (sigmoid units, cross-entropy reconstruction)
and skae's defaults (ReLU, squared error). Pre-training sees every training row; fine-tuning
only the labelled ones (the others carry y = -1). Test error on MNIST's test rows.

Default (CPU): hidden (256, 128), 600 labels + 11,400 unlabelled rows, 3 seeds, 3,000 test
rows. The papers' table (Vincent et al. 2010, Table 3: SdA-3 1.28%, SAE-3 1.40%, DBN-3
1.24%) uses three 1000-unit layers and every label:

    python benchmarks/bench_pretraining.py [--quick] [--data PATH]
    python benchmarks/bench_pretraining.py --device cuda --hidden 1000,1000,1000 \\
        --labels 600,1000,60000 --rows 60000 --test-rows 10000 --recipes papers --seeds 1 \\
        --early-stopping --jobs 5
"""

import time
import warnings

import numpy as np
from _common import (
    load_mnist,
    parser,
    positive_int,
    positive_ints,
    print_table,
    run_all,
    write_results,
)
from sklearn.exceptions import ConvergenceWarning

RECIPES = {
    "papers": {"activation": "sigmoid", "reconstruction_loss": "cross_entropy"},
    "defaults": {},
}
RECIPE_NAMES = {"papers": "sigmoid + cross-entropy", "defaults": "relu + mse (defaults)"}
PRETRAININGS = ("none", "autoencoder", "denoising")


def fit_and_score(X, y, X_test, y_test, *, n_labels, hidden, recipe, pretraining, seed,
                  device, noise_ratio=0.25, **epochs):
    """Fit one classifier on ``n_labels`` labelled rows (the rest unlabelled); test error."""
    warnings.simplefilter("ignore", ConvergenceWarning)
    from skae import StackedAutoEncoderClassifier

    y_few = y.astype(np.int64).copy()
    y_few[n_labels:] = -1
    clf = StackedAutoEncoderClassifier(hidden, pretraining=pretraining, noise_ratio=noise_ratio,
                                       random_state=seed, device=device, **epochs,
                                       **RECIPES[recipe])
    start = time.perf_counter()
    clf.fit(X, y_few)
    fit_s = time.perf_counter() - start
    accuracy = clf.score(X_test, y_test)
    return {"recipe": RECIPE_NAMES[recipe], "labels": n_labels, "seed": seed,
            "pretraining": pretraining, "noise_ratio": noise_ratio if pretraining == "denoising"
            else None, "test_accuracy": accuracy, "test_error_pct": 100 * (1 - accuracy),
            "epochs": clf.n_iter_, "fit_s": fit_s,
            "pretrain_final_losses": [round(c[-1], 5) for c in clf.pretrain_loss_curves_],
            "loss_curve": [round(v, 5) for v in clf.loss_curve_],
            "validation_scores": clf.validation_scores_ and [
                round(v, 5) for v in clf.validation_scores_]}


# option (argparse's name) -> the StackedAutoEncoderClassifier parameter it sets when given
OPTION_PARAMS = {"epochs": "max_iter", "schedule": "learning_rate_schedule",
                 "compile": "compile", "cuda_graphs": "cuda_graphs", "tol": "tol",
                 "patience": "n_iter_no_change", "pretrain_epochs": "pretrain_max_iter",
                 "solver": "solver", "momentum": "momentum", "lr": "learning_rate",
                 "pretrain_lr": "pretrain_learning_rate", "batch_size": "batch_size",
                 "tied": "tied_weights", "alpha": "alpha",
                 "pretrain_alpha": "pretrain_alpha"}


def add_options(p, n_seeds=3):
    """The options of this script and bench_noise_curve (``n_seeds``: --seeds' default)."""
    p.add_argument("--hidden", type=positive_ints, default=None,
                   help="hidden layer sizes, e.g. 1000,1000,1000 (256,128)")
    p.add_argument("--labels", type=positive_ints, default=None,
                   help="labelled rows, e.g. 600,1000,60000 (600; --quick: 300)")
    p.add_argument("--rows", type=positive_int, default=None,
                   help="training rows, labelled first (12000; --quick: 3000)")
    p.add_argument("--test-rows", type=positive_int, default=None,
                   help="test rows (3000; --quick: 1000)")
    p.add_argument("--seeds", type=positive_int, default=None,
                   help=f"how many seeds ({n_seeds}; --quick: 1)")
    p.add_argument("--first-seed", type=int, default=None,
                   help="the first random_state (0); --seeds counts on from it")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="fine-tuning epochs, max_iter (200; --quick: 50)")
    p.add_argument("--schedule", default=None, choices=["constant", "cosine"],
                   help="learning_rate_schedule of fine-tuning and pre-training")
    p.add_argument("--tol", type=float, default=None, help="tol (default 1e-4)")
    p.add_argument("--patience", type=positive_int, default=None,
                   help="n_iter_no_change; as many as --epochs runs the whole schedule")
    p.add_argument("--pretrain-epochs", type=positive_int, default=None,
                   help="pretrain_max_iter (30; --quick: 5)")
    p.add_argument("--solver", default=None, choices=["adam", "sgd"], help="solver (adam)")
    p.add_argument("--momentum", type=float, default=None, help="sgd's momentum (0.9)")
    p.add_argument("--lr", type=float, default=None, help="learning_rate (1e-3)")
    p.add_argument("--pretrain-lr", type=float, default=None,
                   help="pretrain_learning_rate (default: --lr)")
    p.add_argument("--batch-size", type=positive_int, default=None, help="batch_size (200)")
    p.add_argument("--tied", action="store_true", default=None,
                   help="tied_weights: pre-train each layer with a tied decoder (W^T)")
    p.add_argument("--alpha", type=float, default=None,
                   help="alpha, the L2 penalty of pre-training and fine-tuning (1e-4)")
    p.add_argument("--pretrain-alpha", type=float, default=None,
                   help="pretrain_alpha, pre-training's own L2 penalty (default: --alpha)")
    p.add_argument("--early-stopping", action="store_true",
                   help="hold out 10%% of the labelled rows and keep the best epoch")
    return p


def sizes(args):
    """Hidden layer sizes and training rows from the options (with their defaults)."""
    hidden = tuple(int(h) for h in (args.hidden or "256,128").split(","))
    return hidden, args.rows or (3000 if args.quick else 12000)


def setup(args, n_seeds=3):
    """Data, hidden sizes, label counts, seeds and epochs from the options.

    ``n_seeds``: how many seeds without ``--seeds`` (``--quick``: 1).
    """
    hidden, rows = sizes(args)
    labels = [int(n) for n in (args.labels or ("300" if args.quick else "600")).split(",")]
    test_rows = args.test_rows or (1000 if args.quick else 3000)
    X, y, X_test, y_test = load_mnist(args.data, rows, test_rows)
    if max(labels) > len(X):
        raise SystemExit(f"--labels {max(labels)} is more than the {len(X)} training rows "
                         "(--rows; 12000, --quick: 3000): the labelled rows are among them")
    first = args.first_seed or 0
    seeds = range(first, first + (args.seeds or (1 if args.quick else n_seeds)))
    epochs = {"pretrain_max_iter": 5, "max_iter": 50} if args.quick else \
        {"pretrain_max_iter": 30, "max_iter": 200}
    if args.early_stopping:  # before the options: --patience overrides its patience
        epochs |= {"early_stopping": True, "n_iter_no_change": 20}
    for option, param in OPTION_PARAMS.items():  # the estimator parameters the options set
        if getattr(args, option, None) is not None:
            epochs[param] = getattr(args, option)
    return (X, y, X_test, y_test), hidden, labels, seeds, epochs


def result_name(script, hidden):
    """``script``'s result file name: the default hidden sizes keep the plain name."""
    return script if hidden == (256, 128) else script + "-" + "-".join(map(str, hidden))


def main_parser():
    """This script's options."""
    p = add_options(parser(__doc__.splitlines()[0], engine=True, jobs=True))
    p.add_argument("--recipes", default="papers,defaults",
                   help=f"comma-separated, of {', '.join(RECIPES)}")
    p.add_argument("--pretrainings", default=",".join(PRETRAININGS),
                   help=f"comma-separated, of {', '.join(PRETRAININGS)}")
    p.add_argument("--noise-ratio", default="0.25",
                   help="masking ratio of denoising pre-training, or one per layer: 0.1,0.2,0.3")
    return p


def main(args=None):
    """Run the comparison. Returns the result file written.

    ``args``: the parsed options (``main_parser``), read from the command line when None.
    """
    p = main_parser()
    args = args or p.parse_args()
    if unknown := (sorted(set(args.recipes.split(",")) - set(RECIPES))
                   + sorted(set(args.pretrainings.split(",")) - set(PRETRAININGS))):
        p.error(f"unknown recipes or pretrainings: {unknown}")
    (X, y, X_test, y_test), hidden, labels, seeds, epochs = setup(args)
    ratios = [float(r) for r in args.noise_ratio.split(",")]
    noise_ratio = ratios[0] if len(ratios) == 1 else ratios
    configs = [{"X": X, "y": y, "X_test": X_test, "y_test": y_test, "n_labels": n,
                "hidden": hidden, "recipe": recipe, "pretraining": pretraining, "seed": seed,
                "device": args.device, "noise_ratio": noise_ratio, **epochs}
               for recipe in args.recipes.split(",") for n in labels for seed in seeds
               for pretraining in args.pretrainings.split(",")]
    name = result_name("bench_pretraining", hidden)
    rows = run_all(fit_and_score, configs, args.jobs, partial=lambda done: write_results(
        name, args, done, {"partial": True}))
    print_table(rows, ["recipe", "labels", "seed", "pretraining", "test_error_pct", "epochs",
                       "fit_s"])
    print()
    summary = []
    for recipe in args.recipes.split(","):
        for n in labels:
            for pretraining in args.pretrainings.split(","):
                accs = [r["test_accuracy"] for r in rows if r["recipe"] == RECIPE_NAMES[recipe]
                        and r["labels"] == n and r["pretraining"] == pretraining]
                summary.append({"recipe": RECIPE_NAMES[recipe], "labels": n,
                                "pretraining": pretraining,
                                "mean_accuracy": float(np.mean(accs)),
                                "mean_error_pct": float(100 * (1 - np.mean(accs))),
                                "std": float(np.std(accs)), "seeds": len(accs)})
    print_table(summary, ["recipe", "labels", "pretraining", "mean_accuracy", "mean_error_pct",
                          "std", "seeds"])
    return write_results(name, args, rows,
                         {"summary": summary, "hidden_layer_sizes": list(hidden),
                          "training_rows": len(X), "test_rows": len(X_test)})


if __name__ == "__main__":
    main()
