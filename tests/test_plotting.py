import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from skae import AutoEncoderTransformer
from skae.plotting import plot_comparison

pytest.importorskip("matplotlib")


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
