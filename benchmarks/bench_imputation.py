"""How well does AutoEncoderImputer fill in missing values? RMSE against scikit-learn's imputers.

Data: digits, breast_cancer, wine, diabetes (unscaled) and MNIST (the first 10,000
training images, pixels/255, through --data). Missing entries are removed from the
complete table by the seed: MCAR at 10%, 30% and 50% of the entries, and a
missing-not-at-random pattern (each value above its column's 75th percentile removed
with probability one half). Every row keeps at least one observed entry (one removed
entry of a row that lost all is put back), which skae's imputer requires.

Contenders, in the same run: SimpleImputer(mean), KNNImputer, IterativeImputer (its
default BayesianRidge) and IterativeImputer(ExtraTreesRegressor(n_estimators=10)), the
missForest recipe as scikit-learn's own example runs it, against AutoEncoderImputer at
its defaults. Reported: RMSE over the removed entries of the non-constant columns, each
entry divided by its column's standard deviation in the complete data; fit+transform
seconds; and at 30% MCAR on the labelled tables (digits, breast_cancer, wine) the
3-fold cross-validated accuracy of imputer -> StandardScaler -> LogisticRegression.
On MNIST the MCAR rates of --mnist-rates run with one seed, and the two
IterativeImputers are too slow for 2 cores (784 columns, 10 rounds): their time is
estimated from --mnist-probe-columns evenly spaced columns (marked "estimated", no
RMSE). MNIST runs first, so that its times are measured before anything else runs on
the machine; --mnist-only skips the tables (a run of more MNIST rates, with --tag).

Targets (issue 27): lowest RMSE of the five on digits and MNIST at every MCAR rate; at
most 1.10x the best contender's RMSE on breast_cancer, wine and diabetes at 30% MCAR;
downstream accuracy at least IterativeImputer's on digits and breast_cancer at 30%;
AutoEncoderImputer faster than the missForest recipe on MNIST 10k at 30%.

    python benchmarks/bench_imputation.py [--quick] [--data PATH] [--seeds N]
        [--mnist-rates 10,30,50] [--mnist-only --tag NAME]
        [--tables digits,... --patterns "MCAR 10%",... --mnist-rates "" --tag NAME]

The last form reruns one cell with more seeds (digits at 10% MCAR over 10 seeds:
``--seeds 10 --tables digits --patterns "MCAR 10%" --mnist-rates "" --tag
digits-mcar10-10-seeds``).
"""

import argparse
import time
import warnings

import numpy as np
from _common import load_mnist, parser, positive_int, print_table, timed, write_results
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.linear_model import BayesianRidge, LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import AutoEncoderImputer

PATTERNS = ("MCAR 10%", "MCAR 30%", "MCAR 50%", "MNAR")
LABELLED = ("digits", "breast_cancer", "wine")


def imputers(seed, device):
    return {
        "SimpleImputer(mean)": SimpleImputer(),
        "KNNImputer": KNNImputer(),
        "IterativeImputer": IterativeImputer(random_state=seed),
        "missForest recipe": IterativeImputer(
            ExtraTreesRegressor(n_estimators=10, random_state=seed), random_state=seed),
        "AutoEncoderImputer": AutoEncoderImputer(random_state=seed, device=device),
    }


def remove(X, pattern, seed):
    """A boolean mask of the entries to remove from X under ``pattern``."""
    rng = np.random.default_rng(seed)
    if pattern.startswith("MCAR"):
        missing = rng.random(X.shape) < int(pattern.split()[1][:-1]) / 100
    else:  # MNAR: values above their column's 75th percentile, each with probability 1/2
        missing = (X > np.percentile(X, 75, axis=0)) & (rng.random(X.shape) < 0.5)
    for row in np.flatnonzero(missing.all(axis=1)):
        missing[row, rng.integers(X.shape[1])] = False
    return missing


def rmse(X_filled, X, missing):
    """RMSE over the removed entries of non-constant columns, in column standard units."""
    std = X.std(axis=0)
    cols = std > 0
    errors = ((X_filled - X) / np.where(cols, std, 1.0))[missing & cols]
    return float(np.sqrt(np.mean(errors ** 2)))


def accuracy(imputer, X_missing, y, seed):
    model = make_pipeline(imputer, StandardScaler(), LogisticRegression(max_iter=2000))
    folds = StratifiedKFold(3, shuffle=True, random_state=seed)
    return float(np.mean(cross_val_score(model, X_missing, y, cv=folds)))


def score_case(dataset, X, y, pattern, seed, device, names=None):
    missing = remove(X, pattern, seed)
    X_missing = np.where(missing, np.nan, X)
    rows = []
    for name, imputer in imputers(seed, device).items():
        if names is not None and name not in names:
            continue
        fitted = clone(imputer)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            X_filled, seconds = timed(fitted.fit_transform, X_missing)
        row = {"dataset": dataset, "pattern": pattern, "seed": seed, "imputer": name,
               "missing_share": float(missing.mean()), "rmse": rmse(X_filled, X, missing),
               "seconds": seconds, "epochs": getattr(fitted, "n_iter_", None),
               "convergence_warnings": sum(issubclass(w.category, ConvergenceWarning)
                                           for w in caught)}
        if y is not None and pattern == "MCAR 30%" and dataset in LABELLED:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                row["accuracy"] = accuracy(clone(imputer), X_missing, y, seed)
        rows.append(row)
        print(f"{dataset:14} {pattern:9} seed {seed} {name:20} rmse {row['rmse']:.3f} "
              f"{seconds:7.1f} s", flush=True)
    return rows


TABLES = {"digits": lambda: load_digits(return_X_y=True),
          "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
          "wine": lambda: load_wine(return_X_y=True),
          "diabetes": lambda: (load_diabetes(scaled=False).data, None)}


def tables(names):
    return {k: (X.astype(np.float64), y) for k in names for X, y in [TABLES[k]()]}


def estimated_seconds(imputer, X_missing, n_columns):
    """An IterativeImputer's fit+transform seconds, estimated from ``n_columns`` columns.

    ``n_columns`` columns with missing entries, evenly spaced among them (MNIST's first
    columns are blank borders, quick to fit), are each fitted on all others with the
    column means filled in, as the imputer's first round fits them; the mean time is
    scaled to all columns with missing entries times the imputer's rounds.
    """
    missing_cols = np.flatnonzero(np.isnan(X_missing).any(axis=0))
    probe = missing_cols[np.linspace(0, len(missing_cols) - 1, n_columns).round().astype(int)]
    filled = SimpleImputer().fit_transform(X_missing)
    start = time.perf_counter()
    for col in probe:
        rows = ~np.isnan(X_missing[:, col])
        others = np.delete(filled, col, axis=1)
        estimator = imputer.estimator if imputer.estimator is not None else BayesianRidge()
        clone(estimator).fit(others[rows], X_missing[rows, col])
    per_column = (time.perf_counter() - start) / len(probe)
    return per_column * len(missing_cols) * imputer.max_iter


def mnist(path, pattern, seed, device, probe_columns):
    X = load_mnist(path, n_train=10_000)[0].reshape(10_000, -1).astype(np.float64)
    rows = score_case("MNIST 10k", X, None, pattern, seed, device,
                      names=("SimpleImputer(mean)", "KNNImputer", "AutoEncoderImputer"))
    X_missing = np.where(remove(X, pattern, seed), np.nan, X)
    for name in ("IterativeImputer", "missForest recipe"):
        seconds = estimated_seconds(imputers(seed, device)[name], X_missing, probe_columns)
        rows.append({"dataset": "MNIST 10k", "pattern": pattern, "seed": seed,
                     "imputer": name, "rmse": None, "seconds": seconds, "estimated": True})
        print(f"MNIST 10k      {pattern:9} seed {seed} {name:20} ~{seconds:.0f} s (estimated)")
    return rows


def summarise(rows):
    """Mean RMSE, seconds and accuracy of each imputer over seeds, per dataset and pattern."""
    groups = {}
    for r in rows:
        groups.setdefault((r["dataset"], r["pattern"], r["imputer"]), []).append(r)
    summary = []
    for (dataset, pattern, imputer), g in groups.items():
        mean = {key: (float(np.mean([r[key] for r in g]))
                      if all(r.get(key) is not None for r in g) else None)
                for key in ("rmse", "seconds", "accuracy")}
        summary.append({"dataset": dataset, "pattern": pattern, "imputer": imputer,
                        **mean, "seeds": len(g), "estimated": any(r.get("estimated")
                                                                  for r in g)})
    return summary


def mnist_rates(text):
    """``--mnist-rates``' value: whole percents from 1 to 99, comma-separated; "" for none."""
    if text and not all(r.isdigit() and 0 < int(r) < 100 for r in text.split(",")):
        raise argparse.ArgumentTypeError(
            f"{text!r}: MCAR rates are whole percents from 1 to 99, comma-separated "
            "(\"\": no MNIST)")
    return text


def given(value, default):
    """An option's value as given, else ``default`` (its own, or --quick's smaller one)."""
    return default if value is None else value


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", type=positive_int, default=None,
                   help="seeds of each table and pattern (3; --quick: 1)")
    p.add_argument("--mnist-probe-columns", type=positive_int, default=16,
                   help="MNIST columns the IterativeImputers' times are estimated from")
    p.add_argument("--mnist-rates", type=mnist_rates, default=None,
                   help="MNIST's MCAR rates in percent, comma-separated (\"\": none; "
                        "default 10,30,50; --quick: none unless given)")
    p.add_argument("--mnist-only", action="store_true", help="skip the tables")
    p.add_argument("--tables", default=None,
                   help="the tables to run, comma-separated (default: all four; --quick: "
                        "breast_cancer,wine)")
    p.add_argument("--patterns", default=None,
                   help="the patterns to run on the tables, comma-separated (default: all "
                        "four; --quick: MCAR 30%%)")
    args = p.parse_args()
    seeds = range(args.seeds or (1 if args.quick else 3))
    names = given(args.tables, "breast_cancer,wine" if args.quick else ",".join(TABLES)).split(",")
    patterns = given(args.patterns, "MCAR 30%" if args.quick else ",".join(PATTERNS)).split(",")
    rates = [r for r in given(args.mnist_rates, "" if args.quick else "10,30,50").split(",") if r]
    if unknown := sorted(set(names) - set(TABLES)) + sorted(set(patterns) - set(PATTERNS)):
        p.error(f"unknown tables or patterns: {unknown}")
    if args.mnist_only and (args.tables is not None or args.patterns is not None):
        p.error("--mnist-only runs no table: --tables and --patterns do not apply")
    if args.mnist_only and args.seeds is not None:
        p.error("--mnist-only runs MNIST with one seed: --seeds does not apply")
    if args.mnist_only and not rates:
        p.error("--mnist-only with no MNIST rate runs nothing"
                + (": --quick runs MNIST only at the --mnist-rates given" if args.quick else ""))
    rows = []
    for rate in rates:
        rows += mnist(args.data, f"MCAR {int(rate)}%", 0, args.device, args.mnist_probe_columns)
    for dataset, (X, y) in ({} if args.mnist_only else tables(names)).items():
        for pattern in patterns:
            for seed in seeds:
                rows += score_case(dataset, X, y, pattern, seed, args.device)
    summary = summarise(rows)
    print_table(summary, ["dataset", "pattern", "imputer", "rmse", "accuracy", "seconds"])
    print("wrote", write_results("bench_imputation", args, rows, {"summary": summary}))


if __name__ == "__main__":
    main()
