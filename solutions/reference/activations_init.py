"""Chapter 4: ReLU-family activations and weight initialization schemes."""
from __future__ import annotations

import numpy as np


def relu_forward(z):
    """``max(0, z)`` element-wise. Returns ``(out, cache)`` with ``cache = z``."""
    return np.maximum(z, 0.0), z


def relu_backward(dout, cache):
    """``dz = dout ∘ 1[z > 0]`` (the derivative at exactly 0 is taken as 0)."""
    return dout * (cache > 0)


def leaky_relu_forward(z, alpha=0.01):
    """``z`` where ``z > 0``, ``α z`` elsewhere. Returns ``(out, cache)``, cache = ``(z, α)``."""
    return np.where(z > 0, z, alpha * z), (z, alpha)


def leaky_relu_backward(dout, cache):
    """``dz = dout`` where ``z > 0`` and ``α·dout`` elsewhere."""
    z, alpha = cache
    return np.where(z > 0, dout, alpha * dout)


INIT_METHODS = ("zeros", "normal", "xavier", "xavier_sigmoid", "lecun", "he")


def init_weight(fan_out: int, fan_in: int, method: str, rng) -> np.ndarray:
    """One ``(fan_out, fan_in)`` weight matrix drawn by ``method``."""
    shape = (fan_out, fan_in)
    if method == "zeros":
        return np.zeros(shape)
    if method == "normal":
        return 0.01 * rng.standard_normal(shape)
    if method in ("xavier", "xavier_sigmoid"):
        limit = np.sqrt(6.0 / (fan_in + fan_out)) * (4.0 if method == "xavier_sigmoid" else 1.0)
        return rng.uniform(-limit, limit, size=shape)
    if method == "lecun":
        return rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)
    if method == "he":
        return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    raise ValueError(f"unknown initialization method {method!r}; choose one of {', '.join(INIT_METHODS)}")


def init_params(layer_sizes, method, rng):
    """Parameters for layer sizes ``[n_0, n_1, ..., n_L]``: ``W{l}`` ``(n_l, n_{l−1})``, ``b{l}`` zeros.

    Methods: ``zeros``; ``normal`` (σ = 0.01); ``xavier`` (uniform ±√(6/(fan_in+fan_out)));
    ``xavier_sigmoid`` (the same limit ×4); ``lecun`` (variance 1/fan_in); ``he`` (variance 2/fan_in).
    """
    if method not in INIT_METHODS:
        raise ValueError(f"unknown initialization method {method!r}; choose one of {', '.join(INIT_METHODS)}")
    params = {}
    for l in range(1, len(layer_sizes)):
        params[f"W{l}"] = init_weight(layer_sizes[l], layer_sizes[l - 1], method, rng)
        params[f"b{l}"] = np.zeros(layer_sizes[l])
    return params
