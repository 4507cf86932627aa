"""The noise curve (Vincent et al. 2010): test error against the masking ratio of pre-training.

A stacked denoising autoencoder classifier (the papers' recipe: sigmoid units, cross-entropy
reconstruction, zero-masking) pre-trained with masking ratio 0, 0.1, 0.25, 0.4, 0.5 on every
training row and fine-tuned on the labelled ones; scored downstream by the fine-tuned
classifier's test error. Ratio 0 is plain autoencoder pre-training. The papers report the
lowest error near 25% masking.

    python benchmarks/bench_noise_curve.py [--quick] [--data PATH]
    python benchmarks/bench_noise_curve.py --device cuda --hidden 1000,1000,1000 \\
        --labels 1000 --rows 60000 --test-rows 10000 --seeds 2 --early-stopping --jobs 5
"""

import numpy as np
from _common import parser, print_table, run_all, write_results
from bench_pretraining import add_options, fit_and_score, result_name, setup

RATIOS = (0.0, 0.1, 0.25, 0.4, 0.5)


def main():
    p = add_options(parser(__doc__.splitlines()[0], engine=True, jobs=True), n_seeds=2)
    p.add_argument("--ratios", default=",".join(map(str, RATIOS)),
                   help="masking ratios (a subset writes its own result file)")
    args = p.parse_args()
    ratios = tuple(float(r) for r in args.ratios.split(","))
    # the curve is of the papers' recipe and denoising pre-training only: bench_pretraining's
    # --recipes and --pretrainings are not options here
    (X, y, X_test, y_test), hidden, labels, seeds, epochs = setup(args, n_seeds=2)
    configs = [{"X": X, "y": y, "X_test": X_test, "y_test": y_test, "n_labels": n,
                "hidden": hidden, "recipe": "papers", "pretraining": "denoising",
                "noise_ratio": ratio, "seed": seed, "device": args.device, **epochs}
               for n in labels for seed in seeds for ratio in ratios]
    name = result_name("bench_noise_curve", hidden)
    if ratios != RATIOS:
        name += "-ratios-" + "-".join(f"{r:g}" for r in ratios)
    rows = run_all(fit_and_score, configs, args.jobs, partial=lambda done: write_results(
        name, args, done,
        {"partial": True}))
    print_table(rows, ["labels", "seed", "noise_ratio", "test_error_pct", "epochs", "fit_s"])
    curve = []
    for n in labels:
        for ratio in ratios:
            errs = [r["test_error_pct"] for r in rows
                    if r["labels"] == n and r["noise_ratio"] == ratio]
            curve.append({"labels": n, "noise_ratio": ratio,
                          "mean_error_pct": float(np.mean(errs)), "std": float(np.std(errs)),
                          "seeds": len(errs)})
    print()
    print_table(curve, ["labels", "noise_ratio", "mean_error_pct", "std", "seeds"])
    best = {n: min((c for c in curve if c["labels"] == n), key=lambda c: c["mean_error_pct"])
            for n in labels}
    for n, c in best.items():
        print(f"{n} labels: lowest mean test error {c['mean_error_pct']:.2f}% at masking "
              f"ratio {c['noise_ratio']}")
    write_results(name, args, rows,
                  {"curve": curve, "hidden_layer_sizes": list(hidden),
                   "best_ratio": {str(n): c["noise_ratio"] for n, c in best.items()}})


if __name__ == "__main__":
    main()
