"""Do the defaults work untuned? AutoEncoderTransformer(n_components=16) vs PCA(16) on MNIST.

Target (foundation issue): at least 30% lower test MSE than PCA(16), training on the first
10k training rows and testing on 2k test rows. Also: on digits, swapping PCA for the
autoencoder in a PCA -> LogisticRegression grid search costs at most 0.02 CV accuracy.

    python benchmarks/bench_defaults.py [--quick] [--data PATH]
"""

import warnings

import numpy as np
from _common import load_mnist, parser, print_table, timed, write_results
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skae import AutoEncoderTransformer


def mnist_rows(args):
    n_train, n_test = (2000, 500) if args.quick else (10000, 2000)
    X, _, X_test, _ = load_mnist(args.data, n_train, n_test)
    pca, t_pca = timed(PCA(16).fit, X)
    mse_pca = float(np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2))
    ae, t_ae = timed(AutoEncoderTransformer(16, random_state=0, device=args.device).fit, X)
    mse_ae = -ae.score(X_test)
    return [
        {"data": f"MNIST {n_train}/{n_test}", "model": "PCA(16)", "test_mse": mse_pca,
         "fit_s": t_pca, "epochs": None},
        {"data": f"MNIST {n_train}/{n_test}", "model": "AutoEncoderTransformer(16)",
         "test_mse": mse_ae, "fit_s": t_ae, "epochs": ae.n_iter_,
         "vs_pca": 1 - mse_ae / mse_pca},
    ]


def digits_rows(args):
    X, y = load_digits(return_X_y=True)
    grid = [8, 16] if args.quick else [8, 16, 32]
    rows = []
    for name, step in [("PCA", PCA()), ("AutoEncoderTransformer",
                                         AutoEncoderTransformer(random_state=0, device="cpu"))]:
        pipe = make_pipeline(step, LogisticRegression(max_iter=2000))
        search = GridSearchCV(pipe, {f"{name.lower()}__n_components": grid}, n_jobs=2)
        _, seconds = timed(search.fit, X, y)
        rows.append({"data": "digits, 5-fold CV", "model": name,
                     "cv_accuracy": search.best_score_, "best": search.best_params_,
                     "fit_s": seconds})
    return rows


def main():
    args = parser(__doc__.splitlines()[0]).parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    mnist, digits = mnist_rows(args), digits_rows(args)
    print_table(mnist, ["data", "model", "test_mse", "vs_pca", "epochs", "fit_s"])
    print()
    print_table(digits, ["data", "model", "cv_accuracy", "best", "fit_s"])
    loss = digits[0]["cv_accuracy"] - digits[1]["cv_accuracy"]
    print(f"\nMNIST: autoencoder test MSE {100 * mnist[1]['vs_pca']:.1f}% below PCA's "
          f"(target >= 30%); digits: CV accuracy cost of the swap {loss:+.4f} (target <= 0.02)")
    write_results("bench_defaults", args, mnist + digits)


if __name__ == "__main__":
    main()
