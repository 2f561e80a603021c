"""A small, fast, composable MLP trainer (float32) for experiments and benchmarks.

    net = Network([Dense(784, 500, rng), ReLU(), Dense(500, 10, rng)])
    history = fit(net, X, y, X_val, y_val, Adam(lr=1e-3), epochs=5, batch_size=128, rng=rng)

Layers keep what their backward pass needs from the last forward pass. The same
formulas as the chapters, with the work arranged for speed: float32 throughout,
matrix products written into preallocated buffers, no input gradient for the first
layer, and optimizers that update parameters in place.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .activations_init import init_weight


class Layer:
    """A layer maps ``(m, n_in)`` to ``(m, n_out)``; ``params``/``grads`` are lists of arrays."""

    params: list = []
    grads: list = []
    names: list = []

    def forward(self, X, train: bool):
        raise NotImplementedError

    def backward(self, dout, need_dx: bool = True):
        raise NotImplementedError


class Dense(Layer):
    """``Z = X Wᵀ + b`` with ``W`` ``(n_out, n_in)`` and ``b`` ``(n_out,)``."""

    def __init__(self, n_in, n_out, rng, init="he", dtype=np.float32):
        self.W = init_weight(n_out, n_in, init, rng).astype(dtype)
        self.b = np.zeros(n_out, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.params, self.grads, self.names = [self.W, self.b], [self.dW, self.db], ["W", "b"]

    def forward(self, X, train):
        self.X = X
        Z = X @ self.W.T
        Z += self.b
        return Z

    def backward(self, dZ, need_dx=True):
        np.matmul(dZ.T, self.X, out=self.dW)
        np.sum(dZ, axis=0, out=self.db)
        return dZ @ self.W if need_dx else None


class ReLU(Layer):
    def forward(self, Z, train):
        self.A = np.maximum(Z, 0, out=Z)  # Z is not needed again: overwrite it
        return self.A

    def backward(self, dA, need_dx=True):
        np.copyto(dA, 0, where=self.A <= 0)
        return dA


class LeakyReLU(Layer):
    def __init__(self, alpha=0.01):
        self.alpha = alpha

    def forward(self, Z, train):
        self.negative = Z <= 0
        return np.where(self.negative, self.alpha * Z, Z)

    def backward(self, dA, need_dx=True):
        return np.where(self.negative, self.alpha * dA, dA)


class Tanh(Layer):
    def forward(self, Z, train):
        self.A = np.tanh(Z)
        return self.A

    def backward(self, dA, need_dx=True):
        return dA * (1 - self.A * self.A)


class Sigmoid(Layer):
    def forward(self, Z, train):
        e = np.exp(-np.abs(Z))
        self.A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e)).astype(Z.dtype, copy=False)
        return self.A

    def backward(self, dA, need_dx=True):
        return dA * self.A * (1 - self.A)


class Dropout(Layer):
    """Inverted dropout; the identity at evaluation time."""

    def __init__(self, keep_prob, rng):
        self.keep_prob, self.rng = keep_prob, rng

    def forward(self, X, train):
        if not train or self.keep_prob == 1:
            self.scale = None
            return X
        self.scale = (self.rng.random(X.shape, dtype=np.float32) < self.keep_prob) / np.float32(self.keep_prob)
        return X * self.scale

    def backward(self, dout, need_dx=True):
        return dout if self.scale is None else dout * self.scale


class BatchNorm(Layer):
    """Batch normalization over the batch axis with running statistics for evaluation."""

    def __init__(self, n, momentum=0.9, eps=1e-5, dtype=np.float32):
        self.gamma, self.beta = np.ones(n, dtype=dtype), np.zeros(n, dtype=dtype)
        self.dgamma, self.dbeta = np.zeros_like(self.gamma), np.zeros_like(self.beta)
        self.running_mean, self.running_var = np.zeros(n, dtype=dtype), np.ones(n, dtype=dtype)
        self.momentum, self.eps = momentum, eps
        self.params, self.grads = [self.gamma, self.beta], [self.dgamma, self.dbeta]
        self.names = ["gamma", "beta"]

    def forward(self, X, train):
        if train:
            mu, var = X.mean(axis=0), X.var(axis=0)
            self.running_mean *= self.momentum
            self.running_mean += (1 - self.momentum) * mu
            self.running_var *= self.momentum
            self.running_var += (1 - self.momentum) * var
        else:
            mu, var = self.running_mean, self.running_var
        self.inv_std = (1 / np.sqrt(var + self.eps)).astype(X.dtype)
        self.X_hat = (X - mu) * self.inv_std
        return self.gamma * self.X_hat + self.beta

    def backward(self, dout, need_dx=True):
        np.sum(dout, axis=0, out=self.dbeta)
        np.sum(dout * self.X_hat, axis=0, out=self.dgamma)
        m = dout.shape[0]
        return (self.gamma * self.inv_std) * (dout - self.dbeta / m - self.X_hat * (self.dgamma / m))


class Network:
    """A stack of layers. ``params`` is a ``{"W1": ..., "b1": ..., "gamma2": ...}`` view."""

    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, X, train=False):
        for layer in self.layers:
            X = layer.forward(X, train)
        return X

    def backward(self, dout):
        for i in range(len(self.layers) - 1, -1, -1):
            dout = self.layers[i].backward(dout, need_dx=i > 0)

    def parameters(self):
        """``(name, param, grad)`` triples; names are numbered by the layer that holds them."""
        out, count = [], 0
        for layer in self.layers:
            if layer.params:
                count += 1
                out += [(f"{n}{count}", p, g) for n, p, g in zip(layer.names, layer.params, layer.grads)]
        return out

    @property
    def params(self):
        return {name: p for name, p, _ in self.parameters()}


def mlp(layer_sizes, rng, activation="relu", keep_prob=1.0, batchnorm=False, init=None):
    """``Network`` with dense layers of ``layer_sizes``, the activation after every hidden
    layer, optional batch norm (before the activation) and dropout (after it)."""
    act = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU}[activation]
    init = init or {"relu": "he", "leaky_relu": "he", "tanh": "xavier", "sigmoid": "xavier_sigmoid"}[activation]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        layers.append(Dense(n_in, n_out, rng, init))
        if i < len(layer_sizes) - 2:
            if batchnorm:
                layers.append(BatchNorm(n_out))
            layers.append(act())
            if keep_prob < 1:
                layers.append(Dropout(keep_prob, rng))
    return Network(layers)


# --------------------------------------------------------------------------- losses


def softmax_nll_loss(logits, y):
    """Mean NLL and its gradient ``(P − onehot(y))/m`` (float32, via log-sum-exp)."""
    m = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    total = shifted.sum(axis=1, keepdims=True)
    shifted /= total
    rows = np.arange(m)
    loss = -np.mean(np.log(np.maximum(shifted[rows, y], 1e-30)))
    shifted[rows, y] -= 1
    shifted /= m
    return float(loss), shifted


def mse_loss(out, Y):
    """``(1/m) Σ ½‖out − Y‖²`` and its gradient ``(out − Y)/m``."""
    diff = out - Y
    return float(0.5 * np.sum(diff * diff) / len(out)), diff / len(out)


LOSSES = {"softmax_nll": softmax_nll_loss, "mse": mse_loss}


# --------------------------------------------------------------------------- optimizers


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        for p, g in zip(params, grads):
            p -= self.lr * g


class Momentum:
    """``v ← βv + (1−β)g``, ``p ← p − lr·v``, in place."""

    def __init__(self, lr, beta=0.9):
        self.lr, self.beta, self.v = lr, beta, None

    def step(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.v):
            v *= self.beta
            v += (1 - self.beta) * g
            p -= self.lr * v


class RMSprop:
    """``s ← βs + (1−β)g²``, ``p ← p − lr·g/(√s + ε)``, in place."""

    def __init__(self, lr, beta=0.999, eps=1e-8):
        self.lr, self.beta, self.eps, self.s = lr, beta, eps, None

    def step(self, params, grads):
        if self.s is None:
            self.s = [np.zeros_like(p) for p in params]
        for p, g, s in zip(params, grads, self.s):
            s *= self.beta
            s += (1 - self.beta) * g * g
            p -= self.lr * g / (np.sqrt(s) + self.eps)


def usable_cpus() -> int:
    """The number of CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Adam:
    """Adam with bias correction, updating parameters in place with preallocated buffers.

    ``lr·m̂/(√v̂ + ε)`` is computed as ``lr_t·m/(√v + ε)`` with
    ``lr_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`` and ``ε_t = ε·√(1−β₂ᵗ)``, which is the same number.
    The update is element-wise, so large parameters are cut into ``threads`` row blocks that
    are updated at the same time (NumPy releases the GIL inside each operation); the result
    does not depend on the number of threads.
    """

    MIN_BLOCK = 1 << 16  # entries; smaller parameters are not worth a thread

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, threads=None):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.threads = threads or usable_cpus()
        self.t, self.m, self.v, self.blocks, self.pool = 0, None, None, None, None

    def _split(self, params, grads):
        """``(p, g, m, v, buf)`` views: one per small parameter, ``threads`` per large one."""
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        blocks = []
        for arrays in zip(params, grads, self.m, self.v, [np.empty_like(p) for p in params]):
            rows = arrays[0].shape[0] if arrays[0].ndim else 1
            n = min(self.threads, rows, max(1, arrays[0].size // self.MIN_BLOCK))
            bounds = np.linspace(0, rows, n + 1).astype(int)
            blocks += [tuple(a[lo:hi] for a in arrays) for lo, hi in zip(bounds[:-1], bounds[1:])]
        self.blocks = blocks
        if self.threads > 1 and len(blocks) > len(params):
            self.pool = ThreadPoolExecutor(self.threads)

    def _update(self, block, lr_t, eps_t):
        p, g, m, v, buf = block
        b1, b2 = self.beta1, self.beta2
        m *= b1
        np.multiply(g, 1 - b1, out=buf)
        m += buf                           # m = β₁m + (1−β₁)g
        np.multiply(g, g, out=buf)
        buf *= 1 - b2
        v *= b2
        v += buf                           # v = β₂v + (1−β₂)g²
        np.sqrt(v, out=buf)
        buf += eps_t
        np.divide(m, buf, out=buf)
        buf *= lr_t
        p -= buf                           # p -= lr_t·m/(√v + ε_t)

    def step(self, params, grads):
        if self.blocks is None:
            self._split(params, grads)
        self.t += 1
        c2 = np.sqrt(1 - self.beta2 ** self.t)
        lr_t = self.lr * c2 / (1 - self.beta1 ** self.t)
        eps_t = self.eps * c2
        if self.pool is None:
            for block in self.blocks:
                self._update(block, lr_t, eps_t)
        else:
            list(self.pool.map(lambda block: self._update(block, lr_t, eps_t), self.blocks))


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSprop, "adam": Adam}


# --------------------------------------------------------------------------- training loop


def evaluate(net, X, y, loss="softmax_nll", batch_size=4096):
    """Mean loss and accuracy of ``net`` on ``(X, y)`` in evaluation mode."""
    total, correct = 0.0, 0
    for i in range(0, len(X), batch_size):
        out = net.forward(X[i:i + batch_size], train=False)
        value, _ = LOSSES[loss](out, y[i:i + batch_size])
        total += value * len(out)
        if loss == "softmax_nll":
            correct += int(np.sum(out.argmax(axis=1) == y[i:i + batch_size]))
    return total / len(X), correct / len(X)


def fit(net, X, y, X_val, y_val, optimizer, *, epochs, batch_size, rng, loss="softmax_nll",
        lam=0.0, lr_decay=0.0, progress=True):
    """Mini-batch training. Returns a history of per-epoch lists: ``loss`` (mean training
    cost of the epoch's batches), ``val_loss``, ``val_acc`` and ``seconds``.

    ``lam`` adds ``λW`` to the gradient of every dense weight (L2 decay, not biases);
    ``lr_decay`` sets the learning rate to ``lr0/(1 + decay·epoch)`` each epoch.
    """
    from tqdm.auto import tqdm

    params = net.parameters()
    tensors, grads = [p for _, p, _ in params], [g for _, _, g in params]
    weights = [(p, g) for name, p, g in params if name.startswith("W")]
    loss_fn = LOSSES[loss]
    lr0 = optimizer.lr
    history = {"loss": [], "val_loss": [], "val_acc": [], "seconds": []}
    bar = tqdm(range(epochs), desc="epochs", disable=not progress, leave=False)
    for epoch in bar:
        start = time.perf_counter()
        optimizer.lr = lr0 / (1 + lr_decay * epoch)
        order = rng.permutation(len(X))
        running, count = 0.0, 0
        for i in range(0, len(X), batch_size):
            idx = order[i:i + batch_size]
            out = net.forward(X[idx], train=True)
            value, dout = loss_fn(out, y[idx])
            net.backward(dout)
            if lam:
                for p, g in weights:
                    g += lam * p
                    value += 0.5 * lam * float(np.vdot(p, p))
            optimizer.step(tensors, grads)
            running += value * len(idx)
            count += len(idx)
        history["seconds"].append(time.perf_counter() - start)
        history["loss"].append(running / count)
        val_loss, val_acc = evaluate(net, X_val, y_val, loss)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", val_acc=f"{val_acc:.4f}")
    return history
