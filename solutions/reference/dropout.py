"""Chapter 5: inverted dropout and input standardization."""
from __future__ import annotations

import numpy as np


def dropout_forward(X, keep_prob, mode, rng):
    """Inverted dropout: keep each entry with probability ``keep_prob`` and divide by it.

    ``mode="train"``: ``out = X ∘ mask / keep_prob`` with ``mask = rng.random(X.shape) < keep_prob``;
    ``mode="test"``: ``out = X`` (expectations already match). Returns ``(out, cache)``.
    """
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}")
    if mode == "test":
        return X, (None, keep_prob)
    if mode != "train":
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    mask = rng.random(X.shape) < keep_prob
    return X * mask / keep_prob, (mask, keep_prob)


def dropout_backward(dout, cache):
    """``dX = dout ∘ mask / keep_prob`` (the identity after a test-mode forward)."""
    mask, keep_prob = cache
    return dout if mask is None else dout * mask / keep_prob


def standardize(X_train, X_test):
    """Scale columns to zero mean and unit variance using the TRAINING statistics only.

    Returns ``(X_train_std, X_test_std, mean, std)``; ``mean`` and ``std`` are ``(n,)``.
    Columns that are constant in the training set have ``std`` replaced by 1, so they
    become 0 instead of NaN.
    """
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std, (X_test - mean) / std, mean, std
