"""The benchmarks page's tables, rendered from ``benchmarks/results/*.json`` at build time.

Every number on docs/benchmarks.rst that is not a paper's comes from here: each table
reads the result files a benchmark wrote and rounds what it shows. The rendered tables go
to ``docs/_generated/`` (ignored by git) and benchmarks.rst includes them; a result file
that is missing renders as a line saying which command writes it.
"""

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
RESULTS = HERE.parent / "benchmarks" / "results"
OUT = HERE / "_generated"


def load(name):
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def script(record):
    """The benchmark script a result file's command ran, e.g. ``bench_vs_pca.py``."""
    return next(w.split("/")[-1] for w in record["command"].split() if w.endswith(".py"))


def mean(values):
    return float(np.mean(list(values)))


def means(rows, key, value, where=lambda row: True):
    """{key(row): mean of row[value]} over the rows ``where`` accepts, in row order."""
    groups = defaultdict(list)
    for row in rows:
        if where(row):
            groups[key(row)].append(row[value])
    return {k: mean(v) for k, v in groups.items()}


def wall(records):
    """A cell for the time the runs took: wall time where recorded, else the fits' sum."""
    if all("wall_seconds" in r for r in records):
        return duration(sum(r["wall_seconds"] for r in records))
    fits = [row[k] for r in records for row in r["rows"] for k in ("fit_s", "seconds")
            if isinstance(row.get(k), (int, float))]
    return f"fits {duration(sum(fits))}" if sum(fits) >= 1 else "not recorded"


def duration(seconds):
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 3 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def device(record):
    return "H200" if "gpu" in record or "--device cuda" in record["command"] else "CPU"


def list_table(header, rows, widths=None):
    lines = [".. list-table::", "   :header-rows: 1"]
    if widths:
        lines.append("   :widths: " + " ".join(map(str, widths)))
    lines.append("")
    for row in [header, *rows]:
        lines.append("   * - " + "\n     - ".join(str(cell) for cell in row))
    return lines + [""]


# --- the claims table --------------------------------------------------------------------

def pct(x):
    return f"{100 * x:.1f}%"


def claim_defaults(r):
    pca, ae = r["rows"][0], r["rows"][1]
    return (f"{ae['test_mse']:.4f} vs {pca['test_mse']:.4f}: "
            f"{100 * (1 - ae['test_mse'] / pca['test_mse']):.0f}% lower, {ae['epochs']} epochs")


def claim_grid(r):
    pca, ae = r["rows"][2], r["rows"][3]
    return f"CV accuracy {pca['cv_accuracy']:.3f} (PCA) → {ae['cv_accuracy']:.3f}"


def claim_overhead(*runs):
    def ratios(r):
        return " / ".join(f"{row['vs_raw']:.2f}x" for row in r["rows"]
                          if row["contender"] == "skae" and row["batch"] in (64, 256)
                          and row["model"] != "784-1000-500-250-30")
    first, *others = runs
    return (f"{ratios(first)} (batch 64 / 256); another run: "
            + "; ".join(ratios(r) for r in others))


def claim_transform(r):
    by = {row["input"]: row for row in r["rows"] if "vs_pca" in row and row["vs_pca"] != 1}
    return f"10k rows {by['10k rows']['vs_pca']:.2f}x, one row {by['1 row']['vs_pca']:.2f}x"


def claim_float64(r):
    row = next(row for row in r["rows"] if row["input"] == "1 row float64")
    return f"one row, 2.8M weights: {row['vs_float32']:.2f}x"


def claim_memory(r):
    by = {row["contender"]: row for row in r["rows"]}
    fit = by["skae fit, 1 epoch"]
    return (f"{fit['vs_raw_loop']:.2f}x; {fit['vs_raw_loop_with_sklearn']:.2f}x the loop with "
            f"scikit-learn imported; "
            f"{by['skae fit, 1 epoch, pandas not installed']['vs_raw_loop']:.2f}x without pandas")


def claim_scaling(r):
    return ("per-row epoch time vs 10k rows at "
            f"{'/'.join(str(row['rows'] // 1000) for row in r['rows'])}k: "
            + " / ".join(f"{row['vs_smallest']:.2f}" for row in r["rows"]))


def claim_time_to_quality(r):
    return ", ".join(f"{row['mlp_over_skae']:.1f}x sooner (k={row['k']})"
                     for row in r["rows"] if "mlp_over_skae" in row)


def claim_gpu(r):
    by = {row["contender"]: row for row in r["rows"] if row["device"] == "cuda"}
    graphs, eager = by["skae cuda_graphs"], by["skae float32"]
    return (f"``cuda_graphs=True``: {graphs['epoch_s']:.2f} s, {graphs['speedup_vs_cpu']:.0f}x "
            f"the CPU, 2 threads of the H200 host's (eager: {eager['epoch_s']:.2f} s, "
            f"{eager['speedup_vs_cpu']:.0f}x)")


def claim_linear(r):
    pca = r["rows"][0]
    adam = next(row for row in r["rows"] if "adam" in row["model"])
    return (f"{adam['test_error_per_image']:.2f} vs {pca['test_error_per_image']:.2f}, "
            f"largest principal angle {adam['max_angle_deg']:.2f}° (Adam + cosine, "
            f"{adam['epochs']} epochs)")


def claim_hinton(deep, defaults, pca):
    d, f, p = deep["rows"][0], defaults["rows"][0], pca["rows"][0]
    return (f"{d['test_error_per_image']:.3f} (``alpha=1.5e-5``, {d['epochs']} epochs); "
            f"defaults {f['test_error_per_image']:.2f} in {f['epochs']} epochs "
            f"(measured before ``init='auto'``); PCA(30) {p['test_error_per_image']:.2f}")


def claim_rbm(r):
    acc = means(r["rows"], lambda row: row["pipeline"], "test_accuracy")
    dae = next(v for k, v in acc.items() if k.startswith("DenoisingAutoEncoder"))
    rbm = next(v for k, v in acc.items() if k.startswith("BernoulliRBM"))
    recipe = next(v for k, v in acc.items() if "(512, 256)" in k)
    return (f"RBM {rbm:.3f}; DAE defaults {dae:.3f}; papers' recipe over (512, 256): "
            f"{recipe:.3f} (C=6000, as the example)")


def claim_few_labels(base, tied):
    papers = "sigmoid + cross-entropy"
    rand = means(base["rows"], lambda row: row["labels"], "test_accuracy",
                 lambda row: row["recipe"] == papers and row["pretraining"] == "none")
    pre = means(tied["rows"], lambda row: row["labels"], "test_accuracy")
    relu = means(base["rows"], lambda row: (row["labels"], row["pretraining"]), "test_accuracy",
                 lambda row: row["recipe"] != papers)
    labels = sorted(rand)
    gain = " / ".join(f"{100 * (pre[n] - rand[n]):+.1f}" for n in labels)
    return (f"papers' recipe, tied: {gain} points over its random init "
            f"({' / '.join(pct(pre[n]) for n in labels)}); ReLU + MSE: random init "
            f"{' / '.join(pct(relu[(n, 'none')]) for n in labels)}, denoising "
            f"{' / '.join(pct(relu[(n, 'denoising')]) for n in labels)}")


def claim_noise(small, big, big_tail):
    curve = {row["noise_ratio"]: row["test_error_pct"] for row in big["rows"] + big_tail["rows"]}
    flat = means(small["rows"], lambda row: row["noise_ratio"], "test_error_pct")
    return (f"3x1000 units, 60k rows, one seed: {curve[0.0]:.2f}% (no masking) → "
            f"{curve[0.25]:.2f}% at 0.25, {min(curve.values()):.2f}% at "
            f"{min(curve, key=curve.get)}; small net: flat "
            f"({min(flat.values()):.1f}-{max(flat.values()):.1f}% for 0-0.5)")


def claim_sda(*runs):
    err = defaultdict(list)
    for r in runs:
        for row in r["rows"]:
            err[row["pretraining"]].append(100 * (1 - row["test_accuracy"]))
    return (f"{mean(err['denoising']):.2f}% mean of {len(err['denoising'])} seeds "
            f"(random init {mean(err['none']):.2f}%)")


def claim_filters(r):
    by = {(row["images"], row["network"][:6], row["masking"]): row for row in r["rows"]}
    p0, p5 = by[("photo patches", "papers", 0.0)], by[("photo patches", "papers", 0.5)]
    m0, m25 = by[("mnist", "defaul", 0.0)], by[("mnist", "defaul", 0.25)]
    return (f"papers' net on photo patches: orientation {p0['orientedness']:.2f} → "
            f"{p5['orientedness']:.2f} (masking 0.5); default net on MNIST: localisation "
            f"{m0['top5pct_energy_share']:.2f} → {m25['top5pct_energy_share']:.2f} (0.25)")


def claim_vs_pca(r):
    summary = r["summary"]
    tables = max(row["ratio_to_pca"] for row in summary if row["data"] not in ("digits", "MNIST")
                 and not row["data"].startswith("manifold"))
    k16 = {row["data"]: row["ratio_to_pca"] for row in summary
           if row["k"] == 16 and row["model"] == "AutoEncoderTransformer"}
    warnings = sum(row["convergence_warnings"] for row in r["rows"])
    return (f"raw tables at most {ratio(tables)}; k=16 digits {k16['digits']:.3f}, MNIST "
            f"{k16['MNIST']:.3f}; {warnings} warnings in {len(r['rows'])} fits")


def claim_outliers_mnist(r):
    auc = {row["model"]: row["auc"] for row in r["summary"] if row["case"] == "one-class MNIST"}
    ours = auc.pop("skae default detector")
    lof = auc.pop("skae default detector, code_score='lof'", None)
    best = max(auc, key=auc.get)
    with_lof = "" if lof is None else f" (``code_score=\"lof\"`` {lof:.3f})"
    return f"{ours:.3f}{with_lof}; best contender {DETECTORS[best]} {auc[best]:.3f}"


def claim_contamination(r):
    auc = {row["case"]: row["auc"] for row in r["summary"]
           if row["model"] == "skae default detector"}
    return (f"{auc['breast_cancer clean']:.3f} clean → "
            f"{auc['breast_cancer 5% contaminated']:.3f} with 5% malignant rows")


IMPUTERS = ["AutoEncoderImputer", "missForest recipe", "IterativeImputer", "KNNImputer",
            "SimpleImputer(mean)"]
PATTERNS = ["MCAR 10%", "MCAR 30%", "MCAR 50%", "MNAR"]
# the full run, and the run of MNIST's other MCAR rates
IMPUTATION_RUNS = ["bench_imputation", "bench_imputation-mnist-rates"]


def imputation_summary(*records):
    """The summary rows of the imputation runs (the full run, then more MNIST rates),
    a dataset's patterns in PATTERNS' order."""
    rows = [row for r in records if r is not None for row in r["summary"]]
    datasets = list(dict.fromkeys(row["dataset"] for row in rows))
    return sorted(rows, key=lambda row: (datasets.index(row["dataset"]),
                                         PATTERNS.index(row["pattern"])))


def imputation_cells(*records):
    return {(row["dataset"], row["pattern"], row["imputer"]): row
            for row in imputation_summary(*records)}


def best_other(cell, dataset, pattern):
    rmse = {n: cell[(dataset, pattern, n)]["rmse"] for n in IMPUTERS[1:]
            if (dataset, pattern, n) in cell and cell[(dataset, pattern, n)]["rmse"] is not None}
    best = min(rmse, key=rmse.get)
    return best, rmse[best]


def claim_imputation_images(*records):
    cell, parts = imputation_cells(*records), []
    for dataset in ("digits", "MNIST 10k"):
        rates = [p for p in ("MCAR 10%", "MCAR 30%", "MCAR 50%")
                 if (dataset, p, IMPUTERS[0]) in cell]
        ours = " / ".join(f"{cell[(dataset, p, IMPUTERS[0])]['rmse']:.3f}" for p in rates)
        others = " / ".join("{1:.3f} ({0})".format(*best_other(cell, dataset, p)) for p in rates)
        unrun = sorted({n for p in rates for n in IMPUTERS[1:]
                        if cell.get((dataset, p, n), {}).get("rmse", 0) is None})
        parts.append(f"{dataset} at {' / '.join(p[5:] for p in rates)}: {ours}; best "
                     f"other {others}" + (f" ({' and '.join(unrun)} not run: hours)"
                                          if unrun else ""))
    return "; ".join(parts)


def claim_imputation_tables(r):
    cell = imputation_cells(r)
    parts = []
    for dataset in ("breast_cancer", "wine", "diabetes"):
        name, best = best_other(cell, dataset, "MCAR 30%")
        parts.append(f"{dataset} {cell[(dataset, 'MCAR 30%', IMPUTERS[0])]['rmse'] / best:.2f}x")
    return ", ".join(parts) + " the best other's RMSE"


def claim_imputation_accuracy(r):
    cell = imputation_cells(r)
    return "; ".join(
        f"{d} {cell[(d, 'MCAR 30%', IMPUTERS[0])]['accuracy']:.3f} vs "
        f"{cell[(d, 'MCAR 30%', 'IterativeImputer')]['accuracy']:.3f}"
        for d in ("digits", "breast_cancer"))


def claim_imputation_time(r):
    cell = imputation_cells(r)
    ours = cell[("MNIST 10k", "MCAR 30%", IMPUTERS[0])]["seconds"]
    forest = cell[("MNIST 10k", "MCAR 30%", "missForest recipe")]
    return (f"{duration(ours)} vs {duration(forest['seconds'])}"
            + (" (estimated from a sample of columns)" if forest["estimated"] else ""))


SDA = ["bench_pretraining-1000-1000-1000-sgd-tied-lr0.2",
       "bench_pretraining-1000-1000-1000-sgd-tied-lr0.2-seed1",
       "bench_pretraining-1000-1000-1000-sgd-tied-lr0.2-seed2",
       "bench_pretraining-1000-1000-1000-sgd-random-lr0.2",
       "bench_pretraining-1000-1000-1000-sgd-random-lr0.2-seed1",
       "bench_pretraining-1000-1000-1000-sgd-random-lr0.2-seed2"]

# claim, anchor, target, result files, what the result cell says
CLAIMS = [
    ("the default autoencoder is never worse than PCA on raw data", "PCA",
     "at most 1.01x on tables, 0.55x at k=16 on images", ["bench_vs_pca"], claim_vs_pca),
    ("one-class MNIST outlier detection (Ruff et al. 2018)", "Deep SVDD 0.948",
     "mean AUC at least 0.95, above every contender", ["bench_outliers"],
     claim_outliers_mnist),
    ("outlier detection robust to contaminated training rows", "clean training",
     "lose at most 0.02 AUC", ["bench_outliers"], claim_contamination),
    ("AutoEncoderImputer fills images best", "missForest recipe, KNN",
     "lowest RMSE of five at every MCAR rate", IMPUTATION_RUNS, claim_imputation_images),
    ("AutoEncoderImputer on tables", "best of four imputers", "at most 1.10x at MCAR 30%",
     ["bench_imputation"], claim_imputation_tables),
    ("accuracy through AutoEncoderImputer at MCAR 30%", "IterativeImputer", "at least equal",
     ["bench_imputation"], claim_imputation_accuracy),
    ("AutoEncoderImputer on MNIST 10k at 30% is quicker than the missForest recipe",
     "missForest recipe", "faster", ["bench_imputation"], claim_imputation_time),
    ("default AE(16) beats PCA(16) on MNIST 10k", "PCA", "30% lower MSE",
     ["bench_defaults"], claim_defaults),
    ("swapping PCA for the AE in a digits grid search costs little", "PCA",
     "lose at most 0.02", ["bench_defaults"], claim_grid),
    ("a training step costs about a hand-written torch loop's", "torch loop",
     "1.10x (batch 64), 1.05x (256)", ["bench_overhead", "bench_overhead-check"],
     claim_overhead),
    ("transform as fast as PCA's", "PCA", "within 2x", ["bench_transform"], claim_transform),
    ("float64 transform costs about float32's", "float32", "at most 2x",
     ["bench_transform"], claim_float64),
    ("no copy of the data in a fit", "torch loop", "peak RSS 1.2x", ["bench_memory"],
     claim_memory),
    ("epoch time linear in rows", "10k rows", "within 15%", ["bench_scaling"], claim_scaling),
    ("beats PCA sooner than an MLPRegressor autoencoder", "MLPRegressor", "3x sooner",
     ["bench_time_to_quality"], claim_time_to_quality),
    ("an epoch of the deep MNIST AE on a GPU", "2-core CPU", "0.5 s, 30x", ["bench_gpu"],
     claim_gpu),
    ("linear AE = PCA (Baldi & Hornik 1989), ``init='random'``", "PCA(30) 13.87",
     "equal error, angle < 1°", ["bench_linear_pca"], claim_linear),
    ("deep autoencoder (Hinton & Salakhutdinov 2006)", "3.00 per image", "3.00; stretch 2.65",
     ["bench_hinton-deep-alpha1.5e-05-e600-cpu", "bench_hinton-defaults", "bench_hinton-pca"],
     claim_hinton),
    ("DAE features vs scikit-learn's RBM example", "RBM", "at least the RBM",
     ["bench_rbm_digits"], claim_rbm),
    ("pre-training helps with few labels (600 / 1,000 of 12k)", "random init", "a gain",
     ["bench_pretraining", "bench_pretraining-tied"], claim_few_labels),
    ("about 25% masking is best (Vincent et al. 2010)", "no masking", "a minimum near 0.25",
     ["bench_noise_curve", "bench_noise_curve-1000-1000-1000",
      "bench_noise_curve-1000-1000-1000-ratios-0.4-0.5"], claim_noise),
    ("stacked denoising AE, all MNIST labels (Vincent et al. 2010)", "1.28% error",
     "at most 1.28%", SDA, claim_sda),
    ("filters become localised / oriented with masking (Vincent et al. 2008)", "masking 0",
     "qualitative", ["bench_filters"], claim_filters),
]


def claims_table():
    rows = []
    for claim, anchor, target, names, result in CLAIMS:
        records = [load(name) for name in names]
        if any(r is None for r in records):
            cell = "result file missing: " + ", ".join(
                f"``{n}.json``" for n, r in zip(names, records, strict=True) if r is None)
            rows.append([claim, anchor, target, cell, ""])
            continue
        files = sorted(set(names))
        source = (f"``{script(records[0])}``: "
                  + (", ".join(f"``{n.removeprefix('bench_')}``" for n in files)
                     if len(files) <= 3 else f"{len(files)} files"))
        rows.append([f"{claim} ({source})", anchor, target, result(*records),
                     " / ".join(sorted({device(r) for r in records})) + ", " + wall(records)])
    return list_table(["claim (script: result files)", "anchor", "target", "result",
                       "device, time"], rows, widths=[26, 11, 13, 38, 12])


# --- never worse than PCA ----------------------------------------------------------------

def vs_pca_table():
    r = load("bench_vs_pca")
    if r is None:
        return missing("bench_vs_pca.py")
    summary = r["summary"]
    models = list(dict.fromkeys(row["model"] for row in summary))
    seeds = len({row["seed"] for row in r["rows"]})
    rows = []
    for data in dict.fromkeys(row["data"] for row in summary):
        ks = [row["k"] for row in summary if row["data"] == data and row["model"] == models[0]]
        cells = []
        for model in models:
            cell = {row["k"]: row for row in summary if row["data"] == data
                    and row["model"] == model}
            ratios = " / ".join(ratio(cell[k]["ratio_to_pca"]) for k in ks)
            epochs = [f"{cell[k]['epochs']:.0f}" for k in ks]
            epochs = epochs[0] if len(set(epochs)) == 1 else " / ".join(epochs)
            pca = {k: cell[k]["returned_pca"] for k in ks if cell[k]["returned_pca"]}
            if len(pca) == len(ks) and len(set(pca.values())) == 1:
                pca = f"; PCA {pca[ks[0]]}/{seeds}"
            else:
                pca = "".join(f"; PCA {n}/{seeds} at k={k}" for k, n in pca.items())
            cells.append(f"{ratios} ({epochs}{pca})")
        rows.append([data, " / ".join(map(str, ks)), *cells])
    warnings = sum(row["convergence_warnings"] for row in r["rows"])
    return list_table(["data", "k", *models], rows, widths=[18, 10, 36, 36]) + [
        f"{len(r['rows'])} fits, {warnings} ``ConvergenceWarning``; {wall([r])}; "
        f"``{r['command']}``, {r['date']}.", ""]


def ratio(x):
    return "1.00" if abs(x - 1) < 5e-3 else f"{x:.3f}"


def missing(command):
    return [f"*No result file yet:* ``python benchmarks/{command}`` writes it.", ""]


# --- outliers ----------------------------------------------------------------------------

# Ruff et al. 2018, Table 1: One-Class Deep SVDD's mean AUC per inlier MNIST digit
DEEP_SVDD_MNIST = [.980, .997, .917, .919, .949, .885, .983, .946, .939, .965]
DETECTORS = {"skae default detector": "skae (default)",
             "skae default detector, code_weight=0": "skae, code_weight=0",
             "skae default detector, code_score='lof'": "skae, code_score=\"lof\"",
             "skae DAE detector": "skae over DenoisingAutoEncoder",
             "skae DAE detector, code_weight=0": "skae over DenoisingAutoEncoder, "
                                                 "code_weight=0",
             "LocalOutlierFactor": "LocalOutlierFactor(novelty=True)",
             "PCA(0.7) detector, code_weight=1": "skae over PCA(0.7)",
             "PCA(0.7) detector": "skae over PCA(0.7), code_weight=0",
             "PCA(0.9) detector": "skae over PCA(0.9), code_weight=0",
             "OneClassSVM": "OneClassSVM (2,000 rows)",
             "IsolationForest": "IsolationForest"}


def outlier_tables():
    r = load("bench_outliers")
    if r is None:
        return missing("bench_outliers.py")
    auc = means(r["rows"], lambda row: (row["case"], row["model"]), "auc")
    secs = means(r["rows"], lambda row: (row["case"], row["model"]), "seconds")
    summary = {(row["case"], row["model"]): row for row in r["summary"]}
    mnist = []
    for model, name in DETECTORS.items():
        digits = [auc[(f"one-class MNIST {d}", model)] for d in range(10)]
        seconds = mean(secs[(f"one-class MNIST {d}", model)] for d in range(10))
        mnist.append([name, " / ".join(f"{a:.3f}".lstrip("0") for a in digits),
                      f"{mean(digits):.3f}", f"{seconds:.1f}"])
    svdd = DEEP_SVDD_MNIST
    mnist.append(["One-Class Deep SVDD (published)",
                  " / ".join(f"{a:.3f}".lstrip("0") for a in svdd), f"{mean(svdd):.3f}", ""])
    cases = ["one-class digits", "breast_cancer clean", "breast_cancer 5% contaminated"]
    other = [[name, *(f"{summary[(case, model)]['auc']:.3f}" for case in cases)]
             for model, name in DETECTORS.items()]
    return (["One-class MNIST: AUC per inlier digit 0-9, mean, seconds per digit", ""]
            + list_table(["detector", "0 / 1 / 2 / 3 / 4 / 5 / 6 / 7 / 8 / 9", "mean", "s"],
                         mnist, widths=[24, 52, 8, 6])
            + ["Mean AUC on the other cases", ""]
            + list_table(["detector", "one-class digits", "breast_cancer, clean",
                          "breast_cancer, 5% malignant in training"], other)
            + ["Paired by inlier digit and seed: skae's AUC minus the best contender's "
               "(by mean) in each case, the mean ± its standard error, and the cases won "
               "(tied)", ""]
            + list_table(["image set", "detector", "best contender", "difference", "won"],
                         paired_rows(r["rows"]))
            + [f"{wall([r])}; ``{r['command']}``, {r['date']}.", ""])


def paired(diff):
    """A paired difference's mean and standard error, from its per-case values."""
    diff = np.asarray(diff)
    return diff.mean(), diff.std(ddof=1) / np.sqrt(len(diff))


def paired_rows(rows):
    """For each one-class image set and skae scoring, the paired difference to the best
    contender (the detectors that are not skae's autoencoder) over digits and seeds."""
    out = []
    for images in ("one-class MNIST", "one-class digits"):
        auc = {(row["model"], row["seed"], row["case"]): row["auc"] for row in rows
               if row["case"].startswith(images + " ")}
        cases = sorted({key[1:] for key in auc})
        contenders = {m for m, *_ in auc if not m.startswith("skae")}
        best = max(contenders, key=lambda m: mean(auc[(m, *c)] for c in cases))
        for model in ("skae default detector", "skae default detector, code_score='lof'"):
            diff = np.array([auc[(model, *c)] - auc[(best, *c)] for c in cases])
            mean_diff, se = paired(diff)
            out.append([images, DETECTORS[model], DETECTORS[best],
                        f"{mean_diff:+.4f} ± {se:.4f}",
                        f"{np.sum(diff > 0)} ({np.sum(diff == 0)}) of {len(diff)}"])
    return out


# --- imputation tables (its constants and cells sit with the claims above) -------------


def imputation_tables():
    records = [load(name) for name in IMPUTATION_RUNS]
    if records[0] is None:
        return missing("bench_imputation.py")
    summary = imputation_summary(*records)
    cell = imputation_cells(*records)
    cases = list(dict.fromkeys((row["dataset"], row["pattern"]) for row in summary))
    rows = []
    for dataset, pattern in cases:
        values = {name: cell.get((dataset, pattern, name)) for name in IMPUTERS}
        rmses = {n: v["rmse"] for n, v in values.items() if v and v["rmse"] is not None}
        best = min(rmses, key=rmses.get)
        cells = []
        for name in IMPUTERS:
            v = values[name]
            if v is None:
                cells.append("")
            elif v["rmse"] is None:
                cells.append(f"(~{duration(v['seconds'])} est.)")
            else:
                text = f"{v['rmse']:.3f}"
                cells.append(f"**{text}**" if name == best else text)
        seeds = max(v["seeds"] for v in values.values() if v)
        rows.append([dataset, pattern, seeds, *cells])
    accuracy = [[dataset, *(f"{cell[(dataset, 'MCAR 30%', n)]['accuracy']:.3f}"
                            for n in IMPUTERS)]
                for dataset, pattern in cases
                if pattern == "MCAR 30%" and cell[(dataset, pattern, IMPUTERS[0])]["accuracy"]
                is not None]
    times = [[dataset, *(duration(cell[(dataset, "MCAR 30%", n)]["seconds"])
                         + (" est." if cell[(dataset, "MCAR 30%", n)]["estimated"] else "")
                         for n in IMPUTERS)]
             for dataset, pattern in cases if pattern == "MCAR 30%"]
    return (["RMSE on the removed entries, per-column standard units (lower is better; "
             "the best of a row in bold; mean over the seeds)", ""]
            + list_table(["data", "missing", "seeds", *IMPUTERS], rows)
            + ["Cross-validated accuracy of imputer → StandardScaler → LogisticRegression "
               "at MCAR 30%", ""]
            + list_table(["data", *IMPUTERS], accuracy)
            + ["Fit + transform time at MCAR 30% (mean over the seeds)", ""]
            + list_table(["data", *IMPUTERS], times)
            + [f"{wall([r])}; ``{r['command']}``, {r['date']}." for r in records if r]
            + [""])


def imputation_miss():
    """The benchmarks page's line on the missed digits 10% target, from the full run."""
    r = load(IMPUTATION_RUNS[0])
    if r is None:
        return missing("bench_imputation.py")
    cell = imputation_cells(r)
    name, best = best_other(cell, "digits", "MCAR 10%")
    seeds = {n: [row["rmse"] for row in r["rows"] if row["dataset"] == "digits"
                 and row["pattern"] == "MCAR 10%" and row["imputer"] == n]
             for n in (IMPUTERS[0], name)}
    per_seed = ", ".join(f"{a:.3f} vs {b:.3f}"
                         for a, b in zip(*seeds.values(), strict=True))
    return [f"AutoEncoderImputer {cell[('digits', 'MCAR 10%', IMPUTERS[0])]['rmse']:.3f} vs "
            f"the {name}'s {best:.3f} (per seed {per_seed}; ``{r['command']}``, {r['date']})."
            + imputation_miss_more_seeds()]


# the digits 10% cell again, over more seeds
IMPUTATION_MORE_SEEDS = "bench_imputation-digits-mcar10-10-seeds"


def imputation_miss_more_seeds():
    """A sentence on the digits 10% cell over more seeds, where that run's file exists."""
    r = load(IMPUTATION_MORE_SEEDS)
    if r is None:
        return ""
    rmse = {(row["seed"], row["imputer"]): row["rmse"] for row in r["rows"]}
    seeds = sorted({seed for seed, _ in rmse})
    means = {n: mean(rmse[(s, n)] for s in seeds) for n in IMPUTERS}
    name = min(IMPUTERS[1:], key=means.get)
    diff = np.array([rmse[(s, IMPUTERS[0])] - rmse[(s, name)] for s in seeds])
    mean_diff, se = paired(diff)
    verdict = ("within two standard errors of 0" if abs(mean_diff) < 2 * se else
               f"{'below' if mean_diff < 0 else 'above'} 0 by more than two standard errors")
    return (f" Over {len(seeds)} seeds the mean is {means[IMPUTERS[0]]:.3f} vs the {name}'s "
            f"{means[name]:.3f}, a paired difference of {mean_diff:+.3f} ± {se:.3f} "
            f"(standard error), {verdict}; the autoencoder is lower on {np.sum(diff < 0)} of "
            f"{len(seeds)} (``{r['command']}``, {r['date']}).")


def imputation_figure():
    """RMSE vs missing rate, a panel per dataset with all three MCAR rates, a line per
    imputer (for the benchmarks page's plot directive)."""
    import matplotlib.pyplot as plt

    records = [load(name) for name in IMPUTATION_RUNS]
    if records[0] is None:
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.text(0.5, 0.5, "no result file yet", ha="center")
        return fig
    cell = {key: row["rmse"] for key, row in imputation_cells(*records).items()}
    rates = ["MCAR 10%", "MCAR 30%", "MCAR 50%"]
    datasets = [d for d in dict.fromkeys(key[0] for key in cell)
                if all((d, rate, IMPUTERS[0]) in cell for rate in rates)]
    fig, axes = plt.subplots(1, len(datasets), figsize=(2.8 * len(datasets), 3.2),
                             sharey=True, squeeze=False)
    for ax, dataset in zip(axes.flat, datasets, strict=True):
        for name in IMPUTERS:
            points = [(int(rate[5:-1]), cell.get((dataset, rate, name))) for rate in rates]
            points = [(x, y) for x, y in points if y is not None]
            if points:
                ax.plot(*zip(*points, strict=True), "o-", label=name,
                        color=f"C{IMPUTERS.index(name)}",
                        lw=2.5 if name == IMPUTERS[0] else 1.2)
        ax.set_title(dataset)
        ax.set_xticks([10, 30, 50])
        ax.set_xlabel("entries missing (MCAR, %)")
    axes.flat[0].set_ylabel("RMSE (column std units)")
    legend = {}  # every imputer once, from whichever panel drew it
    for ax in axes.flat:
        legend.update(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    fig.legend([legend[n] for n in IMPUTERS if n in legend], [n for n in IMPUTERS if n in legend],
               loc="lower center", ncol=len(legend), fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def render():
    OUT.mkdir(exist_ok=True)
    for name, lines in {"claims": claims_table(), "vs_pca": vs_pca_table(),
                        "outliers": outlier_tables(),
                        "imputation": imputation_tables(),
                        "imputation_miss": imputation_miss()}.items():
        (OUT / f"{name}.inc").write_text("\n".join(lines) + "\n")
