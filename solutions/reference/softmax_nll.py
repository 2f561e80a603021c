"""Chapter 3: softmax output, negative log-likelihood, tanh, dense layers, L2.

Shapes: logits ``Z`` are ``(m, k)``, labels ``y`` are integers ``(m,)``.
"""
from __future__ import annotations

import numpy as np


def softmax(Z):
    """Row-wise softmax, stable for any logits: ``exp(Z − max) / Σ exp(Z − max)``."""
    Z = np.asarray(Z, dtype=float)
    shifted = Z - Z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(Z):
    """Row-wise ``log softmax(Z)`` through log-sum-exp, finite for logits of ±1e4.

    ``log Σ_j exp(z_j − max) = log1p(Σ_{j ≠ argmax} exp(z_j − max))``: the ``log1p`` keeps
    full relative precision when one logit dominates, so even a probability of 1e-40
    for the runner-up is not rounded away.
    """
    Z = np.asarray(Z, dtype=float)
    rows = np.arange(Z.shape[0])
    top = Z.argmax(axis=1)
    shifted = Z - Z[rows, top][:, None]
    e = np.exp(shifted)
    e[rows, top] = 0.0
    return shifted - np.log1p(e.sum(axis=1, keepdims=True))


def softmax_nll(Z, y):
    """Mean negative log-likelihood of labels ``y`` under ``softmax(Z)``.

    Returns ``(loss, dZ)`` with ``dZ = (P − onehot(y)) / m``, shape ``(m, k)``. The entry
    ``P_y − 1`` is computed as ``−Σ_{j≠y} P_j``, which is exact even when ``P_y`` rounds to 1.
    """
    m = Z.shape[0]
    rows = np.arange(m)
    logp = log_softmax(Z)
    loss = -logp[rows, y].mean()
    dZ = np.exp(logp)
    dZ[rows, y] = 0.0
    dZ[rows, y] = -dZ.sum(axis=1)
    return float(loss), dZ / m


def tanh_grad(z):
    """Derivative of tanh, ``1 − tanh(z)²``, element-wise."""
    return 1.0 - np.tanh(z) ** 2


def dense_forward(X, W, b):
    """``Z = X Wᵀ + b`` for ``X`` ``(m, n_in)``, ``W`` ``(n_out, n_in)``, ``b`` ``(n_out,)``.

    Returns ``(Z, cache)`` with ``cache = (X, W)``.
    """
    return X @ W.T + b, (X, W)


def dense_backward(dZ, cache):
    """Gradients of a dense layer: ``dX = dZ W``, ``dW = dZᵀ X``, ``db = Σ_rows dZ``."""
    X, W = cache
    return dZ @ W, dZ.T @ X, dZ.sum(axis=0)


def l2_penalty(params, lam):
    """Weight decay ``(λ/2) Σ ‖W‖²`` over the ``W*`` entries of ``params`` (not biases).

    Returns ``(value, grads)``: ``grads`` has every key of ``params``: ``λW`` for
    weights, zeros for biases.
    """
    value = 0.5 * lam * sum(float(np.sum(p ** 2)) for key, p in params.items() if key.startswith("W"))
    grads = {key: lam * p if key.startswith("W") else np.zeros_like(p) for key, p in params.items()}
    return value, grads
