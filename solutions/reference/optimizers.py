"""Chapter 7: mini-batches, exponentially weighted averages and optimizer steps.

Every step function takes the parameter ``w``, its gradient ``dw`` and a ``state``
dict that starts empty; it fills the state on the first call and returns
``(w_new, state)``. ``w`` is not modified.
"""
from __future__ import annotations

import numpy as np


def minibatches(X, y, batch_size, rng):
    """Yield ``(X_batch, y_batch)`` over one shuffled pass: every row exactly once.

    The order is ``rng.permutation(m)``; the last batch holds the remaining
    ``m mod batch_size`` rows when the batch size does not divide ``m``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    order = rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def ewa(values, beta, bias_correction=True):
    """Exponentially weighted averages ``v_t = β v_{t−1} + (1 − β) θ_t`` with ``v_0 = 0``.

    Returns all ``v_t`` (``t = 1..T``), divided by ``1 − β^t`` when ``bias_correction``.
    """
    values = np.asarray(values, dtype=float)
    out = np.empty_like(values)
    v = 0.0
    for t, theta in enumerate(values, start=1):
        v = beta * v + (1 - beta) * theta
        out[t - 1] = v / (1 - beta ** t) if bias_correction else v
    return out


def momentum_step(w, dw, state, lr, beta=0.9):
    """``v ← βv + (1 − β)dw``, ``w ← w − lr·v``."""
    v = beta * state.get("v", np.zeros_like(dw)) + (1 - beta) * dw
    state["v"] = v
    return w - lr * v, state


def rmsprop_step(w, dw, state, lr, beta=0.999, eps=1e-8):
    """``s ← βs + (1 − β)dw²``, ``w ← w − lr·dw / (√s + ε)``."""
    s = beta * state.get("s", np.zeros_like(dw)) + (1 - beta) * dw ** 2
    state["s"] = s
    return w - lr * dw / (np.sqrt(s) + eps), state


def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam with bias correction: ``t ← t+1``; ``m``, ``v`` moving averages of ``dw``, ``dw²``;
    ``w ← w − lr·m̂ / (√v̂ + ε)`` with ``m̂ = m/(1 − β₁ᵗ)``, ``v̂ = v/(1 − β₂ᵗ)``."""
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", np.zeros_like(dw)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(dw)) + (1 - beta2) * dw ** 2
    state.update(t=t, m=m, v=v)
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), state


def lr_decay(lr0, decay, epoch):
    """Inverse-time decay ``lr0 / (1 + decay·epoch)``."""
    return lr0 / (1 + decay * epoch)
