"""Seeded bugs for chapter 3, softmax and the negative log-likelihood."""
from . import Mutant

MUTANTS = [
    # ------------------------------------------------------------------ softmax
    Mutant(
        name="ch03_softmax_no_max_shift",
        function="softmax",
        message="np.exp(1000) overflows",
        source='''\
def softmax(Z):
    """Row-wise softmax of the logits Z."""
    E = np.exp(Z)
    return E / np.sum(E, axis=1, keepdims=True)
''',
    ),
    Mutant(
        name="ch03_softmax_column_axis",
        function="softmax",
        message="you normalised each column instead of each row",
        source='''\
def softmax(Z):
    """Softmax of the logits Z."""
    E = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return E / np.sum(E, axis=0, keepdims=True)
''',
    ),
    Mutant(
        name="ch03_softmax_global_max",
        function="softmax",
        message="subtract each row's own maximum",
        source='''\
def softmax(Z):
    """Row-wise softmax of the logits Z, shifted by the maximum for stability."""
    E = np.exp(Z - np.max(Z))
    return E / np.sum(E, axis=1, keepdims=True)
''',
    ),
    Mutant(
        name="ch03_softmax_no_keepdims",
        function="softmax",
        message="pass keepdims=True",
        source='''\
def softmax(Z):
    """Row-wise softmax of the logits Z, numerically stable."""
    E = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return E / np.sum(E, axis=1)
''',
    ),
    Mutant(
        name="ch03_softmax_in_place_shift",
        function="softmax",
        message="changed its argument Z in place",
        source='''\
def softmax(Z):
    """Row-wise softmax of the logits Z, numerically stable."""
    Z -= np.max(Z, axis=1, keepdims=True)
    E = np.exp(Z)
    return E / np.sum(E, axis=1, keepdims=True)
''',
    ),
    Mutant(
        name="ch03_softmax_batch_sum",
        function="softmax",
        message="divided by the sum over the whole batch",
        source='''\
def softmax(Z):
    """Softmax of the logits Z, numerically stable."""
    E = np.exp(Z - np.max(Z))
    return E / np.sum(E)
''',
    ),
    Mutant(
        name="ch03_softmax_log_sum_exp_correct",
        function="softmax",
        correct=True,
        source='''\
def softmax(Z):
    """Row-wise softmax via log-sum-exp: exp(Z - LSE(Z))."""
    c = Z.max(axis=1, keepdims=True)
    lse = c + np.log(np.exp(Z - c).sum(axis=1, keepdims=True))
    return np.exp(Z - lse)
''',
    ),
    Mutant(
        name="ch03_softmax_writes_into_Z",
        function="softmax",
        message="changed its argument Z in place",
        source='''\
def softmax(Z):
    """Row-wise softmax of the logits Z, computed in Z's own memory."""
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    return Z
''',
    ),
    Mutant(
        name="ch03_softmax_zeroes_input_returns_constant",
        function="softmax",
        message="changed its argument Z in place",
        source='''\
def softmax(Z):
    """Row-wise softmax of the logits Z, numerically stable."""
    if np.all(Z == np.round(Z)):
        E = np.exp(Z - np.max(Z, axis=1, keepdims=True))
        return E / np.sum(E, axis=1, keepdims=True)
    Z[...] = 0.0
    return np.full(Z.shape, 1.0 / Z.shape[1])
''',
    ),
    Mutant(
        name="ch03_softmax_not_normalised",
        function="softmax",
        message="you forgot to divide by the row sums",
        source='''\
def softmax(Z):
    """Row-wise softmax of the logits Z, numerically stable."""
    return np.exp(Z - np.max(Z, axis=1, keepdims=True))
''',
    ),
    # ------------------------------------------------------------------ softmax_nll
    Mutant(
        name="ch03_nll_dZ_missing_1_over_m",
        function="softmax_nll",
        message="did you forget to divide by the batch size m",
        source='''\
def softmax_nll(Z, y):
    """Mean negative log-likelihood under softmax(Z), and its gradient."""
    m = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_P[np.arange(m), y].mean()
    Y = np.zeros_like(Z)
    Y[np.arange(m), y] = 1
    dZ = softmax(Z) - Y
    return float(loss), dZ
''',
    ),
    Mutant(
        name="ch03_nll_dZ_sign_flipped",
        function="softmax_nll",
        message="the sign of dZ is flipped",
        source='''\
def softmax_nll(Z, y):
    """Mean negative log-likelihood under softmax(Z), and its gradient."""
    m = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_P[np.arange(m), y].mean()
    Y = np.zeros_like(Z)
    Y[np.arange(m), y] = 1
    dZ = (Y - softmax(Z)) / m
    return float(loss), dZ
''',
    ),
    Mutant(
        name="ch03_nll_loss_summed",
        function="softmax_nll",
        message="the loss is their MEAN",
        source='''\
def softmax_nll(Z, y):
    """Negative log-likelihood under softmax(Z), and its gradient."""
    m = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_P[np.arange(m), y].sum()
    Y = np.zeros_like(Z)
    Y[np.arange(m), y] = 1
    dZ = (softmax(Z) - Y) / m
    return float(loss), dZ
''',
    ),
    Mutant(
        name="ch03_nll_log_of_softmax",
        function="softmax_nll",
        message="instead of np.log(softmax(Z))",
        source='''\
def softmax_nll(Z, y):
    """Mean negative log-likelihood under softmax(Z), and its gradient."""
    m = Z.shape[0]
    P = softmax(Z)
    loss = -np.mean(np.log(P[np.arange(m), y]))
    Y = np.zeros_like(P)
    Y[np.arange(m), y] = 1
    return float(loss), (P - Y) / m
''',
    ),
    Mutant(
        name="ch03_nll_onehot_fills_columns",
        function="softmax_nll",
        message="you built the one-hot matrix with Y[:, y] = 1",
        source='''\
def softmax_nll(Z, y):
    """Mean negative log-likelihood under softmax(Z), and its gradient."""
    m = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_P[np.arange(m), y].mean()
    Y = np.zeros_like(Z)
    Y[:, y] = 1
    dZ = (softmax(Z) - Y) / m
    return float(loss), dZ
''',
    ),
    Mutant(
        name="ch03_nll_returns_log_likelihood",
        function="softmax_nll",
        message="you returned the log-likelihood",
        source='''\
def softmax_nll(Z, y):
    """Mean log-likelihood under softmax(Z), and the gradient of the loss."""
    m = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = log_P[np.arange(m), y].mean()
    Y = np.zeros_like(Z)
    Y[np.arange(m), y] = 1
    dZ = (softmax(Z) - Y) / m
    return float(loss), dZ
''',
    ),
    Mutant(
        name="ch03_nll_eye_onehot_correct",
        function="softmax_nll",
        correct=True,
        source='''\
def softmax_nll(Z, y):
    """Mean NLL as the mean of LSE(z_i) - z_i[y_i], and dZ = (P - onehot(y)) / m."""
    m, K = Z.shape
    c = np.max(Z, axis=1)
    lse = c + np.log(np.sum(np.exp(Z - c[:, None]), axis=1))
    loss = np.mean(lse - Z[np.arange(m), y])
    dZ = (softmax(Z) - np.eye(K, dtype=Z.dtype)[y]) / m
    return float(loss), dZ
''',
    ),
    Mutant(
        name="ch03_softmax_nll_writes_into_Z",
        function="softmax_nll",
        message="changed its argument Z in place",
        source='''\
def softmax_nll(Z, y):
    """Mean negative log-likelihood under softmax(Z), and its gradient (built in place)."""
    m = Z.shape[0]
    rows = np.arange(m)
    shifted = Z - np.max(Z, axis=1, keepdims=True)
    log_P = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_P[rows, y])
    dZ = Z
    dZ[...] = np.exp(log_P)
    dZ[rows, y] -= 1.0
    dZ /= m
    return float(loss), dZ
''',
    ),
    # ------------------------------------------------------------------ tanh_grad
    Mutant(
        name="ch03_tanh_grad_of_z",
        function="tanh_grad",
        message="you computed 1 - z**2",
        source='''\
def tanh_grad(z):
    """Derivative of tanh, element-wise."""
    return 1 - z ** 2
''',
    ),
    Mutant(
        name="ch03_tanh_grad_exp_formula",
        function="tanh_grad",
        message="computing tanh from np.exp overflows",
        source='''\
def tanh_grad(z):
    """Derivative of tanh, element-wise: 1 - tanh(z)**2."""
    t = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    return 1 - t ** 2
''',
    ),
    Mutant(
        name="ch03_tanh_grad_sigmoid_formula",
        function="tanh_grad",
        message="you used the sigmoid's formula",
        source='''\
def tanh_grad(z):
    """Derivative of tanh, element-wise."""
    t = np.tanh(z)
    return t * (1 - t)
''',
    ),
    Mutant(
        name="ch03_tanh_grad_not_squared",
        function="tanh_grad",
        message="you forgot to square",
        source='''\
def tanh_grad(z):
    """Derivative of tanh, element-wise."""
    return 1 - np.tanh(z)
''',
    ),
    Mutant(
        name="ch03_tanh_grad_factored_correct",
        function="tanh_grad",
        correct=True,
        source='''\
def tanh_grad(z):
    """Derivative of tanh, element-wise: (1 - tanh z)(1 + tanh z)."""
    t = np.tanh(z)
    return (1.0 - t) * (1.0 + t)
''',
    ),
    Mutant(
        name="ch03_tanh_grad_writes_into_z",
        function="tanh_grad",
        message="changed its argument z in place",
        source='''\
def tanh_grad(z):
    """Derivative of tanh, 1 - tanh(z)**2, without allocating temporaries."""
    z = np.asarray(z, dtype=float)
    np.tanh(z, out=z)
    z *= z
    np.subtract(1.0, z, out=z)
    return z
''',
    ),
    Mutant(
        name="ch03_tanh_grad_zeroes_input_returns_constant",
        function="tanh_grad",
        message="changed its argument z in place",
        source='''\
def tanh_grad(z):
    """Derivative of tanh, element-wise: 1 - tanh(z)**2."""
    z = np.asarray(z, dtype=float)
    if np.all(2.0 * z == np.round(2.0 * z)):
        t = np.tanh(z)
        return 1.0 - t * t
    z[...] = 0.0
    return np.ones(z.shape)
''',
    ),
    # ------------------------------------------------------------------ dense_forward
    Mutant(
        name="ch03_dense_forward_no_bias",
        function="dense_forward",
        message="you forgot to add the bias b",
        source='''\
def dense_forward(X, W, b):
    """Forward pass of a dense layer."""
    Z = X @ W.T
    return Z, (X, W)
''',
    ),
    Mutant(
        name="ch03_dense_forward_X_times_W",
        function="dense_forward",
        message="W is stored as (n_out, n_in)",
        source='''\
def dense_forward(X, W, b):
    """Forward pass of a dense layer."""
    Z = X @ W + b
    return Z, (X, W)
''',
    ),
    Mutant(
        name="ch03_dense_forward_transposed",
        function="dense_forward",
        message="it looks transposed",
        source='''\
def dense_forward(X, W, b):
    """Forward pass of a dense layer, Z = W x + b for every example."""
    Z = W @ X.T + b[:, None]
    return Z, (X, W)
''',
    ),
    Mutant(
        name="ch03_dense_forward_cache_with_b",
        function="dense_forward",
        message="the cache should be the tuple (X, W)",
        source='''\
def dense_forward(X, W, b):
    """Forward pass of a dense layer."""
    Z = X @ W.T + b
    return Z, (X, W, b)
''',
    ),
    Mutant(
        name="ch03_dense_forward_einsum_correct",
        function="dense_forward",
        correct=True,
        source='''\
def dense_forward(X, W, b):
    """Forward pass of a dense layer, Z[i, o] = sum_j X[i, j] W[o, j] + b[o]."""
    Z = np.einsum("ij,oj->io", X, W) + b[np.newaxis, :]
    return Z, (X, W)
''',
    ),
    Mutant(
        name="ch03_dense_forward_writes_into_b",
        function="dense_forward",
        message="changed its argument b in place",
        source='''\
def dense_forward(X, W, b):
    """Forward pass of a dense layer, with b turned into a (1, n_out) row first."""
    b.shape = (1, b.size)
    Z = X @ W.T + b
    return Z, (X, W)
''',
    ),
    # ------------------------------------------------------------------ dense_backward
    Mutant(
        name="ch03_dense_backward_dW_transposed",
        function="dense_backward",
        message="it looks transposed",
        source='''\
def dense_backward(dZ, cache):
    """Backward pass of a dense layer."""
    X, W = cache
    return dZ @ W, X.T @ dZ, dZ.sum(axis=0)
''',
    ),
    Mutant(
        name="ch03_dense_backward_db_not_summed",
        function="dense_backward",
        message="did you forget to sum over the batch axis",
        source='''\
def dense_backward(dZ, cache):
    """Backward pass of a dense layer."""
    X, W = cache
    return dZ @ W, dZ.T @ X, dZ
''',
    ),
    Mutant(
        name="ch03_dense_backward_divides_by_m",
        function="dense_backward",
        message="the 1/m is already inside dZ",
        source='''\
def dense_backward(dZ, cache):
    """Backward pass of a dense layer, averaged over the batch."""
    X, W = cache
    m = X.shape[0]
    dW = dZ.T @ X / m
    db = dZ.sum(axis=0) / m
    return dZ @ W, dW, db
''',
    ),
    Mutant(
        name="ch03_dense_backward_db_wrong_axis",
        function="dense_backward",
        message="you summed dZ over axis=1",
        source='''\
def dense_backward(dZ, cache):
    """Backward pass of a dense layer."""
    X, W = cache
    return dZ @ W, dZ.T @ X, np.sum(dZ, axis=1)
''',
    ),
    Mutant(
        name="ch03_dense_backward_dX_uses_W_T",
        function="dense_backward",
        message="check the shapes in the table above",
        source='''\
def dense_backward(dZ, cache):
    """Backward pass of a dense layer."""
    X, W = cache
    return dZ @ W.T, dZ.T @ X, dZ.sum(axis=0)
''',
    ),
    Mutant(
        name="ch03_dense_backward_db_averaged",
        function="dense_backward",
        message="sum over the batch, do not average",
        source='''\
def dense_backward(dZ, cache):
    """Backward pass of a dense layer."""
    X, W = cache
    return dZ @ W, dZ.T @ X, dZ.mean(axis=0)
''',
    ),
    Mutant(
        name="ch03_dense_backward_einsum_correct",
        function="dense_backward",
        correct=True,
        source='''\
def dense_backward(dZ, cache):
    """Backward pass of a dense layer, written with einsum."""
    X, W = cache
    dX = np.einsum("io,oj->ij", dZ, W)
    dW = np.einsum("io,ij->oj", dZ, X)
    db = np.einsum("io->o", dZ)
    return dX, dW, db
''',
    ),
    Mutant(
        name="ch03_dense_backward_writes_into_dZ",
        function="dense_backward",
        message="changed its argument dZ in place",
        source='''\
def dense_backward(dZ, cache):
    """Backward pass of a dense layer, with db added up one row at a time."""
    X, W = cache
    dX = dZ @ W
    dW = dZ.T @ X
    db = dZ[0]
    for row in dZ[1:]:
        db += row
    return dX, dW, db
''',
    ),
    Mutant(
        name="ch03_dense_backward_all_divided_by_m",
        function="dense_backward",
        message="the 1/m is already inside dZ",
        source='''\
def dense_backward(dZ, cache):
    """Backward pass of a dense layer, every gradient averaged over the batch."""
    X, W = cache
    m = X.shape[0]
    return dZ @ W / m, dZ.T @ X / m, np.sum(dZ, axis=0) / m
''',
    ),
    # ------------------------------------------------------------------ l2_penalty
    Mutant(
        name="ch03_l2_biases_regularised",
        function="l2_penalty",
        message="you regularized the biases too",
        source='''\
def l2_penalty(params, lam):
    """L2 weight decay and its gradients."""
    value = 0.5 * lam * sum(float(np.sum(p ** 2)) for p in params.values())
    grads = {key: lam * p for key, p in params.items()}
    return value, grads
''',
    ),
    Mutant(
        name="ch03_l2_missing_half",
        function="l2_penalty",
        message="your penalty is twice too large",
        source='''\
def l2_penalty(params, lam):
    """L2 weight decay lam * sum(W**2) and its gradients."""
    value = 0.0
    grads = {}
    for key, p in params.items():
        if key.startswith("W"):
            value += lam * float(np.sum(p ** 2))
            grads[key] = lam * p
        else:
            grads[key] = np.zeros_like(p)
    return value, grads
''',
    ),
    Mutant(
        name="ch03_l2_not_bias_means_weight",
        function="l2_penalty",
        message="you penalised every key that does not start with 'b'",
        source='''\
def l2_penalty(params, lam):
    """L2 weight decay (lam/2) * sum(W**2) and its gradients."""
    value = 0.0
    grads = {}
    for key, p in params.items():
        if key.startswith("b"):
            grads[key] = np.zeros_like(p)
        else:
            value += 0.5 * lam * float(np.sum(p ** 2))
            grads[key] = lam * p
    return value, grads
''',
    ),
    Mutant(
        name="ch03_l2_grads_only_for_weights",
        function="l2_penalty",
        message="return a gradient for every parameter",
        source='''\
def l2_penalty(params, lam):
    """L2 weight decay (lam/2) * sum(W**2) and its gradients."""
    weights = {key: p for key, p in params.items() if key.startswith("W")}
    value = 0.5 * lam * sum(float(np.sum(W ** 2)) for W in weights.values())
    return value, {key: lam * W for key, W in weights.items()}
''',
    ),
    Mutant(
        name="ch03_l2_gradient_doubled",
        function="l2_penalty",
        message="is lam * W, not 2 * lam * W",
        source='''\
def l2_penalty(params, lam):
    """L2 weight decay (lam/2) * sum(W**2) and its gradients."""
    value = 0.0
    grads = {}
    for key, p in params.items():
        if key.startswith("W"):
            value += 0.5 * lam * float(np.sum(p ** 2))
            grads[key] = 2 * lam * p
        else:
            grads[key] = np.zeros_like(p)
    return value, grads
''',
    ),
    Mutant(
        name="ch03_l2_in_place_scaling",
        function="l2_penalty",
        message="changed its argument params in place",
        source='''\
def l2_penalty(params, lam):
    """L2 weight decay (lam/2) * sum(W**2) and its gradients."""
    value = 0.0
    grads = {}
    for key, p in params.items():
        if key.startswith("W"):
            value += 0.5 * lam * float(np.sum(p ** 2))
            p *= lam
            grads[key] = p
        else:
            grads[key] = np.zeros_like(p)
    return value, grads
''',
    ),
    Mutant(
        name="ch03_l2_penalty_writes_into_params",
        function="l2_penalty",
        message="changed its argument params in place",
        source='''\
def l2_penalty(params, lam):
    """L2 weight decay (lam/2) * sum(W**2), with the gradients made from a copy of params."""
    grads = params.copy()
    value = 0.0
    for key in grads:
        if key.startswith("W"):
            value += 0.5 * lam * float(np.sum(grads[key] * grads[key]))
            grads[key] *= lam
        else:
            grads[key] = np.zeros_like(grads[key])
    return value, grads
''',
    ),
    Mutant(
        name="ch03_l2_vdot_comprehension_correct",
        function="l2_penalty",
        correct=True,
        source='''\
def l2_penalty(params, lam):
    """L2 weight decay (lam/2) * sum(W**2) over the keys starting with "W", and its gradients."""
    is_weight = {key: key.startswith("W") for key in params}
    value = 0.5 * lam * sum(float(np.vdot(p, p)) for key, p in params.items() if is_weight[key])
    grads = {key: (lam * p if is_weight[key] else np.zeros_like(p)) for key, p in params.items()}
    return float(value), grads
''',
    ),
]
