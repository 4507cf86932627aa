import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

import skae
from skae import (
    AutoEncoderTransformer,
    DenoisingAutoEncoder,
    StackedAutoEncoder,
    StackedAutoEncoderClassifier,
)

FAST = {"max_iter": 3, "random_state": 0, "device": "cpu"}


@pytest.mark.parametrize("make", [
    lambda: AutoEncoderTransformer(4, hidden_layer_sizes=(16,), **FAST),
    lambda: DenoisingAutoEncoder(4, hidden_layer_sizes=(16,), **FAST),
    lambda: StackedAutoEncoder(4, hidden_layer_sizes=(16,), pretrain_max_iter=2, **FAST),
])
def test_joblib_round_trip_in_a_fresh_process_gives_identical_codes(tmp_path, digits, make):
    X, _ = digits
    est = make().fit(X[:200])
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    np.save(tmp_path / "X.npy", X[:50])
    code = (
        "import joblib, numpy as np, sys; "
        f"est = joblib.load({str(path)!r}); "
        f"np.save(sys.argv[1], est.transform(np.load({str(tmp_path / 'X.npy')!r})))"
    )
    out = tmp_path / "codes.npy"
    subprocess.run([sys.executable, "-c", code, str(out)], check=True)
    assert np.array_equal(np.load(out), est.transform(X[:50]))


def test_classifier_pickles(digits):
    X, y = digits
    clf = StackedAutoEncoderClassifier((16,), pretrain_max_iter=1, **FAST).fit(X[:200], y[:200])
    clone = pickle.loads(pickle.dumps(clf))
    assert np.array_equal(clone.predict_proba(X[:20]), clf.predict_proba(X[:20]))


def test_version_is_stored_and_a_mismatch_warns(small, monkeypatch):
    est = AutoEncoderTransformer(2, hidden_layer_sizes=(4,), **FAST).fit(small)
    blob = pickle.dumps(est)
    assert est.__getstate__()["_skae_version"] == skae.__version__
    monkeypatch.setattr("skae._base.__version__", "999.0")
    with pytest.warns(UserWarning, match="pickled with skae 0.1.0 and is loaded with skae 999.0"):
        pickle.loads(blob)


def test_a_version_mismatch_warns_for_the_public_fitted_estimators_only(small, monkeypatch):
    X = small.copy()
    X[::3, 1] = np.nan
    blobs = {
        ("AutoEncoderImputer",): skae.AutoEncoderImputer(hidden_layer_sizes=(4,), **FAST).fit(X),
        ("ReconstructionOutlierDetector",): skae.ReconstructionOutlierDetector(PCA(2)).fit(small),
        ("AutoEncoderTransformer", "ReconstructionOutlierDetector"):
            skae.ReconstructionOutlierDetector(AutoEncoderTransformer(2, **FAST)).fit(small),
        (): skae.AutoEncoderImputer(),  # unfitted: nothing learned to change
    }
    blobs = {names: pickle.dumps(est) for names, est in blobs.items()}
    monkeypatch.setattr("skae._base.__version__", "999.0")
    for names, blob in blobs.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pickle.loads(blob)
        # the imputer's private autoencoder is not named: the imputer warns for it
        assert [str(w.message).split()[1] for w in caught if "skae 999.0" in str(w.message)] \
            == list(names)


def test_refitting_leaves_no_state_from_the_previous_fit(small):
    est = AutoEncoderTransformer(2, hidden_layer_sizes=(4,), **FAST).fit(small)
    first = est.net_
    est.fit(small[:, :5])
    assert est.net_ is not first and est.n_features_in_ == 5


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_fitted_model_loads_on_cpu(tmp_path, small):
    est = AutoEncoderTransformer(2, hidden_layer_sizes=(4,), max_iter=3, random_state=0,
                                 device="cuda").fit(small)
    path = tmp_path / "gpu.pkl"
    path.write_bytes(pickle.dumps(est))
    code = ("import pickle, torch; torch.cuda.is_available = lambda: False; "
            f"est = pickle.loads(open({str(path)!r}, 'rb').read()); "
            "assert next(est.module_.parameters()).device.type == 'cpu'")
    subprocess.run([sys.executable, "-c", code], check=True)


ALL = [
    lambda: AutoEncoderTransformer(4, hidden_layer_sizes=(16,), early_stopping=True, **FAST),
    lambda: AutoEncoderTransformer(4, hidden_layer_sizes=(), activation="identity",
                                   solver="lbfgs", **FAST),
    lambda: DenoisingAutoEncoder(4, hidden_layer_sizes=(16,), tied_weights=True, **FAST),
    lambda: DenoisingAutoEncoder(4, hidden_layer_sizes=(16,), solver="sgd", learning_rate=0.01,
                                 **FAST),
    lambda: StackedAutoEncoder(4, hidden_layer_sizes=(16,), pretrain_max_iter=2, **FAST),
    lambda: StackedAutoEncoderClassifier((16,), pretrain_max_iter=1, **FAST),
]


def _outputs(est, X):
    return est.transform(X) if hasattr(est, "transform") else est.predict_proba(X)


@pytest.mark.parametrize("make", ALL)
def test_skops_round_trip_trusting_only_the_skae_class(digits, make):
    sio = pytest.importorskip("skops.io")
    X, y = digits[0][:200], digits[1][:200]
    est = make().fit(X, y)
    blob = sio.dumps(est)
    # the weights travel as arrays: nothing but the estimator's own class needs trusting
    untrusted = sio.get_untrusted_types(data=blob)
    assert untrusted == [f"{type(est).__module__}.{type(est).__name__}"]
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.loads(blob)
    restored = sio.loads(blob, trusted=untrusted)
    np.testing.assert_array_equal(_outputs(restored, X), _outputs(est, X))
    assert restored.loss_curve_ == est.loss_curve_


@pytest.mark.parametrize("make", ALL[:4])
def test_training_continues_after_unpickling_exactly_as_without(digits, make):
    # optimiser state, history and seeds come back: warm-started training repeats bit for bit
    X = digits[0][:200]
    est = make().fit(X)
    copy = pickle.loads(pickle.dumps(est))
    est.set_params(warm_start=True, max_iter=2).fit(X)
    copy.set_params(warm_start=True, max_iter=2).fit(X)
    np.testing.assert_array_equal(copy.transform(X), est.transform(X))
    assert copy.n_iter_ == est.n_iter_


@pytest.mark.parametrize("noise", ["gaussian", "salt_and_pepper"])
def test_loaded_corruption_keeps_its_column_statistics(noise):
    # the std, min and max buffers were once rebuilt on one shared array, so loading
    # wrote the maxima into all three and a loaded model trained on other noise
    X = np.random.default_rng(0).normal([0, 10, -5], [1, 3, 0.1], size=(60, 3))
    est = DenoisingAutoEncoder(2, hidden_layer_sizes=(4,), noise=noise, **FAST).fit(X)
    copy = pickle.loads(pickle.dumps(est))
    for name, buffer in est.module_.corruption.named_buffers():
        np.testing.assert_array_equal(getattr(copy.module_.corruption, name), buffer)
    est.set_params(warm_start=True, max_iter=2).fit(X)
    copy.set_params(warm_start=True, max_iter=2).fit(X)
    assert copy.loss_curve_ == est.loss_curve_


@pytest.mark.parametrize("make, expected", [
    (lambda: skae.AutoEncoderImputer(hidden_layer_sizes=(16,), add_indicator=True, **FAST),
     ["skae._imputer.AutoEncoderImputer", "skae._imputer._ImputingAutoEncoder"]),
    (lambda: skae.ReconstructionOutlierDetector(random_state=0),
     ["skae._autoencoder.AutoEncoderTransformer", "skae._outliers.ReconstructionOutlierDetector"]),
    (lambda: skae.ReconstructionOutlierDetector(PCA(5), code_score="lof"),
     ["skae._outliers.ReconstructionOutlierDetector"]),
])
def test_skops_round_trip_of_the_meta_estimators_trusts_skae_classes_only(digits, make,
                                                                         expected):
    # the imputer's network and the detector's neighbour index (a KDTree, rebuilt on
    # load from its rows) bring no type from outside skae
    sio = pytest.importorskip("skops.io")
    X = digits[0][:300].copy()
    X[::4, 20:30] = np.nan
    est = make()
    X_fit = X if isinstance(est, skae.AutoEncoderImputer) else digits[0][:300]
    est.fit(X_fit)
    blob = sio.dumps(est)
    assert sorted(sio.get_untrusted_types(data=blob)) == expected
    restored = sio.loads(blob, trusted=expected)
    for method in ("transform", "score_samples", "predict"):
        if hasattr(est, method):
            np.testing.assert_array_equal(getattr(restored, method)(X_fit),
                                          getattr(est, method)(X_fit))
