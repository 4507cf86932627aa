"""
Stacked pre-training vs random initialisation with few labels
=============================================================

200 labelled digits and 1,000 unlabelled ones (``y=-1``): the unlabelled rows take part in
the greedy pre-training only. ``pretraining`` is one parameter (so under ``GridSearchCV`` the
comparison is one grid); here a loop over it, three seeds each, with the papers' recipe
(sigmoid units, cross-entropy reconstruction, 25% masking).
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skae import StackedAutoEncoderClassifier

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_digits(return_X_y=True)
X = X / 16
X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=1200, random_state=0)
y_few = y_train.copy()
y_few[200:] = -1

results = {}
for pretraining in ("none", "autoencoder", "denoising"):
    scores = results[pretraining] = []
    for seed in range(3):
        clf = StackedAutoEncoderClassifier(
            (128, 64), pretraining=pretraining, activation="sigmoid",
            reconstruction_loss="cross_entropy", pretrain_max_iter=30, max_iter=100,
            random_state=seed).fit(X_train, y_few)
        scores.append(clf.score(X_test, y_test))
    print(f"{pretraining:>12}: test accuracy {np.mean(scores):.3f} +- {np.std(scores):.3f}")

fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(list(results), [np.mean(v) for v in results.values()],
       yerr=[np.std(v) for v in results.values()], capsize=4)
ax.set_ylim(min(min(v) for v in results.values()) - 0.05, 1)
ax.set_ylabel("test accuracy (3 seeds)")
ax.set_xlabel("pretraining")
fig.tight_layout()
