"""A linear autoencoder learns PCA's subspace (Baldi & Hornik 1989) on MNIST.

Linear AutoEncoderTransformer (hidden_layer_sizes=(), activation="identity"), k=30, trained
on the 60k MNIST training rows two ways: full-batch L-BFGS (``--lbfgs-steps`` steps) and Adam
(batch 256) with a cosine learning-rate schedule (``--adam-epochs`` epochs); per-image summed
squared error on the 10k test rows against PCA(30) (13.87 in Hinton & Salakhutdinov's table).
Reports the largest principal angle between the two subspaces and, per component, the angle
between PCA's ordered components and the directions recovered from the weights: an
orthonormal basis of the decoder's column space (its left singular vectors, Plaut 2018),
rotated by the eigenvectors of the k x k covariance of the training codes in that basis.
Targets (reproduction issue): largest angle <= 1 degree, test error within 1% of PCA's.

    python benchmarks/bench_linear_pca.py [--quick] [--data PATH] [--device cuda]
        [--lbfgs-steps 30] [--adam-epochs 150]
"""

import warnings

import numpy as np
from _common import load_mnist, parser, positive_int, print_table, timed, write_results
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from skae import AutoEncoderTransformer


def per_image_error(model, X):
    return float(np.mean(np.sum((model.inverse_transform(model.transform(X)) - X) ** 2, axis=1)))


def recovered_directions(decoder, X, mean):
    """Ordered principal directions from the decoder weights (k x k eigenproblem on codes)."""
    Q = np.linalg.svd(decoder, full_matrices=False)[0]  # (n_features, k) orthonormal
    codes = (X - mean) @ Q
    eigenvalues, V = np.linalg.eigh(codes.T @ codes)
    return Q @ V[:, np.argsort(eigenvalues)[::-1]]


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--lbfgs-steps", type=positive_int, default=None,
                   help="L-BFGS steps (30; --quick: 5)")
    p.add_argument("--adam-epochs", type=positive_int, default=None,
                   help="Adam epochs (150; --quick: 5)")
    args = p.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    k = 30
    n_train = 10000 if args.quick else None
    solvers = {
        "lbfgs": {"solver": "lbfgs", "max_iter": args.lbfgs_steps or (5 if args.quick else 30)},
        "adam + cosine": {"solver": "adam", "batch_size": 256, "learning_rate": 1e-3,
                          "learning_rate_schedule": "cosine",
                          "max_iter": args.adam_epochs or (5 if args.quick else 150)},
    }
    X, _, X_test, _ = load_mnist(args.data, n_train)
    pca, pca_s = timed(PCA(k).fit, X)
    rows = [{"model": f"PCA({k})", "test_error_per_image": per_image_error(pca, X_test),
             "fit_s": pca_s}]
    for solver, params in solvers.items():
        ae = AutoEncoderTransformer(k, hidden_layer_sizes=(), activation="identity", alpha=0.0,
                                    tol=0.0, n_iter_no_change=params["max_iter"],
                                    random_state=0, device=args.device, init="random",
                                    early_stopping=False, **params)
        _, seconds = timed(ae.fit, X)
        decoder = ae.module_.decoder[0].weight.detach().cpu().numpy().astype(np.float64)
        U = recovered_directions(decoder, X, ae.mean_)
        per_component = np.degrees(np.arccos(np.clip(
            np.abs(np.sum(U.T * pca.components_, axis=1)), 0, 1)))
        error = per_image_error(ae, X_test)
        rows.append({
            "model": f"linear AE, {solver}", "device": args.device,
            "test_error_per_image": error,
            "vs_pca": error / rows[0]["test_error_per_image"] - 1,
            "max_angle_deg": float(np.degrees(subspace_angles(decoder, pca.components_.T).max())),
            "angles_first5_deg": [round(float(a), 2) for a in per_component[:5]],
            "angle_median_deg": float(np.median(per_component)),
            "epochs": ae.n_iter_, "fit_s": seconds,
        })
    print_table(rows, ["model", "device", "test_error_per_image", "vs_pca", "max_angle_deg",
                       "angles_first5_deg", "angle_median_deg", "epochs", "fit_s"])
    write_results("bench_linear_pca", args, rows)


if __name__ == "__main__":
    main()
