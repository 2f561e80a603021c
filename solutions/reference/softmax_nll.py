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
    """Row-wise ``log softmax(Z)`` through log-sum-exp, finite for logits of ±1e4."""
    Z = np.asarray(Z, dtype=float)
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax_nll(Z, y):
    """Mean negative log-likelihood of labels ``y`` under ``softmax(Z)``.

    Returns ``(loss, dZ)`` with ``dZ = (P − onehot(y)) / m``, shape ``(m, k)``.
    """
    m = Z.shape[0]
    logp = log_softmax(Z)
    rows = np.arange(m)
    loss = -logp[rows, y].mean()
    dZ = np.exp(logp)
    dZ[rows, y] -= 1.0
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
