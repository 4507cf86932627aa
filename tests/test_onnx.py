import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import AutoEncoderTransformer, DenoisingAutoEncoder, StackedAutoEncoder

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")

from skae.onnx import register_converters  # noqa: E402

FAST = {"max_iter": 3, "random_state": 0, "device": "cpu"}


def run(onx, X):
    session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})


@pytest.mark.parametrize("est", [
    AutoEncoderTransformer(6, hidden_layer_sizes=(32, 16), activation="tanh", **FAST),
    DenoisingAutoEncoder(80, **FAST),
    DenoisingAutoEncoder(100, code_activation="sigmoid", tied_weights=True, **FAST),
    StackedAutoEncoder(6, hidden_layer_sizes=(32,), activation="sigmoid",
                       pretrain_max_iter=2, **FAST),
    StackedAutoEncoder(6, hidden_layer_sizes=(32,), code_activation="sigmoid",
                       tied_weights=True, pretrain_max_iter=2, **FAST),
])
def test_onnx_encoder_matches_transform(digits, est):
    register_converters()
    X = digits[0].astype(np.float32)
    est.fit(X)
    onx = skl2onnx.to_onnx(est, X[:1])
    np.testing.assert_allclose(run(onx, X)[0], est.transform(X), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("est", [
    AutoEncoderTransformer(4, hidden_layer_sizes=(16,), **FAST),
    StackedAutoEncoder(4, hidden_layer_sizes=(16,), pretrain_max_iter=2, **FAST),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onnx_encoder_fills_missing_entries_as_transform_does(digits, est, dtype):
    register_converters()
    X = digits[0][:200].astype(dtype)
    est.fit(X)
    X[0, 5] = X[3, 10] = np.nan
    out = run(skl2onnx.to_onnx(est, X[:1]), X)[0]
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, est.transform(X), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onnx_encoder_fills_missing_entries_of_a_cross_entropy_model(digits, dtype):
    # such a model does not standardise: a missing entry enters at its column's mean
    register_converters()
    X = (digits[0][:200] / 16).astype(dtype)
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(16,), activation="sigmoid",
                                 reconstruction_loss="cross_entropy", **FAST).fit(X)
    X[0, 20] = X[3, 10] = np.nan
    out = run(skl2onnx.to_onnx(est, X[:1]), X)[0]
    np.testing.assert_allclose(out, est.transform(X), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("activation", ["identity", "relu"])
def test_onnx_encoder_casts_integer_input_to_float(digits, activation):
    register_converters()
    X = digits[0][:200].astype(np.int64)
    est = AutoEncoderTransformer(4, hidden_layer_sizes=(16,), activation=activation,
                                 **FAST).fit(X)
    out = run(skl2onnx.to_onnx(est, X[:1]), X)[0]  # was int64 zeros (the weights truncated)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, est.transform(X), atol=1e-4, rtol=1e-4)


def test_onnx_pipeline_scaler_autoencoder_logistic(digits):
    register_converters()
    X, y = digits[0].astype(np.float32), digits[1]
    pipe = make_pipeline(StandardScaler(), AutoEncoderTransformer(8, **FAST),
                         LogisticRegression(max_iter=500)).fit(X, y)
    labels, probabilities = run(skl2onnx.to_onnx(pipe, X[:1], options={"zipmap": False}), X)
    assert (labels == pipe.predict(X)).mean() > 0.99
    np.testing.assert_allclose(probabilities, pipe.predict_proba(X), atol=1e-4)


def test_onnx_float64_graph_matches_transform_far_from_zero():
    # the graph takes mean_ in float64; transform's float64 path took its float32 rounding,
    # 1e-2 off here
    register_converters()
    rng = np.random.default_rng(0)
    X = 1e6 + rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5))
    est = AutoEncoderTransformer(2, hidden_layer_sizes=(8,), early_stopping=False,
                                 **FAST).fit(X)
    np.testing.assert_allclose(run(skl2onnx.to_onnx(est, X[:1]), X)[0], est.transform(X),
                               atol=1e-9)


def test_onnx_refuses_a_dataframe_given_as_one_input_per_column():
    # skl2onnx makes one input per column of a DataFrame; reading the first alone was wrong
    pd = pytest.importorskip("pandas")
    register_converters()
    X = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    frame = pd.DataFrame(X, columns=list("abcd"))
    est = AutoEncoderTransformer(2, **FAST).fit(frame)
    with pytest.raises(RuntimeError, match="at most 1 input"):  # as for PCA
        skl2onnx.to_onnx(est, frame[:1])
    np.testing.assert_allclose(run(skl2onnx.to_onnx(est, X[:1]), X)[0], est.transform(frame),
                               atol=1e-5)
