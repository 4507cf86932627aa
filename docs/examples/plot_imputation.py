"""
Filling in missing pixels: AutoEncoderImputer and KNNImputer
============================================================

A third of the pixels of scikit-learn's 8x8 digits are removed at random. An
:class:`~skae.AutoEncoderImputer` trained on the incomplete images alone fills them in,
and so does :class:`~sklearn.impute.KNNImputer`. The observed pixels come back
unchanged; only the holes are filled. Errors are root mean squared, in each pixel's
standard deviations, over the removed pixels.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.impute import KNNImputer

from skae import AutoEncoderImputer

X = load_digits().data
rng = np.random.default_rng(0)
missing = rng.random(X.shape) < 0.3
X_missing = np.where(missing, np.nan, X)

filled = {
    "AutoEncoderImputer": AutoEncoderImputer(random_state=0).fit_transform(X_missing),
    "KNNImputer": KNNImputer().fit_transform(X_missing),
}
std = X.std(axis=0)
columns = std > 0
for name, X_filled in filled.items():
    errors = ((X_filled - X) / np.where(columns, std, 1.0))[missing & columns]
    print(f"{name:18} RMSE {np.sqrt(np.mean(errors ** 2)):.3f}")
assert np.array_equal(filled["AutoEncoderImputer"][~missing], X[~missing])

# %%
# Originals, the images with their holes (red), and the two imputers' fills:
rows = {"original": X, "with holes": X_missing, **filled}
fig, axes = plt.subplots(len(rows), 8, figsize=(8, 1.1 * len(rows)))
for r, (name, images) in enumerate(rows.items()):
    for c in range(8):
        image = np.ma.masked_invalid(images[c].reshape(8, 8))
        cmap = plt.get_cmap("gray_r").with_extremes(bad="tab:red")
        axes[r, c].imshow(image, cmap=cmap, vmin=0, vmax=16)
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
    axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
fig.tight_layout()
plt.show()
