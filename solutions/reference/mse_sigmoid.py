"""Chapter 1: a sigmoid network trained on the mean squared error, and the logistic cost.

Shapes: ``X`` is ``(m, n_0)``, ``W{l}`` is ``(n_l, n_{l-1})``, ``b{l}`` is ``(n_l,)``,
activations ``A{l}`` are ``(m, n_l)``; targets ``Y`` are ``(m, n_L)``.
"""
from __future__ import annotations

import numpy as np


def sigmoid(z):
    """Logistic function ``1 / (1 + e^{-z})``, element-wise, without overflow.

    For ``z < 0`` it is computed as ``e^{z} / (1 + e^{z})`` so that ``e^{-z}``
    never overflows, even for ``|z|`` of 1e4.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    """Derivative of the sigmoid, ``f(z)(1 − f(z))``, element-wise."""
    s = sigmoid(z)
    return s * (1.0 - s)


def n_layers(params: dict) -> int:
    """Number of weight layers ``L`` in a ``{"W1", "b1", ..., "WL", "bL"}`` dict."""
    return sum(1 for key in params if key.startswith("W"))


def mlp_forward(X, params):
    """Forward pass of a sigmoid network of any depth.

    Returns ``(A, cache)``: ``A`` is the output ``(m, n_L)``; ``cache`` holds
    ``"A"`` = [A0 = X, A1, ..., AL] and ``"Z"`` = [None, Z1, ..., ZL].
    """
    A = np.asarray(X, dtype=float)
    activations, preactivations = [A], [None]
    for l in range(1, n_layers(params) + 1):
        Z = A @ params[f"W{l}"].T + params[f"b{l}"]
        A = sigmoid(Z)
        preactivations.append(Z)
        activations.append(A)
    return A, {"A": activations, "Z": preactivations}


def mse_cost(A, Y, params, lam):
    """``J = (1/m) Σ_i ½‖a_i − y_i‖² + (λ/2) Σ_l ‖W_l‖²`` (weights only, not biases)."""
    m = A.shape[0]
    data = 0.5 * np.sum((A - Y) ** 2) / m
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return float(data + decay)


def _xlogy(x, y):
    """``x · log(y)`` element-wise, taken as 0 where ``x == 0`` (the limit of ``0 · log 0``).

    The logarithm is evaluated only where its coefficient is non-zero (elsewhere at 1),
    so an output of exactly 0 or 1 with a matching target gives no warning and no ``nan``.
    """
    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    nonzero = x != 0
    return np.where(nonzero, x * np.log(np.where(nonzero, y, 1.0)), 0.0)


def logistic_cost(A, Y, params, lam):
    """``J = −(1/m) Σ_i Σ_k [y log a + (1 − y) log(1 − a)] + (λ/2) Σ_l ‖W_l‖²`` (weights only).

    Natural logarithms; ``0 · log 0`` counts as 0, so outputs of exactly 0 or 1 cost
    nothing where the target agrees (and ``inf`` where it is the opposite).
    """
    A, Y = np.asarray(A, dtype=float), np.asarray(Y, dtype=float)
    m = A.shape[0]
    data = -(np.sum(_xlogy(Y, A)) + np.sum(_xlogy(1.0 - Y, 1.0 - A))) / m
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return float(data + decay)


def logistic_output_delta(A, Y):
    """``∂J/∂Z = (A − Y) / m`` of the logistic cost's data term, for sigmoid outputs ``A = f(Z)``.

    The sigmoid's ``f'(Z) = A(1 − A)`` cancels against ``∂J/∂A``; the result has the shape
    ``(m, k)`` of ``A``.
    """
    A, Y = np.asarray(A, dtype=float), np.asarray(Y, dtype=float)
    return (A - Y) / A.shape[0]


def mlp_backward(Y, params, cache, lam):
    """Gradients of ``mse_cost`` by the δ recursion.

    ``δ_L = −(Y − A_L) ∘ f'(Z_L)``, ``δ_l = (δ_{l+1} W_{l+1}) ∘ f'(Z_l)`` (rows),
    ``dW_l = δ_lᵀ A_{l−1} / m + λ W_l``, ``db_l = Σ_rows δ_l / m``.
    Returns ``{"W1": ..., "b1": ..., ...}`` with the shapes of ``params``.
    """
    activations, preactivations = cache["A"], cache["Z"]
    L = n_layers(params)
    m = activations[0].shape[0]
    delta = -(Y - activations[L]) * sigmoid_grad(preactivations[L])
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = delta.T @ activations[l - 1] / m + lam * params[f"W{l}"]
        grads[f"b{l}"] = delta.sum(axis=0) / m
        if l > 1:
            delta = (delta @ params[f"W{l}"]) * sigmoid_grad(preactivations[l - 1])
    return {key: grads[key] for key in params}


def gd_step(params, grads, lr):
    """One gradient-descent step; returns a new dict ``{key: p − lr·g}``."""
    return {key: value - lr * grads[key] for key, value in params.items()}
