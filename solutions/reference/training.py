"""Chapter 8: training a classifier from the earlier chapters' pieces.

The network has ReLU hidden layers and a softmax output; ``params`` uses the keys
``W1, b1, ..., WL, bL`` with ``W{l}`` of shape ``(n_l, n_{l−1})``.
"""
from __future__ import annotations

import numpy as np

from .activations_init import init_params, relu_backward, relu_forward
from .optimizers import adam_step, minibatches
from .softmax_nll import dense_backward, dense_forward, l2_penalty, log_softmax, softmax_nll

DEFAULT_CONFIG = {
    "hidden": [64],        # sizes of the hidden layers
    "lr": 1e-3,            # Adam learning rate
    "lam": 1e-4,           # L2 weight decay λ
    "batch_size": 64,
    "epochs": 30,
    "patience": 5,         # stop after this many epochs without a better validation accuracy
    "class_weight": None,  # None, or one weight per class multiplying that class's NLL
}


def forward(params, X):
    """Logits ``(m, k)`` and the caches of every layer (ReLU hidden layers)."""
    L = sum(1 for key in params if key.startswith("W"))
    caches, A = [], X
    for l in range(1, L + 1):
        Z, dense_cache = dense_forward(A, params[f"W{l}"], params[f"b{l}"])
        relu_cache = None
        if l < L:
            A, relu_cache = relu_forward(Z)
        caches.append((dense_cache, relu_cache))
    return Z, caches


def backward(dZ, caches):
    """Gradients ``{"W1": ..., "b1": ...}`` of the data loss from ``dZ`` of the logits."""
    grads = {}
    for l in range(len(caches), 0, -1):
        dense_cache, relu_cache = caches[l - 1]
        if relu_cache is not None:
            dZ = relu_backward(dZ, relu_cache)
        dZ, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dZ, dense_cache)
    return grads


def accuracy(params, X, y):
    """Fraction of rows of ``X`` whose highest logit is the label ``y``."""
    logits, _ = forward(params, X)
    return float(np.mean(np.argmax(logits, axis=1) == y))


def train_mlp(X, y, X_val, y_val, config, rng):
    """Train a ReLU + softmax network with Adam, L2 and early stopping on validation accuracy.

    ``config`` keys (defaults in ``DEFAULT_CONFIG``): ``hidden``, ``lr``, ``lam``,
    ``batch_size``, ``epochs``, ``patience``, ``class_weight`` (example i's NLL and its row
    of dZ are multiplied by ``class_weight[y_i]``; the mean is still over the batch). Returns ``(params, history)``: the params of
    the epoch with the best validation accuracy, and ``history`` with per-epoch lists
    ``"loss"`` (mean training cost) and ``"val_acc"``, plus ``"best_epoch"`` (0-based).
    """
    cfg = {**DEFAULT_CONFIG, **config}
    n_classes = int(max(y.max(), y_val.max())) + 1
    params = init_params([X.shape[1], *cfg["hidden"], n_classes], "he", rng)
    states = {key: {} for key in params}
    class_weight = None if cfg["class_weight"] is None else np.asarray(cfg["class_weight"], dtype=float)
    history = {"loss": [], "val_acc": [], "best_epoch": 0}
    best_acc, best_params, waited = -1.0, params, 0
    for epoch in range(cfg["epochs"]):
        losses = []
        for Xb, yb in minibatches(X, y, cfg["batch_size"], rng):
            logits, caches = forward(params, Xb)
            loss, dZ = softmax_nll(logits, yb)
            if class_weight is not None:
                w = class_weight[yb]
                loss = float(np.mean(w * -log_softmax(logits)[np.arange(len(yb)), yb]))
                dZ = dZ * w[:, None]
            penalty, penalty_grads = l2_penalty(params, cfg["lam"])
            grads = backward(dZ, caches)
            for key in params:
                params[key], states[key] = adam_step(params[key], grads[key] + penalty_grads[key],
                                                     states[key], cfg["lr"])
            losses.append(loss + penalty)
        val_acc = accuracy(params, X_val, y_val)
        history["loss"].append(float(np.mean(losses)))
        history["val_acc"].append(val_acc)
        if val_acc > best_acc:
            best_acc, waited = val_acc, 0
            best_params = {key: value.copy() for key, value in params.items()}
            history["best_epoch"] = epoch
        else:
            waited += 1
            if waited >= cfg["patience"]:
                break
    return best_params, history


def random_search(space, n_trials, rng):
    """``n_trials`` configurations drawn independently from ``space``.

    ``space`` maps a name to ``("log", low, high)`` (log-uniform: ``exp`` of a uniform
    draw between ``log low`` and ``log high``), ``("uniform", low, high)`` or
    ``("choice", options)`` (each option equally likely). Returns a list of dicts.
    """
    trials = []
    for _ in range(n_trials):
        config = {}
        for name, spec in space.items():
            kind = spec[0]
            if kind == "log":
                config[name] = float(np.exp(rng.uniform(np.log(spec[1]), np.log(spec[2]))))
            elif kind == "uniform":
                config[name] = float(rng.uniform(spec[1], spec[2]))
            elif kind == "choice":
                config[name] = spec[1][int(rng.integers(len(spec[1])))]
            else:
                raise ValueError(f"{name}: unknown sampling kind {kind!r} (use 'log', 'uniform' or 'choice')")
        trials.append(config)
    return trials
