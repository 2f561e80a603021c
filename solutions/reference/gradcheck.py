"""Chapter 2: checking a gradient against centred finite differences."""
from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    """Centred difference ``(f(x + ε e_i) − f(x − ε e_i)) / 2ε`` for every entry of ``x``.

    ``f`` takes no arguments and reads ``x``, which is changed in place one entry
    at a time and restored exactly. Returns an array shaped like ``x``.
    """
    grad = np.zeros(x.shape, dtype=float)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """``‖a − b‖ / (‖a‖ + ‖b‖)``; 0 when both are 0."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def check_gradients(cost_fn, params, grads, eps=1e-5):
    """Relative error between ``grads[key]`` and the numerical gradient of ``cost_fn()``
    with respect to ``params[key]``, for every key of ``grads``: ``{key: error}``."""
    return {key: relative_error(grads[key], numerical_gradient(cost_fn, params[key], eps))
            for key in grads}
