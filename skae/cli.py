"""The ``skae`` command: ``skae compare [DATA]`` puts PCA and skae's autoencoders side by side."""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import AutoEncoderTransformer, DenoisingAutoEncoder, StackedAutoEncoder


class DataError(Exception):
    """A data file that cannot be used; reported as one line, without a traceback."""


def _numeric(array, what):
    try:
        return np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} is not numeric ({exc})") from None


def _load_csv(path, label_column):
    import pandas as pd

    frame = pd.read_csv(path)
    y = None
    if label_column is not None:
        if label_column not in frame.columns:
            raise DataError(f"{path} has no column {label_column!r}")
        y = frame.pop(label_column).to_numpy()
    return _numeric(frame, f"{path}"), y


def _load_npz(path, x_key, y_key):
    with np.load(path, allow_pickle=False) as data:
        if x_key not in data:
            raise DataError(f"{path} has no array {x_key!r} (it has {sorted(data.files)})")
        y = data[y_key] if y_key in data else None
        return _numeric(data[x_key], f"{path}[{x_key!r}]"), y


def load_data(path, *, label_column=None, x_key="X", y_key="y"):
    """Features and optional labels from a .csv, .npy or .npz file; None gives digits."""
    if path is None:
        from sklearn.datasets import load_digits

        return (*load_digits(return_X_y=True), "digits (bundled with scikit-learn)")
    path = Path(path)
    if not path.is_file():
        raise DataError(f"cannot read {str(path)!r}: no such file")
    loaders = {
        ".csv": lambda: _load_csv(path, label_column),
        ".npy": lambda: (_numeric(np.load(path, allow_pickle=False), str(path)), None),
        ".npz": lambda: _load_npz(path, x_key, y_key),
    }
    if path.suffix not in loaders:
        raise DataError(f"{path.name}: expected a .csv, .npy or .npz file")
    try:
        X, y = loaders[path.suffix]()
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {str(path)!r}: {exc}") from None
    if X.ndim != 2 or X.shape[1] < 2:
        raise DataError(f"{path.name}: need a 2-D table with at least 2 feature columns, "
                        f"got shape {X.shape}")
    return X, y, str(path)


def make_models(n_components, max_iter, device, random_state):
    """The contenders, fitted at the same code width."""
    common = {"max_iter": max_iter, "device": device, "random_state": random_state}
    return {
        "PCA": PCA(n_components, random_state=random_state),
        "AutoEncoderTransformer": AutoEncoderTransformer(n_components, **common),
        "DenoisingAutoEncoder": DenoisingAutoEncoder(n_components, **common),
        "StackedAutoEncoder": StackedAutoEncoder(n_components, **common),
    }


def evaluate(name, model, X_train, X_test, y_train, y_test, log):
    """Fit ``model`` and measure held-out reconstruction error and, with labels, accuracy."""
    log(f"fitting {name} ...")
    start = time.perf_counter()
    model.fit(X_train)
    row = {"model": name, "fit_s": time.perf_counter() - start, "fitted": model}
    reconstruction = model.inverse_transform(model.transform(X_test))
    row["test_mse"] = float(np.mean((reconstruction - X_test) ** 2))
    if y_train is not None:
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        clf.fit(model.transform(X_train), y_train)
        row["accuracy"] = clf.score(model.transform(X_test), y_test)
    log(f"  done in {row['fit_s']:.1f} s")
    return row


def format_table(rows):
    """The comparison table as text."""
    has_labels = "accuracy" in rows[0]
    header = f"{'model':<24}{'test MSE':>12}{'fit s':>9}"
    header += f"{'accuracy':>10}" if has_labels else ""
    lines = [header, "-" * len(header)]
    for r in rows:
        line = f"{r['model']:<24}{r['test_mse']:>12.4g}{r['fit_s']:>9.1f}"
        lines.append(line + (f"{r['accuracy']:>10.3f}" if has_labels else ""))
    return "\n".join(lines)


def compare(args):
    X, y, source = load_data(args.data, label_column=args.label_column,
                             x_key=args.x_key, y_key=args.y_key)
    n_components = min(args.n_components, X.shape[1])
    split = train_test_split(X, *([] if y is None else [y]), test_size=args.test_size,
                             random_state=args.random_state)
    X_train, X_test = split[:2]
    y_train, y_test = (split[2], split[3]) if y is not None else (None, None)
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    log(f"{source}: {X.shape[0]} rows x {X.shape[1]} features, n_components={n_components}")
    rows = [evaluate(name, model, X_train, X_test, y_train, y_test, log)
            for name, model in make_models(n_components, args.max_iter, args.device,
                                           args.random_state).items()]
    print(format_table(rows))
    if args.plot:
        save_comparison_plot(rows, X_test, args.plot)
        log(f"saved {args.plot}")
    return 0


def save_comparison_plot(rows, X_test, path):
    """Reconstructions of a few held-out rows and each model's loss curve, side by side."""
    from .plotting import plot_comparison

    plot_comparison({r["model"]: r["fitted"] for r in rows}, X_test).savefig(path, dpi=100)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skae", description="scikit-learn's missing autoencoders, from the command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser(
        "compare", help="compare PCA and skae's autoencoders on one data set",
        description="Fit PCA, AutoEncoderTransformer, DenoisingAutoEncoder and "
                    "StackedAutoEncoder at the same n_components and print held-out "
                    "reconstruction error, fit time and (with labels) the accuracy of a "
                    "logistic regression on each one's codes.")
    p.add_argument("data", nargs="?", default=None,
                   help="a .csv, .npy or .npz file of numeric features (default: "
                        "scikit-learn's bundled digits)")
    p.add_argument("--label-column", default=None,
                   help="CSV column holding labels (removed from the features)")
    p.add_argument("--x-key", default="X", help="array of features in an .npz (default: X)")
    p.add_argument("--y-key", default="y",
                   help="array of labels in an .npz, used when present (default: y)")
    p.add_argument("--n-components", type=int, default=16, help="code width (default: 16)")
    p.add_argument("--max-iter", type=int, default=100,
                   help="maximum epochs per autoencoder (default: 100)")
    p.add_argument("--test-size", type=float, default=0.25,
                   help="held-out fraction (default: 0.25)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    p.add_argument("--plot", metavar="FILE.png", default=None,
                   help="save reconstructions and loss curves to this image")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=compare)
    return parser


def main(argv=None):
    """Entry point of the ``skae`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.n_components < 1:
        parser.error("--n-components must be at least 1")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return args.func(args)
    except DataError as exc:
        print(f"skae: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
