"""Chapter 6: batch normalization with running statistics."""
from __future__ import annotations

import numpy as np


def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Normalize each column of ``X`` ``(m, n)``, then scale by ``gamma`` and shift by ``beta`` ``(n,)``.

    ``mode="train"`` uses the batch mean and the biased (1/m) batch variance and updates
    ``state["running_mean"]`` / ``state["running_var"]`` (created as zeros / ones) by
    ``running ← momentum·running + (1 − momentum)·batch``. ``mode="test"`` uses the running
    statistics and leaves ``state`` unchanged. Returns ``(out, cache)``.
    """
    n = X.shape[1]
    state.setdefault("running_mean", np.zeros(n))
    state.setdefault("running_var", np.ones(n))
    if mode == "train":
        mu = X.mean(axis=0)
        var = X.var(axis=0)
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    elif mode == "test":
        mu, var = state["running_mean"], state["running_var"]
    else:
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    return gamma * X_hat + beta, (X_hat, gamma, inv_std)


def batchnorm_backward(dout, cache):
    """Training-mode gradients ``(dX, dgamma, dbeta)`` in closed form:

    ``dX = (γ/σ) (dout − mean(dout) − x̂ ∘ mean(dout ∘ x̂))`` (means over the batch),
    ``dgamma = Σ dout ∘ x̂``, ``dbeta = Σ dout``.
    """
    X_hat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * X_hat).sum(axis=0)
    dX = (gamma * inv_std) * (dout - dout.mean(axis=0) - X_hat * (dout * X_hat).mean(axis=0))
    return dX, dgamma, dbeta
