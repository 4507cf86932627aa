"""
Grid-searching the noise ratio of a denoising autoencoder
=========================================================

Corrupting the input while training (Vincent et al., 2008) can make the codes more useful
downstream. Which noise ratio is best depends on the data and on what uses the codes, so
search it on the downstream score, with the denoising autoencoder inside the pipeline.
Scored by clean reconstruction alone, no noise always wins: corruption trades
reconstruction for robustness. (On these small 8x8 digits with a short training run, the
downstream differences are small; print the table before trusting a winner.)

The models start at random (``init="random"``). From the default PCA start, a 32-wide code
on 64 pixels, a noisy fit is kept only where it beats PCA at reconstructing the clean
held-out rows; here none does, so every noisy model would be PCA(32) itself
(``best_epoch_ == 0``) and the search would compare PCA with the autoencoder, not noise
levels.
"""

# %%
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skae import DenoisingAutoEncoder

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_digits(return_X_y=True)
X = X / 16
ratios = [0.0, 0.1, 0.25, 0.4]

dae = DenoisingAutoEncoder(32, init="random", max_iter=30, random_state=0)
pipe = Pipeline([("dae", dae), ("clf", LogisticRegression(max_iter=2000))])
downstream = GridSearchCV(pipe, {"dae__noise_ratio": ratios}, cv=3, n_jobs=2).fit(X, y)
reconstruction = GridSearchCV(dae, {"noise_ratio": ratios}, cv=3, n_jobs=2).fit(X)

for ratio, accuracy, mse in zip(ratios, downstream.cv_results_["mean_test_score"],
                                -reconstruction.cv_results_["mean_test_score"], strict=True):
    print(f"noise_ratio={ratio:<4}  CV accuracy {accuracy:.4f}  CV reconstruction MSE {mse:.4f}")
print("best by downstream accuracy:", downstream.best_params_)
print("best by clean reconstruction:", reconstruction.best_params_)

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
left.plot(ratios, downstream.cv_results_["mean_test_score"], "o-")
left.set(xlabel="masking ratio", ylabel="CV accuracy", title="scored downstream")
right.plot(ratios, -reconstruction.cv_results_["mean_test_score"], "o-")
right.set(xlabel="masking ratio", ylabel="CV reconstruction MSE", title="scored by reconstruction")
fig.tight_layout()
plt.show()

# %%
# From the default PCA start the same noisy fits stay PCA(32): no epoch beat it at
# reconstructing the clean held-out rows.
for ratio in ratios[1:]:
    start = DenoisingAutoEncoder(32, noise_ratio=ratio, max_iter=30, random_state=0).fit(X)
    print(f"noise_ratio={ratio:<4}  init_={start.init_}  best_epoch_={start.best_epoch_}")
