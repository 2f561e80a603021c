"""Seeded bugs for chapter 6, batch normalization.

The cells ``test_batchnorm_forward*`` (including ``..._running_stats`` and ``..._test_mode``)
and ``test_batchnorm_backward*`` count for the two exercises.

Every variant keeps the reference cache layout ``(X_hat, gamma, inv_std)``, because a
submission replaces one cell and the other function stays the reference one.
"""
from . import Mutant

MUTANTS = [
    # ------------------------------------------------------------------ batchnorm_forward
    Mutant(
        name="ch06_unbiased_variance",
        function="batchnorm_forward",
        message="you used the unbiased variance (dividing by m - 1)",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, then scale by gamma and shift by beta."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    if mode == "train":
        mu = X.mean(axis=0)
        var = X.var(axis=0, ddof=1)
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    else:
        mu = state["running_mean"]
        var = state["running_var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    out = gamma * X_hat + beta
    cache = (X_hat, gamma, inv_std)
    return out, cache
''',
    ),
    Mutant(
        name="ch06_test_mode_uses_batch_statistics",
        function="batchnorm_forward",
        message="in test mode, normalize with state['running_mean'] and state['running_var']",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, then scale by gamma and shift by beta."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    if mode == "train":
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    return gamma * X_hat + beta, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_eps_outside_sqrt",
        function="batchnorm_forward",
        message="eps is outside the square root",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, then scale by gamma and shift by beta."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    if mode == "train":
        mu = X.mean(axis=0)
        var = X.var(axis=0)
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    else:
        mu = state["running_mean"]
        var = state["running_var"]
    std = np.sqrt(var) + eps
    X_hat = (X - mu) / std
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, 1.0 / std)
''',
    ),
    Mutant(
        name="ch06_divide_by_variance",
        function="batchnorm_forward",
        message="you divided by the variance instead of the standard deviation",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, then scale by gamma and shift by beta."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    if mode == "train":
        mu = X.mean(axis=0)
        var = X.var(axis=0)
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    else:
        mu = state["running_mean"]
        var = state["running_var"]
    inv_std = 1.0 / (var + eps)
    X_hat = (X - mu) * inv_std
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_normalize_rows",
        function="batchnorm_forward",
        message="you normalized each row (axis=1)",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of X, then scale by gamma and shift by beta."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    if mode == "train":
        mu = X.mean(axis=1, keepdims=True)
        var = X.var(axis=1, keepdims=True)
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    else:
        mu = state["running_mean"]
        var = state["running_var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_train_normalizes_with_running_stats",
        function="batchnorm_forward",
        message="in training mode, normalize with the statistics of the batch",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization with the running statistics, updated first in training mode."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    state.setdefault("running_mean", np.zeros(n))
    state.setdefault("running_var", np.ones(n))
    if mode == "train":
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * X.mean(axis=0)
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * X.var(axis=0)
    mu, var = state["running_mean"], state["running_var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_one_pass_variance",
        function="batchnorm_forward",
        message="you computed the variance as mean(X**2) - mean(X)**2",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, with var = E[x^2] - E[x]^2."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    if mode == "train":
        mu = np.mean(X, axis=0)
        var = np.mean(X ** 2, axis=0) - mu ** 2
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    else:
        mu = state["running_mean"]
        var = state["running_var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_forward_centres_X_in_place",
        function="batchnorm_forward",
        message="changed its argument X in place",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, then scale by gamma and shift by beta."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    if mode == "train":
        mu = X.mean(axis=0)
        X -= mu                           # centre the batch
        var = np.mean(X ** 2, axis=0)
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
        inv_std = 1.0 / np.sqrt(var + eps)
        X_hat = X * inv_std
    else:
        inv_std = 1.0 / np.sqrt(state["running_var"] + eps)
        X_hat = (X - state["running_mean"]) * inv_std
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_batchnorm_forward_writes_into_X",
        function="batchnorm_forward",
        message="changed its argument X in place",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, normalizing X where it is stored."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    if mode == "train":
        mu = X.mean(axis=0)
        var = np.mean((X - mu) ** 2, axis=0)
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    else:
        mu = state["running_mean"]
        var = state["running_var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    X -= mu
    X *= inv_std                      # X now holds X_hat
    out = gamma * X + beta
    return out, (X, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_hardcoded_eps",
        function="batchnorm_forward",
        message="you ignored the eps argument",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, then scale by gamma and shift by beta."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    if mode == "train":
        mu = X.mean(axis=0)
        var = X.var(axis=0)
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    else:
        mu = state["running_mean"]
        var = state["running_var"]
    inv_std = 1.0 / np.sqrt(var + 1e-5)
    X_hat = (X - mu) * inv_std
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_gamma_beta_swapped",
        function="batchnorm_forward",
        message="gamma and beta are swapped",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, then scale and shift."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    if mode == "train":
        mu = X.mean(axis=0)
        var = X.var(axis=0)
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    else:
        mu = state["running_mean"]
        var = state["running_var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    out = beta * X_hat + gamma
    return out, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        # Ignoring `mode` altogether also makes test mode use the batch statistics; the
        # cells of batchnorm_forward catch it through the missing ValueError.
        name="ch06_forward_ignores_mode",
        function="batchnorm_forward",
        message="should raise ValueError",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, then scale by gamma and shift by beta."""
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
    state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_forward_get_defaults_correct",
        function="batchnorm_forward",
        correct=True,
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch norm with np.var (ddof=0); test mode only reads the running statistics."""
    n = X.shape[1]
    if mode == "train":
        mu = np.mean(X, axis=0)
        var = np.var(X, axis=0)
        old_mean = state.get("running_mean", np.zeros(n))
        old_var = state.get("running_var", np.ones(n))
        state["running_mean"] = momentum * old_mean + (1.0 - momentum) * mu
        state["running_var"] = momentum * old_var + (1.0 - momentum) * var
    elif mode == "test":
        mu = state.get("running_mean", np.zeros(n))
        var = state.get("running_var", np.ones(n))
    else:
        raise ValueError(f"unknown mode {mode!r}: use 'train' or 'test'")
    std = np.sqrt(var + eps)
    X_hat = (X - mu) / std
    return gamma * X_hat + beta, (X_hat, gamma, 1.0 / std)
''',
    ),
    Mutant(
        name="ch06_forward_column_loop_correct",
        function="batchnorm_forward",
        correct=True,
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch norm one column (one unit) at a time, with explicit loops."""
    if mode != "train" and mode != "test":
        raise ValueError("mode must be 'train' or 'test', not " + repr(mode))
    m, n = X.shape
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    X_hat = np.empty((m, n))
    inv_std = np.empty(n)
    for j in range(n):
        col = X[:, j]
        if mode == "train":
            mu_j = col.sum() / m
            var_j = ((col - mu_j) ** 2).sum() / m
            state["running_mean"][j] = momentum * state["running_mean"][j] + (1 - momentum) * mu_j
            state["running_var"][j] = momentum * state["running_var"][j] + (1 - momentum) * var_j
        else:
            mu_j, var_j = state["running_mean"][j], state["running_var"][j]
        inv_std[j] = 1.0 / np.sqrt(var_j + eps)
        X_hat[:, j] = (col - mu_j) * inv_std[j]
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, inv_std)
''',
    ),
    # ------------------------------------------------------------------ batchnorm_backward
    Mutant(
        name="ch06_backward_ignores_mu_var_dependence",
        function="batchnorm_backward",
        message="treats mu and sigma^2 as constants",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dX = dout * gamma * inv_std
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_missing_mu_path",
        function="batchnorm_backward",
        message="the path through mu is missing",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dX = (gamma * inv_std / m) * (m * dout - X_hat * np.sum(dout * X_hat, axis=0))
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_missing_var_path",
        function="batchnorm_backward",
        message="the path through sigma^2 is missing",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dX = (gamma * inv_std / m) * (m * dout - dout.sum(axis=0))
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_means_instead_of_sums",
        function="batchnorm_backward",
        message="dbeta is the SUM of dout over the batch, not the mean",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.mean(axis=0)
    dgamma = np.mean(dout * X_hat, axis=0)
    dX = (gamma * inv_std / m) * (m * dout - dout.sum(axis=0)
                                  - X_hat * np.sum(dout * X_hat, axis=0))
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_missing_gamma",
        function="batchnorm_backward",
        message="the factor gamma is missing",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dX = (inv_std / m) * (m * dout - dout.sum(axis=0) - X_hat * np.sum(dout * X_hat, axis=0))
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_missing_1_over_m",
        function="batchnorm_backward",
        message="your dX is m times too large",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dX = gamma * inv_std * (m * dout - dout.sum(axis=0) - X_hat * np.sum(dout * X_hat, axis=0))
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_scales_dout_in_place",
        function="batchnorm_backward",
        message="changed its argument dout in place",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dout *= gamma                     # dX_hat
    dX = (inv_std / m) * (m * dout - dout.sum(axis=0) - X_hat * np.sum(dout * X_hat, axis=0))
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_batchnorm_backward_writes_into_dout",
        function="batchnorm_backward",
        message="changed its argument dout in place",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode, using dout as the workspace."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dout *= m
    dout -= dbeta
    dout -= X_hat * dgamma
    dX = (gamma * inv_std / m) * dout
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_dgamma_dbeta_swapped",
        function="batchnorm_backward",
        message="dbeta and dgamma are swapped",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dgamma = dout.sum(axis=0)
    dbeta = np.sum(dout * X_hat, axis=0)
    dX = (gamma * inv_std / m) * (m * dout - dout.sum(axis=0)
                                  - X_hat * np.sum(dout * X_hat, axis=0))
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_computation_graph_correct",
        function="batchnorm_backward",
        correct=True,
        source='''\
def batchnorm_backward(dout, cache):
    """Batch-norm backward node by node: X_hat, then var, then mu (no closed form)."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dX_hat = dout * gamma
    X_mu = X_hat / inv_std                                   # X - mu
    dvar = np.sum(dX_hat * X_mu, axis=0) * -0.5 * inv_std ** 3
    dmu = -np.sum(dX_hat * inv_std, axis=0) + dvar * np.mean(-2.0 * X_mu, axis=0)
    dX = dX_hat * inv_std + dvar * 2.0 * X_mu / m + dmu / m
    return dX, dgamma, dbeta
''',
    ),
    # ------------------------------------------------------------------ found by a student's review
    Mutant(
        name="ch06_forward_eps_dropped",
        function="batchnorm_forward",
        message="did you add eps to the variance before the square root",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, then scale by gamma and shift by beta."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    if mode == "train":
        mu = X.mean(axis=0)
        var = np.mean((X - mu) ** 2, axis=0)
        state["running_mean"] = momentum * state["running_mean"] + (1 - momentum) * mu
        state["running_var"] = momentum * state["running_var"] + (1 - momentum) * var
    else:
        mu, var = state["running_mean"], state["running_var"]
    inv_std = 1.0 / np.sqrt(var)
    X_hat = (X - mu) * inv_std
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_running_stats_never_updated",
        function="batchnorm_forward",
        message="was never updated",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, then scale by gamma and shift by beta."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    if "running_mean" not in state:
        state["running_mean"] = np.zeros(n)
        state["running_var"] = np.ones(n)
    if mode == "train":
        mu = X.mean(axis=0)
        var = np.mean((X - mu) ** 2, axis=0)
        running_mean = momentum * state["running_mean"] + (1 - momentum) * mu
        running_var = momentum * state["running_var"] + (1 - momentum) * var
    else:
        mu, var = state["running_mean"], state["running_var"]
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_running_stats_rebinds_state",
        function="batchnorm_forward",
        message="would only rebind the local name",
        source='''\
def batchnorm_forward(X, gamma, beta, state, mode, momentum=0.9, eps=1e-5):
    """Batch normalization of the columns of X, then scale by gamma and shift by beta."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    n = X.shape[1]
    running_mean = state.get("running_mean", np.zeros(n))
    running_var = state.get("running_var", np.ones(n))
    if mode == "train":
        mu = X.mean(axis=0)
        var = np.mean((X - mu) ** 2, axis=0)
        state = {"running_mean": momentum * running_mean + (1 - momentum) * mu,
                 "running_var": momentum * running_var + (1 - momentum) * var}
    else:
        mu, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    out = gamma * X_hat + beta
    return out, (X_hat, gamma, inv_std)
''',
    ),
    Mutant(
        name="ch06_backward_var_term_sign",
        function="batchnorm_backward",
        message="the sign of the variance term is wrong",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dX_hat = gamma * dout
    dX = (inv_std / m) * (m * dX_hat - dX_hat.sum(axis=0) + X_hat * np.sum(dX_hat * X_hat, axis=0))
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_mean_term_sign",
        function="batchnorm_backward",
        message="the sign of the mean term is wrong",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dX_hat = gamma * dout
    dX = (inv_std / m) * (m * dX_hat + dX_hat.sum(axis=0) - X_hat * np.sum(dX_hat * X_hat, axis=0))
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_var_term_without_X_hat",
        function="batchnorm_backward",
        message="without the X_hat inside the sum",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dX_hat = gamma * dout
    dX = (inv_std / m) * (m * dX_hat - dX_hat.sum(axis=0) - X_hat * np.sum(dX_hat, axis=0))
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_var_term_sums_everything",
        function="batchnorm_backward",
        message="the sum in the variance term runs over the whole array",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dX_hat = gamma * dout
    dX = (inv_std / m) * (m * dX_hat - dX_hat.sum(axis=0) - X_hat * np.sum(dX_hat * X_hat))
    return dX, dgamma, dbeta
''',
    ),
    Mutant(
        name="ch06_backward_bracket_sums_not_averaged",
        function="batchnorm_backward",
        message="the factor 1/m multiplies the whole bracket",
        source='''\
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in training mode."""
    X_hat, gamma, inv_std = cache
    m = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * X_hat, axis=0)
    dX_hat = gamma * dout
    dX = inv_std * (dX_hat - dX_hat.sum(axis=0) - X_hat * np.sum(dX_hat * X_hat, axis=0))
    return dX, dgamma, dbeta
''',
    ),
]
