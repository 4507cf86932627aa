import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from skae import AutoEncoderImputer, AutoEncoderTransformer, ReconstructionOutlierDetector
from skae.plotting import (
    first_layer_weights,
    plot_comparison,
    plot_embedding,
    plot_feature_errors,
    plot_filters,
    plot_loss_curve,
    plot_reconstructions,
)

pytest.importorskip("matplotlib")

FAST = {"max_iter": 3, "random_state": 0, "device": "cpu"}


@pytest.fixture(autouse=True)
def _agg():
    import matplotlib

    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_comparison_without_loss_curves_draws_no_empty_panel():
    X = load_digits().data
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "No artists with labels" from an empty legend
        fig = plot_comparison({"PCA": PCA(8).fit(X)}, X, n_images=4)
    assert len(fig.axes) == 2 * 4  # originals and PCA's reconstructions, nothing else


def test_comparison_draws_the_loss_curves_of_trained_models():
    X = load_digits().data[:300]
    ae = AutoEncoderTransformer(4, init="random", max_iter=3, early_stopping=False,
                                random_state=0).fit(X)
    fig = plot_comparison({"PCA": PCA(4).fit(X), "AE": ae}, X, n_images=3)
    assert len(fig.axes) == 3 * 3 + 1
    (line,) = fig.axes[-1].get_lines()
    np.testing.assert_allclose(line.get_ydata(), ae.loss_curve_)



def test_filters_and_loss_curve_of_an_imputer_and_a_detector():
    X = load_digits().data[:200]
    imputer = AutoEncoderImputer(hidden_layer_sizes=(16,), **FAST).fit(X)
    detector = ReconstructionOutlierDetector(random_state=0).fit(X)
    for fitted, inner in ((imputer, imputer.autoencoder_), (detector, detector.estimator_)):
        assert len(plot_filters(fitted, (8, 8), n_filters=4).axes) == 4
        lines = {line.get_label(): line for line in plot_loss_curve(fitted).axes[0].get_lines()}
        np.testing.assert_allclose(lines["training loss"].get_ydata(), inner.loss_curve_)
    with pytest.raises(TypeError, match="PCA has no trained network"):
        plot_filters(PCA(4).fit(X), (8, 8))
    with pytest.raises(ValueError, match="n_filters == 0, must be >= 1"):
        plot_filters(imputer, (8, 8), n_filters=0)
    with pytest.raises(TypeError, match="n_filters must be an instance of int"):
        plot_filters(imputer, (8, 8), n_filters=2.5)
    for shape in ((7, 7), 64, (4, 4, 4)):
        with pytest.raises(ValueError, match=r"is no 2-d shape of a row's 64 values"):
            plot_filters(imputer, shape)
    assert len(plot_filters(imputer, (8, -1), n_filters=2).axes) == 2  # as numpy reshapes
    assert plot_loss_curve(imputer).axes[0].get_title() == "AutoEncoderImputer"


def test_corrupted_row_needs_a_corruption():
    X = load_digits().data[:100]
    ae = AutoEncoderTransformer(4, **FAST).fit(X)
    with pytest.raises(ValueError, match="AutoEncoderTransformer has no corruption"):
        plot_reconstructions(ae, X, (8, 8), show_corrupted=True)


def test_validation_loss_of_the_epochs_that_have_one():
    X = load_digits().data[:200]
    ae = AutoEncoderTransformer(4, init="random", early_stopping=False, warm_start=True,
                                **FAST).fit(X)
    ae.set_params(early_stopping=True, max_iter=2).fit(X)  # validation from epoch 4 on
    lines = {line.get_label(): line for line in plot_loss_curve(ae).axes[0].get_lines()}
    assert lines["validation loss"].get_xdata().tolist() == [4, 5]


def test_embedding_colours_text_labels_as_classes():
    X, y = load_digits(return_X_y=True)
    ae = AutoEncoderTransformer(2, **FAST).fit(X[:200])
    fig = plot_embedding(ae, X[:200], np.array(["even", "odd"])[y[:200] % 2])
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert labels == ["even", "odd"]


def test_feature_errors_need_arrays_of_one_length():
    with pytest.raises(ValueError, match="the same length; got the lengths of no model"):
        plot_feature_errors({})
    with pytest.raises(ValueError, match=r"'PCA': 2, 'AE': 3"):
        plot_feature_errors({"PCA": [0.1, 0.2], "AE": [0.1, 0.2, 0.3]})
    with pytest.raises(ValueError, match=r"one 1-d array per model.*'AE': \(2, 3\)"):
        plot_feature_errors({"AE": np.ones((2, 3))})
    with pytest.raises(TypeError, match="must be a dict"):
        plot_feature_errors([[0.1, 0.2]])


def test_rows_keep_their_type_and_counts_are_checked():
    # a model fitted on a DataFrame is given the DataFrame's rows (no feature-name warning)
    pd = pytest.importorskip("pandas")
    X = load_digits().data[:100]
    frame = pd.DataFrame(X, columns=[f"p{j}" for j in range(64)])
    ae = AutoEncoderTransformer(4, **FAST).fit(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(plot_reconstructions(ae, frame, (8, 8), n_images=3).axes) == 6
        plot_comparison({"AE": ae}, frame, n_images=3)
    for plot in (lambda n: plot_reconstructions(ae, X, (8, 8), n_images=n),
                 lambda n: plot_comparison({"AE": ae}, X, n_images=n)):
        with pytest.raises(ValueError, match="n_images == -3, must be >= 1"):
            plot(-3)  # was the last rows, as a slice from the end
        with pytest.raises(TypeError, match="n_images must be an instance of int, not bool"):
            plot(True)


def test_filters_of_a_model_that_is_pca_are_its_components():
    # a branch that adds nothing has untrained weights: PCA's components are what it uses
    X = load_digits().data[:200]
    ae = AutoEncoderTransformer(4, hidden_layer_sizes=(16,), early_stopping=False,
                                **FAST).fit(X)
    assert first_layer_weights(ae).shape == (16, 64)  # the trained branch's
    with torch.no_grad():  # what the PCA start leaves when no epoch beats it
        ae.module_.encoder.branch[-1].weight.zero_()
        ae.module_.encoder.branch[-1].bias.zero_()
    np.testing.assert_array_equal(first_layer_weights(ae),
                                  ae.module_.encoder.linear.weight.detach().numpy())
    assert "PCA's components" in plot_filters(ae, (8, 8)).get_suptitle()


def test_filters_of_an_imputer_with_an_empty_column():
    X = load_digits().data[:200].copy()
    X[:, 0] = np.nan
    imputer = AutoEncoderImputer(hidden_layer_sizes=(16,), **FAST).fit(X)
    weights = first_layer_weights(imputer)
    assert weights.shape == (16, 64) and np.isnan(weights[:, 0]).all()
    fig = plot_filters(imputer, (8, 8), n_filters=4)
    assert len(fig.axes) == 4
    for ax in fig.axes:  # a NaN pixel left the colour limits NaN: one flat colour
        assert np.isfinite(ax.get_images()[0].get_clim()).all()
