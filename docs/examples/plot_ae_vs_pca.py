"""
Autoencoder vs PCA reconstructions
==================================

The same 8-number code, two ways: PCA's best linear subspace and an autoencoder with one
hidden layer. The autoencoder reconstructs held-out digits with a lower error.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from skae import AutoEncoderTransformer
from skae.plotting import plot_comparison

X, y = load_digits(return_X_y=True)
X_train, X_test = train_test_split(X, random_state=0)

models = {
    "PCA(8)": PCA(8).fit(X_train),
    "AutoEncoderTransformer(8)": AutoEncoderTransformer(8, max_iter=100, random_state=0)
    .fit(X_train),
}
for name, model in models.items():
    mse = np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2)
    print(f"{name:>28}: held-out MSE {mse:.3f}")

# %%
# Originals on top, then each model's reconstruction; the loss curve below.
plot_comparison(models, X_test)
plt.show()
