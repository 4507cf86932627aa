import numpy as np
import pytest
from sklearn.datasets import load_digits


@pytest.fixture(scope="session")
def digits():
    X, y = load_digits(return_X_y=True)
    return X, y


@pytest.fixture
def small():
    return np.random.default_rng(0).normal(size=(60, 6)) * [1, 2, 3, 4, 5, 6] + 10
