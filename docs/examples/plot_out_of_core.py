"""
Training on data larger than memory with partial_fit
====================================================

``partial_fit`` trains one epoch over the rows it is given, so a loop over the chunks of a
memory-mapped file trains on data that never sits in memory at once. Here the "large" file
is the digits written 20 times over with a little noise; the loop reads 2,000 rows at a
time.
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from skae import AutoEncoderTransformer

X, _ = load_digits(return_X_y=True)
path = Path(tempfile.mkdtemp()) / "big.npy"
big = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(20 * len(X), 64))
rng = np.random.default_rng(0)
for i in range(20):
    big[i * len(X):(i + 1) * len(X)] = X + rng.normal(scale=0.5, size=X.shape)
big.flush()
del big

data = np.load(path, mmap_mode="r")  # nothing read yet
ae = AutoEncoderTransformer(16, random_state=0)
curve = []
for epoch in range(3):
    for start in range(0, len(data), 2000):
        ae.partial_fit(data[start:start + 2000])
        curve.append(-ae.score(X))
    print(f"pass {epoch + 1}: {ae.n_iter_} partial_fit calls,\n"
          f"  reconstruction MSE on the original digits {curve[-1]:.3f}")

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(np.arange(1, len(curve) + 1), curve, "o-")
ax.set_xlabel("partial_fit calls (2,000 rows each)")
ax.set_ylabel("MSE on the original digits")
ax.set_yscale("log")
fig.tight_layout()

# %%
# dask-ml's ``Incremental`` wrapper does the same over the blocks of a dask array::
#
#     import dask.array as da
#     from dask_ml.wrappers import Incremental
#
#     Incremental(AutoEncoderTransformer(16)).fit(da.from_array(data, chunks=(2000, 64)))
