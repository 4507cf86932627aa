"""Does reconstruction error find outliers? ROC AUC against scikit-learn's detectors.

(a) One-class MNIST, the protocol of Ruff et al. 2018 (Deep SVDD): train on one digit's
training images (pixels/255), score all 10,000 test images, that digit = inlier; all ten
digits. (b) The same on scikit-learn's digits, split 50/50 (stratified, by the seed).
(c) breast_cancer: benign rows are inliers, malignant outliers; each class split 50/50
by the seed; trained on the benign half, clean and with malignant rows mixed in to make
5% of the training rows (contaminated); tested on the other halves. Tables are
standardised on the training rows for every contender; images are used as they come.

Contenders, in the same run: IsolationForest, OneClassSVM (gamma="scale", fitted on at
most 2,000 training rows), LocalOutlierFactor(novelty=True), and skae's
ReconstructionOutlierDetector over PCA(0.9) and over PCA(0.7) (the default's width) by
reconstruction error alone (code_weight=0: the classic baseline), over PCA(0.7) with the
code's distance (code_weight=1), at its defaults (AutoEncoderTransformer with PCA(0.7)'s
number of components, starting at that PCA; code_weight=1), that with code_weight=0 and with
code_score="lof" (the error times the code's local outlier factor), and over
DenoisingAutoEncoder with the same width, also with code_weight=0.
Reported: ROC AUC (inliers positive, scored by decision_function), the mean over cases,
and fit+score seconds.

Targets (issue 28): mean one-class MNIST AUC at least 0.95 and above every contender;
the same ranking on digits; contaminated breast_cancer at most 0.02 below clean.

    python benchmarks/bench_outliers.py [--quick] [--data PATH] [--seeds N]
"""

import numpy as np
from _common import load_mnist, parser, positive_int, print_table, timed, write_results
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

from skae import DenoisingAutoEncoder, ReconstructionOutlierDetector
from skae._outliers import DEFAULT_VARIANCE

SVM_ROWS = 2000


class Subsampled(OneClassSVM):
    """OneClassSVM fitted on at most SVM_ROWS training rows (its fit is quadratic)."""

    def fit(self, X, y=None):
        rows = np.random.default_rng(0).permutation(len(X))[:SVM_ROWS]
        return super().fit(np.asarray(X)[np.sort(rows)])


def contenders(X_train, seed, device):
    k = PCA(DEFAULT_VARIANCE, svd_solver="full").fit(X_train).n_components_
    k = int(min(k, X_train.shape[1] - 1))
    return {
        "IsolationForest": IsolationForest(random_state=seed),
        "OneClassSVM": Subsampled(gamma="scale"),
        "LocalOutlierFactor": LocalOutlierFactor(novelty=True),
        "PCA(0.9) detector": ReconstructionOutlierDetector(PCA(0.9, svd_solver="full"),
                                                           code_weight=0),
        "PCA(0.7) detector": ReconstructionOutlierDetector(
            PCA(DEFAULT_VARIANCE, svd_solver="full"), code_weight=0),
        "PCA(0.7) detector, code_weight=1": ReconstructionOutlierDetector(
            PCA(DEFAULT_VARIANCE, svd_solver="full"), code_weight=1),
        "skae default detector": ReconstructionOutlierDetector(random_state=seed),
        "skae default detector, code_weight=0": ReconstructionOutlierDetector(
            random_state=seed, code_weight=0),
        "skae default detector, code_score='lof'": ReconstructionOutlierDetector(
            random_state=seed, code_score="lof"),
        "skae DAE detector": ReconstructionOutlierDetector(
            DenoisingAutoEncoder(k, random_state=seed, device=device)),
        "skae DAE detector, code_weight=0": ReconstructionOutlierDetector(
            DenoisingAutoEncoder(k, random_state=seed, device=device), code_weight=0),
    }


def score_case(case, X_train, X_test, inlier, seed, device, scale=False):
    rows = []
    for name, model in contenders(X_train, seed, device).items():
        if scale:
            model = make_pipeline(StandardScaler(), model)
        (_, fit_s) = timed(model.fit, X_train)
        decision, score_s = timed(model.decision_function, X_test)
        rows.append({"case": case, "seed": seed, "model": name,
                     "auc": float(roc_auc_score(inlier, decision)), "seconds": fit_s + score_s})
    return rows


def one_class(case, X_train, y_train, X_test, y_test, classes, seed, device):
    rows = []
    for c in classes:
        rows += score_case(f"{case} {c}", X_train[y_train == c], X_test, y_test == c,
                           seed, device)
    return rows


def breast_cancer(seed, device, share=0.05):
    X, y = load_breast_cancer(return_X_y=True)
    halves = {}
    for label in (0, 1):  # 0: malignant, 1: benign
        halves[label] = train_test_split(X[y == label], test_size=0.5, random_state=seed)
    (benign_train, benign_test), (malignant_train, malignant_test) = halves[1], halves[0]
    X_test = np.vstack([benign_test, malignant_test])
    inlier = np.r_[np.ones(len(benign_test)), np.zeros(len(malignant_test))]
    n_mixed = int(round(share * len(benign_train) / (1 - share)))
    mixed = np.vstack([benign_train, malignant_train[:n_mixed]])
    return (score_case("breast_cancer clean", benign_train, X_test, inlier, seed, device, True)
            + score_case("breast_cancer 5% contaminated", mixed, X_test, inlier, seed, device,
                         True))


def summarise(rows):
    """Mean AUC and seconds of each model over seeds, per case family."""
    groups = {}
    for r in rows:
        family = r["case"].rsplit(" ", 1)[0] if r["case"][-1].isdigit() else r["case"]
        groups.setdefault((family, r["model"]), []).append(r)
    return [{"case": family, "model": model,
             "auc": float(np.mean([r["auc"] for r in g])),
             "worst_auc": float(np.min([r["auc"] for r in g])),
             "seconds": float(np.mean([r["seconds"] for r in g]))}
            for (family, model), g in groups.items()]


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", type=positive_int, default=None, help="seeds (3; --quick: 1)")
    args = p.parse_args()
    seeds = range(args.seeds or (1 if args.quick else 3))
    rows = []
    digits = load_digits()
    for seed in seeds:
        rows += breast_cancer(seed, args.device)
        Xd_train, Xd_test, yd_train, yd_test = train_test_split(
            digits.data, digits.target, test_size=0.5, stratify=digits.target,
            random_state=seed)
        rows += one_class("one-class digits", Xd_train, yd_train, Xd_test, yd_test,
                          (0, 8) if args.quick else range(10), seed, args.device)
        if not args.quick:
            X_train, y_train, X_test, y_test = load_mnist(args.data)
            rows += one_class("one-class MNIST", X_train, y_train, X_test, y_test, range(10),
                              seed, args.device)
    summary = summarise(rows)
    print_table(summary, ["case", "model", "auc", "worst_auc", "seconds"])
    print("wrote", write_results("bench_outliers", args, rows, {"summary": summary}))


if __name__ == "__main__":
    main()
