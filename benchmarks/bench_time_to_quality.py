"""Time to quality: seconds of training until the test reconstruction MSE drops below PCA's.

At k = 16 and 32 on MNIST (pixels/255): the default AutoEncoderTransformer(k) against
MLPRegressor(hidden_layer_sizes=(256, k, 256)) trained X -> X, both one epoch per
partial_fit call (batch 200, Adam, lr 1e-3); only training time counts.
Target (speed issue): skae at least 3x sooner.

    python benchmarks/bench_time_to_quality.py [--quick] [--data PATH]
"""

import time
import warnings

import numpy as np
from _common import load_mnist, parser, print_table, write_results
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from skae import AutoEncoderTransformer


def seconds_to_beat(step, test_mse, target, budget):
    """Train epoch by epoch; return (seconds, epochs) once test MSE < target, or None."""
    spent, epochs = 0.0, 0
    while spent < budget:
        start = time.perf_counter()
        step()
        spent += time.perf_counter() - start
        epochs += 1
        if test_mse() < target:
            return spent, epochs
    return None, epochs


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, _, X_test, _ = load_mnist(args.data, 10000 if args.quick else None, 2000)
    budget = 20 if args.quick else 120
    rows = []
    for k in (16, 32):
        pca = PCA(k).fit(X)
        target = float(np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2))
        ae = AutoEncoderTransformer(k, random_state=0, device=args.device)
        mlp = MLPRegressor(hidden_layer_sizes=(256, k, 256), random_state=0)
        contenders = {
            "skae AutoEncoderTransformer": (lambda ae=ae: ae.partial_fit(X),
                                            lambda ae=ae: -ae.score(X_test)),
            "MLPRegressor": (lambda m=mlp: m.partial_fit(X, X),
                             lambda m=mlp: float(np.mean((m.predict(X_test) - X_test) ** 2))),
        }
        for name, (step, mse) in contenders.items():
            seconds, epochs = seconds_to_beat(step, mse, target, budget)
            rows.append({"k": k, "pca_test_mse": target, "contender": name,
                         "seconds": seconds, "epochs": epochs})
        skae_s, mlp_s = rows[-2]["seconds"], rows[-1]["seconds"]
        rows[-1]["mlp_over_skae"] = (mlp_s / skae_s) if skae_s and mlp_s else None
    print_table(rows, ["k", "pca_test_mse", "contender", "seconds", "epochs", "mlp_over_skae"])
    print(f"(None: did not beat PCA within the {budget} s budget)")
    write_results("bench_time_to_quality", args, rows)


if __name__ == "__main__":
    main()
