"""The ``skae`` command: ``skae compare [DATA]`` puts PCA and skae's autoencoders side by side."""

import argparse
import csv
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import type_of_target

from . import AutoEncoderTransformer, DenoisingAutoEncoder, StackedAutoEncoder
from ._device import resolve_device
from ._version import __version__

DEFAULT_N_COMPONENTS = 16


class DataError(Exception):
    """Input that cannot be used; reported as one ``skae: error:`` line, without a traceback."""


def _numeric(array, what):
    try:
        return np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} is not numeric ({exc})") from None


# cells read as missing, as pandas reads them by default (and blank ones)
MISSING_CELLS = frozenset({"", "NA", "N/A", "n/a", "#N/A", "<NA>", "NULL", "null", "None",
                           "NaN", "nan"})


def _number(text):
    """``text`` as a float, NaN for a missing cell; a ValueError for anything else
    (Python's float() reads "5_1" as 51 and other scripts' digits: a CSV cell is not
    Python source)."""
    text = text.strip()
    if text in MISSING_CELLS:
        return np.nan
    if "_" in text or not text.isascii():  # float() reads "5_1" and "١٢" too
        raise ValueError(text)
    return float(text)


def _column(values, name, path):
    try:
        return np.array([_number(v) for v in values])
    except ValueError:
        row, bad = next((i, v) for i, v in enumerate(values, start=1) if not _is_number(v))
        raise DataError(f"{path}: column {name!r} is not numeric (it holds {bad!r} in data "
                        f"row {row})") from None


def _numbers_only(names):
    """Whether every name is a number (a blank one is not)."""
    return all(name.strip() and _is_number(name) for name in names)


def _is_number(text):
    try:
        _number(text)
        return True
    except ValueError:
        return False


def _load_csv(path, label_column):
    """Features and labels from a CSV with a header row (the standard library's csv)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:  # -sig: Excel's BOM
        # skipinitialspace: '"a", "b c"' names b c (a space before a quote kept the quotes)
        rows = list(csv.reader(handle, skipinitialspace=True))
    if not rows:
        raise DataError(f"{path}: the file is empty")
    # blank lines, spaces included, are not data rows
    # "a, b" names "b" (spaces around a name are the writer's, as around a number)
    header = [name.strip() for name in rows[0]]
    body = [r for r in rows[1:] if any(field.strip() for field in r)]
    if not body:
        raise DataError(f"{path}: the file has a header but no data rows")
    uneven = next((i for i, r in enumerate(body, start=1) if len(r) != len(header)), None)
    if uneven is not None:
        raise DataError(f"{path}: data row {uneven} (blank lines not counted) has "
                        f"{len(body[uneven - 1])} fields, the header {len(header)}")
    repeated = next((name for i, name in enumerate(header) if name in header[:i]), None)
    if repeated is not None:
        raise DataError(f"{path}: the header names column {repeated!r} more than once"
                        + (" (its first row holds numbers only: is it data? the file "
                           "needs a header row)" if _numbers_only(header) else ""))
    columns = dict(zip(header, zip(*body, strict=True), strict=True))
    y = None
    if label_column is not None:
        if label_column not in columns:
            shown = ", ".join(map(repr, header[:10])) + (", ..." if len(header) > 10 else "")
            raise DataError(f"{path} has no column {label_column!r} (it has {shown})")
        labels = np.array(columns.pop(label_column))
        y = _column(labels, label_column, path) if all(map(_is_number, labels)) else labels
        # a numeric target's missing cells, or any blank one (text can be "NA")
        missing = np.isnan(y) if y.dtype.kind == "f" else np.char.strip(labels) == ""
        if missing.any():
            raise DataError(f"{path}: column {label_column!r} has {int(missing.sum())} blank "
                            f"or missing label(s), the first in data row "
                            f"{int(np.argmax(missing)) + 1} (blank lines not counted)")
    if not columns:
        raise DataError(f"{path}: no feature columns")
    X = np.column_stack([_column(v, name, path) for name, v in columns.items()])
    return X, y, list(columns)


def _load_npz(path, x_key, y_key):
    with np.load(path, allow_pickle=False) as data:
        if x_key not in data:
            raise DataError(f"{path} has no array {x_key!r} (it has {sorted(data.files)})")
        y = data[y_key] if y_key in data else None
        return _numeric(data[x_key], f"{path}[{x_key!r}]"), y, None


def load_data(path, *, label_column=None, x_key="X", y_key="y"):
    """Features, optional labels, a description of the source and the feature names (a
    CSV's header, else None) from a .csv, .npy or .npz file; None gives digits."""
    if path is None:
        if label_column is not None:
            raise DataError("--label-column names a CSV column; give the CSV file (without "
                            "one, digits is used, with its own labels)")
        from sklearn.datasets import load_digits

        return (*load_digits(return_X_y=True), "digits (bundled with scikit-learn)", None)
    path = Path(path)
    if path.is_dir():
        raise DataError(f"cannot read {str(path)!r}: it is a folder; name a file in it")
    if not path.is_file():
        raise DataError(f"cannot read {str(path)!r}: no such file")
    loaders = {
        ".csv": lambda: _load_csv(path, label_column),
        ".npy": lambda: (_numeric(np.load(path, allow_pickle=False), str(path)), None, None),
        ".npz": lambda: _load_npz(path, x_key, y_key),
    }
    if path.suffix not in loaders:
        raise DataError(f"{path.name}: expected a .csv, .npy or .npz file")
    if label_column is not None and path.suffix != ".csv":
        raise DataError(f"--label-column names a CSV column; {path.name} has none (an .npz "
                        f"holds its labels in the array --y-key names)")
    try:
        X, y, names = loaders[path.suffix]()
    except (OSError, ValueError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read {str(path)!r}: {exc}") from None
    if X.ndim != 2 or X.shape[1] < 2:
        raise DataError(f"{path.name}: need a 2-D table with at least 2 feature columns, "
                        f"got shape {X.shape}")
    return X, y, str(path), names


def _first(mask, names):
    """How many entries ``mask`` marks, and where the first is: a CSV's data row (from 1)
    and column name, else the array index."""
    rows, cols = np.nonzero(mask)
    where = (f"X[{rows[0]}, {cols[0]}]" if names is None
             else f"data row {rows[0] + 1}, column {names[cols[0]]!r}")
    return f"{len(rows)} of them; the first at {where}"


def check_data(X, y, names=None):
    """One DataError naming the first thing in X or y that the comparison cannot use;
    ``names``: the features' (a CSV's header), to say where."""
    if np.isinf(X).any():
        raise DataError(f"the features hold infinite values ({_first(np.isinf(X), names)})")
    if np.isnan(X).any():
        raise DataError(f"the features miss values ({_first(np.isnan(X), names)}): the "
                        f"comparison sets the models against PCA, which takes no missing "
                        f"values; fill them first (for instance with skae.AutoEncoderImputer)")
    beyond = np.abs(X) > np.finfo(np.float32).max
    if beyond.any():
        raise DataError(f"the features hold values beyond float32's range, in which the "
                        f"autoencoders train ({_first(beyond, names)}): rescale them first")
    if y is None:
        return
    if y.ndim != 1 or len(y) != len(X):
        raise DataError(f"the labels must be one value per row of the features ({len(X)}); "
                        f"got shape {y.shape}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError(f"the labels hold NaN or infinite values "
                        f"({int((~np.isfinite(y)).sum())} of them)")
    if len(np.unique(y)) < 2:
        raise DataError(f"the labels hold one value only ({str(y[0])!r}): nothing to classify "
                        f"or predict")


# a numeric target with more distinct values than this is continuous even if whole-numbered
MAX_CLASSES = 50


def target_kind(y):
    """"class" (scored by accuracy) or "continuous" (scored by R^2), or None without y.

    Text labels are classes; numbers are classes when whole and at most ``MAX_CLASSES``
    distinct, else continuous (a whole-numbered target such as diabetes progression).
    """
    if y is None:
        return None
    if y.dtype.kind not in "iuf":
        return "class"
    whole = type_of_target(y) not in ("continuous", "continuous-multioutput")
    return "class" if whole and len(np.unique(y)) <= MAX_CLASSES else "continuous"


def make_models(n_components, max_iter, device, random_state):
    """The contenders, fitted at the same code width."""
    common = {"max_iter": max_iter, "device": device, "random_state": random_state}
    return {
        "PCA": PCA(n_components, random_state=random_state),
        "AutoEncoderTransformer": AutoEncoderTransformer(n_components, **common),
        "DenoisingAutoEncoder": DenoisingAutoEncoder(n_components, **common),
        "StackedAutoEncoder": StackedAutoEncoder(n_components, **common),
    }


def downstream(kind):
    """The model scored on the codes: a logistic regression (accuracy) or a ridge (R^2)."""
    final = Ridge() if kind == "continuous" else LogisticRegression(max_iter=2000)
    return make_pipeline(StandardScaler(), final)


def evaluate(name, model, split, kind, log):
    """Fit ``model`` and measure held-out reconstruction error and, with labels, the score.

    A model that cannot train on these data (a ValueError or FloatingPointError: its
    noise far off the data, divergence) gives a row saying so, ``"failed"``: the
    comparison goes on with the others.
    """
    X_train, X_test, y_train, y_test = split
    log(f"fitting {name} ...")
    start = time.perf_counter()
    try:
        model.fit(X_train)
    except (ValueError, FloatingPointError) as exc:
        log(f"  {name} failed")
        return {"model": name, "fit_s": time.perf_counter() - start, "fitted": None,
                "failed": str(exc)}
    row = {"model": name, "fit_s": time.perf_counter() - start, "fitted": model}
    reconstruction = model.inverse_transform(model.transform(X_test))
    row["test_mse"] = float(np.mean((reconstruction - X_test) ** 2))
    row["feature_mse"] = np.mean((reconstruction - X_test) ** 2, axis=0)
    if kind is not None:
        scorer = downstream(kind).fit(model.transform(X_train), y_train)
        row["score"] = scorer.score(model.transform(X_test), y_test)
    log(f"  done in {row['fit_s']:.1f} s")
    return row


def format_table(rows, kind, units):
    """The comparison table as text, its header saying what each column measures."""
    score = {"class": "accuracy", "continuous": "R^2"}.get(kind)
    header = f"{'model':<24}{'test MSE':>12}{'fit s':>9}" + (f"{score:>10}" if score else "")
    lines = [f"test MSE: held-out reconstruction error in {units} (lower is better)"]
    if kind == "class":
        lines.append("accuracy: logistic regression on the codes, held-out rows (higher is better)")
    elif kind == "continuous":
        lines.append("R^2: ridge regression on the codes, held-out rows (higher is better)")
    lines += [header, "-" * len(header)]
    kept_pca = False
    for r in rows:
        if "failed" in r:
            lines.append(f"{r['model']:<24}{'failed':>12}{r['fit_s']:>9.1f}"
                         + (f"{'-':>10}" if score else ""))
            continue
        line = f"{r['model']:<24}{r['test_mse']:>#12.4g}{r['fit_s']:>9.1f}"
        line += f"{r['score']:>10.3f}" if score else ""
        if getattr(r["fitted"], "best_epoch_", None) == 0:  # init="auto" kept its PCA start
            line, kept_pca = line + "  *", True
        lines.append(line)
    if kept_pca:
        lines.append("* no training epoch beat the PCA start on held-out rows: this model is "
                     "PCA")
    lines += [f"{r['model']} failed: {r['failed']}" for r in rows if "failed" in r]
    return "\n".join(lines)


def _check_options(args, X):
    """Refuse, before any training, options this data cannot use."""
    n_features = X.shape[1]
    n_components = args.n_components
    if n_components is None:
        n_components = min(DEFAULT_N_COMPONENTS, n_features - 1)
    elif n_components >= n_features:
        raise DataError(f"--n-components={n_components} must be below the number of features "
                        f"({n_features}): with as many components PCA is lossless")
    n_test = int(np.ceil(args.test_size * len(X)))
    if len(X) - n_test < max(n_components, 10) or n_test < 1:
        raise DataError(f"{len(X)} rows are too few to hold out --test-size={args.test_size} and "
                        f"train {n_components} components on at least "
                        f"{max(n_components, 10)} rows")
    try:
        resolve_device(args.device)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    if args.plot:
        _check_plot_path(Path(args.plot))
    return n_components


def _check_plot_path(path):
    """Refuse a --plot file that could not be written after the training."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise DataError("--plot needs matplotlib: pip install 'skae[plot]'") from None
    if path.is_dir():
        raise DataError(f"--plot {str(path)!r} is a folder; name a file in it")
    formats = Figure().canvas.get_supported_filetypes()
    if path.suffix.lstrip(".").lower() not in formats:
        raise DataError(f"--plot {str(path)!r}: matplotlib writes {', '.join(sorted(formats))} "
                        f"files, named by their ending")
    if not path.parent.is_dir():
        raise DataError(f"--plot {str(path)!r}: no folder {str(path.parent)!r}")


def compare(args):
    X, y, source, names = load_data(args.data, label_column=args.label_column,
                                    x_key=args.x_key, y_key=args.y_key)
    check_data(X, y, names)
    n_components = _check_options(args, X)
    kind = target_kind(y)
    stratify = y if kind == "class" and np.unique(y, return_counts=True)[1].min() > 1 else None
    parts = train_test_split(X, *([] if y is None else [y]), test_size=args.test_size,
                             random_state=args.random_state, stratify=stratify)
    X_train, X_test = parts[:2]
    y_train, y_test = (parts[2], parts[3]) if y is not None else (None, None)
    if kind == "class" and len(np.unique(y_train)) < 2:
        raise DataError(f"the training rows hold one class only ({str(y_train[0])!r}) once "
                        f"--test-size={args.test_size} is held out: the other classes have "
                        f"too few rows")
    units = "the data's units"
    if args.scale == "standard":
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        units = "standard units (each feature scaled by its training spread)"
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    log(f"{source}: {X.shape[0]} rows x {X.shape[1]} features, n_components={n_components}, "
        f"--scale {args.scale}")
    if names and _numbers_only(names) and names != [str(i) for i in range(len(names))]:
        # a CSV's first row names its columns; one of numbers (not pandas' 0, 1, ...) is
        # likely data
        log(f"note: the first row of {source}, read as the column names, holds numbers only "
            f"({', '.join(names[:3])}, ...): if it is data, add a header row")
    if names and "" in names:
        log(f"note: column {names.index('')} of {source} has no name, as the index column "
            "pandas' to_csv writes has: it is read as a feature (write with index=False)")
    rows = [evaluate(name, model, (X_train, X_test, y_train, y_test), kind, log)
            for name, model in make_models(n_components, args.max_iter, args.device,
                                           args.random_state).items()]
    fitted = [r for r in rows if "failed" not in r]
    if not fitted:  # nothing to compare: the first model's reason is the error (main hints)
        raise DataError(f"no model could train: {rows[0]['failed']}")
    for r in rows:
        if "failed" in r:
            r["failed"] = _with_hint(r["failed"], args.scale == "none")
    print(format_table(rows, kind, units))
    if args.plot:
        save_comparison_plot(fitted, X_test, y_test, args.plot, names)
        log(f"saved {args.plot}")
    return 1 if len(fitted) < len(rows) else 0


def save_comparison_plot(rows, X_test, y_test, path, feature_names=None):
    """Arrays of square images (.npy, .npz, digits): reconstructions side by side. Tables
    (a CSV, or any other width): each model's error per feature."""
    from .plotting import plot_comparison, plot_feature_errors

    estimators = {r["model"]: r["fitted"] for r in rows}
    side = int(round(np.sqrt(X_test.shape[1])))
    if feature_names is None and side * side == X_test.shape[1]:  # arrays of square images
        fig = plot_comparison(estimators, X_test)
    else:
        fig = plot_feature_errors({r["model"]: r["feature_mse"] for r in rows},
                                  feature_names=feature_names)
    fig.savefig(path, dpi=100)


def _fraction(text):
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text}")
    return value


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, with every usage error as one ``skae: error:`` line (exit 2)."""

    def error(self, message):
        self.exit(2, f"skae: error: {message}\n")


def build_parser():
    parser = _Parser(
        prog="skae", description="scikit-learn's missing autoencoders, from the command line.")
    parser.add_argument("--version", action="version", version=f"skae {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser(
        "compare", help="compare PCA and skae's autoencoders on one data set",
        description="Fit PCA, AutoEncoderTransformer, DenoisingAutoEncoder and "
                    "StackedAutoEncoder at the same n_components and print held-out "
                    "reconstruction error, fit time and, with labels, the accuracy of a "
                    "logistic regression (class labels) or the R^2 of a ridge regression "
                    "(a continuous target) on each one's codes. A model that cannot train "
                    "on the data is a 'failed' row with its reason, and the exit status "
                    "is then 1 (0: every model trained; 2: an error).")
    p.add_argument("data", nargs="?", default=None,
                   help="a .csv (with a header row), .npy or .npz file of numeric features "
                        "(default: scikit-learn's bundled digits)")
    p.add_argument("--label-column", default=None,
                   help="CSV column holding labels or a target (removed from the features); "
                        f"numbers are class labels when whole and at most {MAX_CLASSES} distinct")
    p.add_argument("--x-key", default="X", help="array of features in an .npz (default: X)")
    p.add_argument("--y-key", default="y",
                   help="array of labels in an .npz, used when present (default: y)")
    p.add_argument("--n-components", type=_positive_int, default=None,
                   help=f"code width, below the number of features (default: "
                        f"{DEFAULT_N_COMPONENTS}, or one less than the features)")
    p.add_argument("--scale", choices=("none", "standard"), default="none",
                   help="none: the data as it is, as PCA takes it (default); standard: each "
                        "feature to zero mean and unit variance first")
    p.add_argument("--max-iter", type=_positive_int, default=100,
                   help="maximum epochs per autoencoder (default: 100)")
    p.add_argument("--test-size", type=_fraction, default=0.25,
                   help="held-out fraction, in (0, 1) (default: 0.25)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    p.add_argument("--plot", metavar="FILE.png", default=None,
                   help="save a figure: reconstructions of images (digits, or a .npy/.npz "
                        "whose width is a square), or each model's error per feature for a "
                        "table (a CSV)")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=compare)
    return parser


def main(argv=None):
    """Entry point of the ``skae`` console script."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code
    hint = getattr(args, "scale", None) == "none"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.showwarning = _warning_printer(hint)
            return args.func(args)
    except (DataError, ValueError, FloatingPointError) as exc:
        print(f"skae: error: {_with_hint(str(exc), hint)}", file=sys.stderr)
        return 2


def _with_hint(text, hint):
    """``text``, saying how the command does what it advises, where it advises scaling."""
    return text + " (here: --scale standard)" if hint and "StandardScaler" in text else text


def _warning_printer(hint):
    """``warnings.showwarning`` for the command: each message once, as one ``skae:
    warning:`` line (the models fitted in turn would repeat it)."""
    seen = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = _with_hint(str(message), hint)
        if text not in seen:
            seen.add(text)
            print(f"skae: warning: {text}", file=sys.stderr)

    return show


if __name__ == "__main__":
    sys.exit(main())
