"""
A linear autoencoder learns PCA's subspace
==========================================

With no hidden layers and the identity activation, an autoencoder is linear, and its
optimum spans the top principal subspace (Baldi & Hornik, 1989). Full-batch L-BFGS from a
random start finds it
on digits in a few seconds of CPU. The decoder's columns are not PCA's ordered components,
but an SVD of the decoder recovers them.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy.linalg import subspace_angles
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from skae import AutoEncoderTransformer

X, _ = load_digits(return_X_y=True)
k = 8
pca = PCA(k).fit(X)
# init="random": the default would start at PCA, which would prove nothing here
ae = AutoEncoderTransformer(k, hidden_layer_sizes=(), activation="identity", init="random",
                            solver="lbfgs", alpha=0.0, max_iter=100, early_stopping=False,
                            random_state=0).fit(X)

decoder = ae.module_.decoder[0].weight.detach().numpy()  # (n_features, k)
angles = np.degrees(subspace_angles(decoder, pca.components_.T))
print(f"largest principal angle to PCA's subspace: {angles.max():.3f} degrees")
pca_mse = np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2)
print(f"reconstruction MSE: autoencoder {-ae.score(X):.4f}, PCA {pca_mse:.4f}")

# %%
# Ordered directions from the weights: the left singular vectors of the decoder, after
# projecting the data onto its column space, are PCA's components up to sign.
Z = ae.transform(X)
U, s, Vt = np.linalg.svd(np.cov((Z @ decoder.T).T))
recovered = U[:, :k].T
cosines = np.abs(np.sum(recovered * pca.components_, axis=1))
print("|cos| between recovered and PCA components:", np.round(cosines, 4))

fig, axes = plt.subplots(2, k, figsize=(k, 2.4))
for i in range(k):
    sign = np.sign(recovered[i] @ pca.components_[i])
    axes[0, i].imshow(pca.components_[i].reshape(8, 8), cmap="RdBu_r")
    axes[1, i].imshow(sign * recovered[i].reshape(8, 8), cmap="RdBu_r")
for ax in axes.ravel():
    ax.set_axis_off()
axes[0, 0].set_title("PCA", fontsize=8, loc="left")
axes[1, 0].set_title("from the AE's decoder", fontsize=8, loc="left")
plt.show()
