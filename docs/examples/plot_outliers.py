"""
The least normal digits, by reconstruction error
================================================

A :class:`~skae.ReconstructionOutlierDetector` trained on images of one digit scores
every test image by how badly its autoencoder reconstructs it, plus how far the image's
code lies outside the training images' codes (``code_weight``). The images it finds
least normal are shown with their reconstructions and per-pixel errors
(:meth:`~skae.ReconstructionOutlierDetector.feature_errors`), which say where an image
departs from what the model learned.

It uses MNIST when the environment variable ``SKAE_MNIST`` names ``mnist.npz``
(nothing is downloaded), else scikit-learn's bundled 8x8 digits (as when these pages
are built).
"""

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from skae import ReconstructionOutlierDetector


def load():
    """Training images, test images and labels, pixels in [0, 1]; and the image side."""
    path = os.environ.get("SKAE_MNIST", "")
    if path and Path(path).exists():
        with np.load(path) as d:
            return (d["X_train"] / 255.0, d["y_train"], d["X_test"] / 255.0, d["y_test"], 28)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.5, stratify=y, random_state=0)
    return X_train, y_train, X_test, y_test, 8


X_train, y_train, X_test, y_test, side = load()
digit = 1
detector = ReconstructionOutlierDetector(random_state=0).fit(X_train[y_train == digit])
scores = detector.decision_function(X_test)
print(f"trained on {np.sum(y_train == digit)} images of {digit}; code width "
      f"{detector.estimator_.n_components}; {detector.n_trimmed_} training images trimmed")
print(f"ROC AUC, {digit} against the other digits: {roc_auc_score(y_test == digit, scores):.3f}")

# %%
# Among the test images of that digit, the eight the detector finds least normal:
# the image, its reconstruction, and each pixel's squared error.
own = np.flatnonzero(y_test == digit)
worst = own[np.argsort(scores[own])[:8]]
reconstructed = detector.estimator_.inverse_transform(detector.estimator_.transform(X_test[worst]))
errors = detector.feature_errors(X_test[worst])
fig, axes = plt.subplots(3, 8, figsize=(10, 4))
for j, row in enumerate(worst):
    for i, (image, cmap) in enumerate([(X_test[row], "gray_r"), (reconstructed[j], "gray_r"),
                                       (errors[j], "Reds")]):
        axes[i, j].imshow(image.reshape(side, side), cmap=cmap)
        axes[i, j].set_xticks([]), axes[i, j].set_yticks([])
    axes[0, j].set_title(f"{scores[row]:.3f}", fontsize=8)
for i, label in enumerate(["image", "reconstructed", "squared error"]):
    axes[i, 0].set_ylabel(label, fontsize=8)
fig.suptitle(f"The {digit}s the detector finds least normal (decision_function above)")
plt.show()
