"""SGD step sizes for the papers' recipe: pre-training a sigmoid layer, fine-tuning a deep net.

Three short pilots on MNIST (sigmoid units, cross-entropy reconstruction, 25% masking, batch
20, momentum 0.9), to choose ``pretrain_learning_rate`` and ``learning_rate`` for
``solver="sgd"`` before a long run:

1. one 1000-unit denoising layer pre-trained for 3 epochs by Adam (1e-3) and by SGD with
   step sizes 0.5, 2 and 8: the reconstruction loss after each epoch;
2. a randomly initialised 784-1000-1000-1000 sigmoid classifier fine-tuned by SGD for 4
   epochs with step sizes 0.02, 0.05, 0.1 and 0.2: the loss curve and the test error;
3. the same classifier after 3 epochs of tied denoising pre-training a layer (step 2),
   fine-tuned for 4 epochs with step sizes 0.1, 0.2 and 0.4: does pre-training let
   fine-tuning take a larger step than random initialisation tolerates?

    python benchmarks/bench_sgd_steps.py [--quick] [--data PATH]
"""

import time
import warnings

from _common import load_mnist, parser, print_table, write_results
from sklearn.exceptions import ConvergenceWarning

from skae import StackedAutoEncoderClassifier

RECIPE = {"activation": "sigmoid", "reconstruction_loss": "cross_entropy", "batch_size": 20,
          "momentum": 0.9, "tol": 0.0, "n_iter_no_change": 100, "random_state": 0}


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    rows, test_rows, hidden = (2000, 500, (200, 200, 200)) if args.quick else (10000, 2000,
                                                                               (1000,) * 3)
    X, y, X_test, y_test = load_mnist(args.data, rows, test_rows)
    common = {**RECIPE, "device": args.device}
    results = []
    pretraining = [("adam", 1e-3), ("sgd", 0.5), ("sgd", 2.0), ("sgd", 8.0)]
    for solver, step in pretraining:
        start = time.perf_counter()
        clf = StackedAutoEncoderClassifier(hidden[:1], solver=solver, pretrain_learning_rate=step,
                                           pretrain_max_iter=3, max_iter=1, **common).fit(X, y)
        results.append({"pilot": "pre-train one layer", "solver": solver, "step": step,
                        "loss_per_epoch": [round(v, 4) for v in clf.pretrain_loss_curves_[0]],
                        "test_error_pct": None, "fit_s": time.perf_counter() - start})
    fine_tuning = {"fine-tune from random": ((0.02, 0.05, 0.1, 0.2), {"pretraining": "none"}),
                   "fine-tune after tied denoising": ((0.1, 0.2, 0.4), {
                       "pretraining": "denoising", "tied_weights": True,
                       "pretrain_learning_rate": 2.0, "pretrain_max_iter": 3})}
    for pilot, (steps, params) in fine_tuning.items():
        for step in steps:
            start = time.perf_counter()
            clf = StackedAutoEncoderClassifier(hidden, solver="sgd", learning_rate=step,
                                               max_iter=4, **params, **common).fit(X, y)
            results.append({"pilot": pilot, "solver": "sgd", "step": step,
                            "loss_per_epoch": [round(v, 4) for v in clf.loss_curve_],
                            "test_error_pct": 100 * (1 - clf.score(X_test, y_test)),
                            "fit_s": time.perf_counter() - start})
    print(f"{rows} training rows, {test_rows} test rows, hidden {hidden}")
    print_table(results, ["pilot", "solver", "step", "loss_per_epoch", "test_error_pct",
                          "fit_s"])
    write_results("bench_sgd_steps", args, results, {"hidden_layer_sizes": list(hidden),
                                                     "training_rows": rows})


if __name__ == "__main__":
    main()
