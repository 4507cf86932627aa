import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import GridSearchCV, KFold

from skae import StackedAutoEncoderClassifier, StackedAutoEncoderRegressor
from skae._data import column_stats
from skae._pretraining import pretrain_stack
from skae._supervised import labelled_mask

FAST = {"hidden_layer_sizes": (32,), "pretrain_max_iter": 3, "max_iter": 10, "learning_rate": 1e-2,
        "random_state": 0, "device": "cpu"}


def test_labelled_mask():
    assert labelled_mask(np.array([1, -1, 0])).tolist() == [True, False, True]
    assert labelled_mask(np.array([1, -1]), None).tolist() == [True, True]
    assert labelled_mask(np.array(["a", "b"])).tolist() == [True, True]


@pytest.mark.parametrize("labels", [["a", "b", "c"], ["aa", "bb", "cc"]])
def test_a_string_array_holding_the_unlabelled_mark_warns(digits, labels):
    X, y = digits
    text = np.array(labels)[y[:60] % 3]
    text[::2] = -1  # numpy writes "-1", or "-" into one-character strings: a class, not a mark
    with pytest.warns(UserWarning, match="it is a class, since a string never marks"):
        clf = StackedAutoEncoderClassifier(**FAST).fit(X[:60], text)
    assert len(clf.classes_) == 4 and labelled_mask(text).all()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*never marks")  # a class meant: silenced
        StackedAutoEncoderClassifier(**{**FAST, "max_iter": 1}, unlabeled_label=None).fit(
            X[:60], text)


def test_unlabelled_label_is_an_int_not_a_bool(digits):
    X, y = digits
    with pytest.raises(ValueError, match="unlabeled_label.*not a bool"):
        StackedAutoEncoderClassifier(unlabeled_label=False, **FAST).fit(X[:50], y[:50])


@pytest.mark.parametrize("pretraining", ["none", "autoencoder", "denoising"])
def test_classifier_predicts_multiclass(digits, pretraining):
    X, y = digits
    clf = StackedAutoEncoderClassifier(**FAST, pretraining=pretraining).fit(X[:500], y[:500])
    assert clf.classes_.tolist() == list(range(10))
    proba = clf.predict_proba(X[500:600])
    assert proba.shape == (100, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    assert clf.score(X[500:800], y[500:800]) > 0.7
    expected_curves = 0 if pretraining == "none" else 1
    assert len(clf.pretrain_loss_curves_) == expected_curves


def test_unlabelled_rows_only_pretrain(digits):
    X, y = digits
    y_few = y[:400].copy()
    y_few[100:] = -1
    clf = StackedAutoEncoderClassifier(**FAST).fit(X[:400], y_few)
    assert -1 not in clf.classes_
    # fine-tuning saw 100 rows per epoch, pre-training all 400
    assert clf.net_.history[-1, "train_batch_count"] == 1
    assert clf.net_.history[-1, "batches"][0]["train_batch_size"] == 100


def test_unlabelled_rows_do_not_enter_the_supervised_loss(digits):
    X, y = digits
    y_few = y[:300].copy()
    y_few[150:] = -1
    params = {**FAST, "pretraining": "none"}
    with_unlabelled = StackedAutoEncoderClassifier(**params).fit(X[:300], y_few)
    labelled_only = StackedAutoEncoderClassifier(**params).fit(X[:300][:150], y[:150])
    # the input standardisation differs (it sees all rows); everything else is equal
    assert with_unlabelled.loss_curve_ != []
    assert len(with_unlabelled.loss_curve_) == len(labelled_only.loss_curve_)


def test_grid_search_over_pretraining(digits):
    X, y = digits
    search = GridSearchCV(StackedAutoEncoderClassifier(**FAST),
                          {"pretraining": ["none", "autoencoder", "denoising"]}, cv=2)
    search.fit(X[:300], y[:300])
    assert len(search.cv_results_["mean_test_score"]) == 3


def test_score_leaves_unlabelled_rows_out(digits):
    # ClassifierMixin.score counted them as errors (and failed on text labels with -1),
    # so GridSearchCV's default scoring of the user guide's recipe was deflated or NaN
    X, y = digits[0][:300], digits[1][:300]
    y_few = y.copy()
    y_few[::3] = -1
    clf = StackedAutoEncoderClassifier(**{**FAST, "pretraining": "none"}).fit(X, y_few)
    labelled = y_few != -1
    expected = np.mean(clf.predict(X[labelled]) == y[labelled])
    assert clf.score(X, y_few) == pytest.approx(expected)
    weights = np.where(np.arange(300) % 2, 1.0, 3.0)
    assert clf.score(X, y_few, sample_weight=weights) == pytest.approx(
        np.average(clf.predict(X[labelled]) == y[labelled], weights=weights[labelled]))
    names = np.array([f"digit {d}" for d in y], dtype=object)
    names[~labelled] = -1
    text = StackedAutoEncoderClassifier(**{**FAST, "pretraining": "none"}).fit(X, names)
    assert 0 < text.score(X, names) <= 1
    with pytest.raises(ValueError, match="only unlabelled rows"):
        clf.score(X[:5], np.full(5, -1))
    # (a stratified cv cannot sort text mixed with -1: scikit-learn's limit)
    search = GridSearchCV(StackedAutoEncoderClassifier(**FAST), {"pretraining": ["none"]},
                          cv=KFold(2))
    assert np.isfinite(search.fit(X, names).cv_results_["mean_test_score"]).all()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.score(X, y_few[:150])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.score(X, y_few, sample_weight=weights[:10])


def test_classifier_repeats_bit_for_bit(digits):
    X, y = digits
    a = StackedAutoEncoderClassifier(**FAST).fit(X[:200], y[:200])
    b = StackedAutoEncoderClassifier(**FAST).fit(X[:200], y[:200])
    assert np.array_equal(a.predict_proba(X[:50]), b.predict_proba(X[:50]))


def test_cross_entropy_pretraining_on_unit_interval_data(digits):
    X, y = digits
    clf = StackedAutoEncoderClassifier(**FAST, activation="sigmoid",
                                       reconstruction_loss="cross_entropy")
    clf.fit(X[:200] / 16, y[:200])
    assert all(np.isfinite(c).all() for c in clf.pretrain_loss_curves_)


@pytest.mark.parametrize("X_scale, activation, match", [
    (1.0, "sigmoid", r"X in \[0, 1\]"), (1 / 16, "relu", "activation='sigmoid'")])
def test_cross_entropy_needs_unit_data_and_sigmoid(digits, X_scale, activation, match):
    X, y = digits
    clf = StackedAutoEncoderClassifier(**FAST, activation=activation,
                                       reconstruction_loss="cross_entropy")
    with pytest.raises(ValueError, match=match):
        clf.fit(X[:100] * X_scale, y[:100])


def test_text_labels_with_an_integer_unlabelled_marker(digits):
    X, y = digits
    text = np.array(list("abcdefghij"), dtype=object)[y[:200]]
    text[::4] = -1  # SelfTrainingClassifier's convention, in an object array of text
    clf = StackedAutoEncoderClassifier(**FAST).fit(X[:200], text)
    assert clf.classes_.tolist() == list("abcdefghij")
    assert set(clf.predict(X[:50])) <= set("abcdefghij")


def test_only_unlabelled_rows_is_an_error(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="only unlabelled"):
        StackedAutoEncoderClassifier(**FAST).fit(X[:50], -np.ones(50, dtype=int))


def test_single_class_after_removing_unlabelled_is_an_error(digits):
    X, _ = digits
    y = np.r_[np.zeros(25, dtype=int), -np.ones(25, dtype=int)]
    with pytest.raises(ValueError, match="at least 2 classes"):
        StackedAutoEncoderClassifier(**FAST).fit(X[:50], y)
    y = np.r_[np.ones(25, dtype=int), -np.ones(25, dtype=int)]  # SVM-style labels {-1, 1}
    with pytest.raises(ValueError, match=r"got 1 class \(1\)\. 25 row\(s\) labelled -1 were "
                                         r"left out as unlabelled; pass unlabeled_label=None"):
        StackedAutoEncoderClassifier(**FAST).fit(X[:50], y)
    clf = StackedAutoEncoderClassifier(unlabeled_label=None, **FAST).fit(X[:50], y)
    assert clf.classes_.tolist() == [-1, 1]


def test_regressor_single_and_multi_output():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    Y = np.c_[X[:, 0] * 3 + 100, X[:, 1] - X[:, 2]]
    reg = StackedAutoEncoderRegressor(**{**FAST, "max_iter": 60})
    assert reg.fit(X, Y[:, 0]).predict(X).shape == (300,)
    assert reg.score(X, Y[:, 0]) > 0.9
    assert reg.fit(X, Y).predict(X).shape == (300, 2)
    assert reg.score(X, Y) > 0.8


def test_regressor_targets_as_mlp_regressor_takes_them():
    X = np.random.default_rng(0).normal(size=(60, 3))
    for bad, match in ((None, "y contains NaN"), (np.inf, "y contains infinity")):
        y = X[:, 0].astype(object)
        y[3] = bad
        with pytest.raises(ValueError, match=match):
            StackedAutoEncoderRegressor(**FAST).fit(X, y)
    with pytest.warns(DataConversionWarning, match="column-vector y") as record:
        reg = StackedAutoEncoderRegressor(**FAST).fit(X, X[:, :1])
    assert record[0].filename == __file__
    assert reg.n_outputs_ == 1 and reg.predict(X).shape == (60,)


def test_regressor_predicts_in_float64_whatever_x():
    # the targets' mean and scale are float64: float32 would round 1e8 + y to steps of 8
    X = np.random.default_rng(0).normal(size=(60, 3))
    reg = StackedAutoEncoderRegressor(**FAST).fit(X, X[:, 0] + 1e8)
    predicted = reg.predict(X.astype(np.float32))
    assert predicted.dtype == np.float64
    np.testing.assert_allclose(predicted, reg.predict(X), atol=1e-3)
    assert len(np.unique(predicted)) == 60


def test_regressor_leaves_global_rng_alone():
    torch.manual_seed(5)
    state = torch.get_rng_state()
    X = np.random.default_rng(0).normal(size=(50, 3))
    StackedAutoEncoderRegressor(**FAST).fit(X, X[:, 0])
    assert torch.equal(torch.get_rng_state(), state)


def test_tied_pretraining_decodes_with_the_encoders_transpose(digits):
    X, _ = digits
    X = (X[:300] / 16).astype(np.float32)
    clf = StackedAutoEncoderClassifier(**{**FAST, "hidden_layer_sizes": (16, 8)},
                                       tied_weights=True)
    stats = column_stats(X)
    layers, _ = pretrain_stack(X, (16, 8), clf._build_config(), stats=stats,
                               mean=stats["mean"], scale=1.0, top_activation="relu",
                               device=torch.device("cpu"), seed=0)
    for layer in layers:
        encoder, decoder = layer.encoder[0], layer.decoder[0]
        assert [p for p in decoder.parameters() if p is encoder.weight]  # shared, not copied
        code = torch.rand(5, encoder.out_features)
        with torch.no_grad():
            expected = code @ encoder.weight + decoder.bias
            torch.testing.assert_close(decoder(code), expected)
    # untied layers have a decoder matrix of their own
    plain = clone(clf).set_params(tied_weights=False, pretraining="autoencoder",
                                  hidden_layer_sizes=(16,))
    untied, _ = pretrain_stack(X, (16,), plain._build_config(), stats=stats,
                               mean=stats["mean"], scale=1.0, top_activation="relu",
                               device=torch.device("cpu"), seed=0)
    assert isinstance(untied[0].decoder[0], torch.nn.Linear)


def test_tied_pretraining_changes_the_start_and_repeats(digits):
    X, y = digits
    tied = StackedAutoEncoderClassifier(**{**FAST, "max_iter": 1}, tied_weights=True)
    a = tied.fit(X[:300], y[:300]).module_.hidden[1].weight.detach().clone()
    b = clone(tied).fit(X[:300], y[:300]).module_.hidden[1].weight
    untied = StackedAutoEncoderClassifier(**{**FAST, "max_iter": 1}).fit(X[:300], y[:300])
    assert torch.equal(a, b)
    assert not torch.equal(a, untied.module_.hidden[1].weight)
    # random initialisation has no decoder to tie: the parameter changes nothing
    none = {**FAST, "pretraining": "none"}
    p = StackedAutoEncoderClassifier(**none, tied_weights=True).fit(X[:300], y[:300])
    q = StackedAutoEncoderClassifier(**none).fit(X[:300], y[:300])
    assert np.array_equal(p.predict_proba(X[:50]), q.predict_proba(X[:50]))


def test_tied_weights_must_be_boolean(digits):
    X, y = digits
    with pytest.raises(ValueError, match="tied_weights"):
        StackedAutoEncoderClassifier(**FAST, tied_weights="yes").fit(X[:50], y[:50])


def test_each_pretrained_layer_gets_its_own_noise_ratio(digits):
    X, _ = digits
    X = (X[:200] / 16).astype(np.float32)
    clf = StackedAutoEncoderClassifier(**{**FAST, "hidden_layer_sizes": (16, 8, 4)},
                                       noise_ratio=[0.1, 0.2, 0.3])
    stats = column_stats(X)
    layers, _ = pretrain_stack(X, (16, 8, 4), clf._build_config(), stats=stats,
                               mean=stats["mean"], scale=1.0, top_activation="relu",
                               device=torch.device("cpu"), seed=0)
    assert [layer.corruption.ratio for layer in layers] == pytest.approx([0.1, 0.2, 0.3])


def test_a_noise_ratio_per_layer_equal_to_one_level_changes_nothing(digits):
    X, y = digits
    params = {**FAST, "hidden_layer_sizes": (32, 16), "max_iter": 2}
    one = StackedAutoEncoderClassifier(**params, noise_ratio=0.25).fit(X[:300], y[:300])
    per_layer = StackedAutoEncoderClassifier(**params, noise_ratio=[0.25, 0.25])
    np.testing.assert_array_equal(per_layer.fit(X[:300], y[:300]).predict_proba(X),
                                  one.predict_proba(X))


@pytest.mark.parametrize("noise_ratio", [(0.1,), (0.1, 0.2, 0.3), [[0.1, 0.2]], (0.1, -0.2),
                                         (0.1, 1.0), (0.1, float("nan")), ("a", "b")])
def test_bad_noise_ratio_per_layer_is_named(digits, noise_ratio):
    X, y = digits
    clf = StackedAutoEncoderClassifier(**{**FAST, "hidden_layer_sizes": (8, 4)},
                                       noise_ratio=noise_ratio)
    with pytest.raises(ValueError, match="noise_ratio"):
        clf.fit(X[:50], y[:50])
