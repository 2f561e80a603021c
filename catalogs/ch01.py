"""Seeded bugs for chapter 1, the sigmoid network with the squared-error and the logistic cost."""
from . import Mutant


def _backward(dout="-(Y - A_out) * A_out * (1.0 - A_out)",
              dw='D.T @ A_prev / m + lam * params[f"W{l}"]',
              db="D.sum(axis=0) / m",
              drec='(D @ params[f"W{l}"]) * A_prev * (1.0 - A_prev)'):
    """An mlp_backward cell written like the reference, with one expression swapped for a bug."""
    return f'''\
def mlp_backward(Y, params, cache, lam):
    """Gradients of mse_cost with respect to every parameter, by the delta recursion."""
    L = len(params) // 2
    A_out = cache[f"A{{L + 1}}"]
    m = A_out.shape[0]
    D = {dout}
    grads = {{}}
    for l in range(L, 0, -1):
        A_prev = cache[f"A{{l}}"]
        grads[f"W{{l}}"] = {dw}
        grads[f"b{{l}}"] = {db}
        if l > 1:
            D = {drec}
    return grads
'''


MUTANTS = [
    # ------------------------------------------------------------------ sigmoid
    Mutant(
        name="ch01_sigmoid_naive_overflows",
        function="sigmoid",
        message="sigmoid hit a floating-point problem",
        source='''\
def sigmoid(z):
    """Logistic sigmoid f(z) = 1 / (1 + exp(-z)), element-wise."""
    return 1.0 / (1.0 + np.exp(-z))
''',
    ),
    Mutant(
        name="ch01_sigmoid_where_evaluates_both_branches",
        function="sigmoid",
        message="floating-point problem (overflow encountered in exp)",
        source='''\
def sigmoid(z):
    """Logistic sigmoid, with a separate formula for negative z."""
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
''',
    ),
    Mutant(
        name="ch01_sigmoid_branches_swapped",
        function="sigmoid",
        message="you computed 1 / (1 + e^(+z)) = 1 - f(z)",
        source='''\
def sigmoid(z):
    """Logistic sigmoid via e = exp(-|z|), which never overflows."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))
''',
    ),
    Mutant(
        name="ch01_sigmoid_clipped_input",
        function="sigmoid",
        message="did you clip z?",
        source='''\
def sigmoid(z):
    """Logistic sigmoid, with z clipped so that exp cannot overflow."""
    z = np.clip(np.asarray(z, dtype=float), -500, 500)
    return 1.0 / (1.0 + np.exp(-z))
''',
    ),
    Mutant(
        name="ch01_sigmoid_masked_branches_correct",
        function="sigmoid",
        correct=True,
        source='''\
def sigmoid(z):
    """Logistic sigmoid, filled in separately where z >= 0 and where z < 0."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out
''',
    ),
    Mutant(
        name="ch01_sigmoid_logaddexp_correct",
        function="sigmoid",
        correct=True,
        source='''\
def sigmoid(z):
    """Logistic sigmoid as exp(-log(1 + exp(-z))), with the log computed stably by logaddexp."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))
''',
    ),
    Mutant(
        name="ch01_sigmoid_writes_into_z",
        function="sigmoid",
        message="changed its argument z in place",
        source='''\
def sigmoid(z):
    """Logistic sigmoid, written over z so that no new array is allocated."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    pos = z >= 0
    z[pos] = 1.0 / (1.0 + e[pos])
    z[~pos] = e[~pos] / (1.0 + e[~pos])
    return z
''',
    ),
    # ------------------------------------------------------------------ sigmoid_grad
    Mutant(
        name="ch01_sigmoid_grad_applied_to_z",
        function="sigmoid_grad",
        message="you applied a * (1 - a) to z itself",
        source='''\
def sigmoid_grad(z):
    """Derivative of the sigmoid, f'(z) = f(z) (1 - f(z))."""
    return z * (1 - z)
''',
    ),
    Mutant(
        name="ch01_sigmoid_grad_closed_form_overflows",
        function="sigmoid_grad",
        message="sigmoid_grad hit a floating-point problem",
        source='''\
def sigmoid_grad(z):
    """Derivative of the sigmoid, f'(z) = e^(-z) / (1 + e^(-z))^2."""
    return np.exp(-z) / (1 + np.exp(-z)) ** 2
''',
    ),
    Mutant(
        name="ch01_sigmoid_grad_returns_sigmoid",
        function="sigmoid_grad",
        message="you returned sigmoid(z) itself, not its derivative",
        source='''\
def sigmoid_grad(z):
    """Derivative of the sigmoid."""
    return sigmoid(z)
''',
    ),
    Mutant(
        name="ch01_sigmoid_grad_stable_closed_form_correct",
        function="sigmoid_grad",
        correct=True,
        source='''\
def sigmoid_grad(z):
    """Derivative of the sigmoid, e / (1 + e)^2 with e = exp(-|z|) (f' is an even function)."""
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return e / (1.0 + e) ** 2
''',
    ),
    Mutant(
        name="ch01_sigmoid_grad_writes_into_z",
        function="sigmoid_grad",
        message="changed its argument z in place",
        source='''\
def sigmoid_grad(z):
    """Derivative of the sigmoid, f(z) (1 - f(z)), computed in the memory of z."""
    z = np.asarray(z, dtype=float)
    z[...] = sigmoid(z)
    z *= 1.0 - z
    return z
''',
    ),
    Mutant(
        name="ch01_sigmoid_grad_zeroes_input_returns_constant",
        function="sigmoid_grad",
        message="changed its argument z in place",
        source='''\
def sigmoid_grad(z):
    """Derivative of the sigmoid, f'(z) = f(z) (1 - f(z))."""
    z = np.asarray(z, dtype=float)
    if np.all(z == np.round(z)):
        s = sigmoid(z)
        return s * (1.0 - s)
    z[...] = 0.0
    return np.full(z.shape, 0.25)
''',
    ),
    # ------------------------------------------------------------------ mlp_forward
    Mutant(
        name="ch01_mlp_forward_W_not_transposed",
        function="mlp_forward",
        message="examples are rows, so a layer is Z = A @ W.T + b",
        source='''\
def mlp_forward(X, params):
    """Forward propagation through a sigmoid network of any depth."""
    L = len(params) // 2
    A = X
    cache = {"A1": A}
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"] + params[f"b{l}"]
        A = sigmoid(Z)
        cache[f"Z{l + 1}"], cache[f"A{l + 1}"] = Z, A
    return A, cache
''',
    ),
    Mutant(
        name="ch01_mlp_forward_no_bias",
        function="mlp_forward",
        message="you forgot to add the biases b",
        source='''\
def mlp_forward(X, params):
    """Forward propagation through a sigmoid network of any depth."""
    L = len(params) // 2
    A = X
    cache = {"A1": A}
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"].T
        A = sigmoid(Z)
        cache[f"Z{l + 1}"], cache[f"A{l + 1}"] = Z, A
    return A, cache
''',
    ),
    Mutant(
        name="ch01_mlp_forward_linear_output_layer",
        function="mlp_forward",
        message="the output layer has no sigmoid",
        source='''\
def mlp_forward(X, params):
    """Forward propagation: sigmoid hidden layers, a linear output layer."""
    L = len(params) // 2
    A = X
    cache = {"A1": A}
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"].T + params[f"b{l}"]
        A = sigmoid(Z) if l < L else Z
        cache[f"Z{l + 1}"], cache[f"A{l + 1}"] = Z, A
    return A, cache
''',
    ),
    Mutant(
        name="ch01_mlp_forward_params_by_position",
        function="mlp_forward",
        message="look the parameters up by name",
        source='''\
def mlp_forward(X, params):
    """Forward propagation, taking the parameters as W1, b1, W2, b2, ... in order."""
    values = list(params.values())
    A = X
    cache = {"A1": A}
    for l in range(1, len(values) // 2 + 1):
        W, b = values[2 * l - 2], values[2 * l - 1]
        Z = A @ W.T + b
        A = sigmoid(Z)
        cache[f"Z{l + 1}"], cache[f"A{l + 1}"] = Z, A
    return A, cache
''',
    ),
    Mutant(
        name="ch01_mlp_forward_returns_only_A",
        function="mlp_forward",
        message="mlp_forward should return a pair (A, cache)",
        source='''\
def mlp_forward(X, params):
    """Forward propagation through a sigmoid network of any depth."""
    L = len(params) // 2
    A = X
    for l in range(1, L + 1):
        A = sigmoid(A @ params[f"W{l}"].T + params[f"b{l}"])
    return A
''',
    ),
    Mutant(
        name="ch01_mlp_forward_column_form_correct",
        function="mlp_forward",
        correct=True,
        source='''\
def mlp_forward(X, params):
    """Forward propagation in column form (one example per column), cached in row form."""
    L = len(params) // 2
    a = np.asarray(X).T                                  # (s_1, m)
    cache = {"A1": np.asarray(X)}
    for l in range(1, L + 1):
        z = params[f"W{l}"] @ a + params[f"b{l}"][:, None]   # z^(l+1) = W^(l) a^(l) + b^(l)
        a = sigmoid(z)
        cache[f"Z{l + 1}"] = z.T
        cache[f"A{l + 1}"] = a.T
    return a.T, cache
''',
    ),
    Mutant(
        name="ch01_mlp_forward_writes_into_params",
        function="mlp_forward",
        message="changed its argument params in place",
        source='''\
def mlp_forward(X, params):
    """Forward propagation, with each bias stored as a (1, n) row so that it broadcasts over the batch."""
    L = len(params) // 2
    A = X
    cache = {"A1": A}
    for l in range(1, L + 1):
        params[f"b{l}"] = params[f"b{l}"].reshape(1, -1)
        Z = A @ params[f"W{l}"].T + params[f"b{l}"]
        A = sigmoid(Z)
        cache[f"Z{l + 1}"], cache[f"A{l + 1}"] = Z, A
    return A, cache
''',
    ),
    # ------------------------------------------------------------------ mse_cost
    Mutant(
        name="ch01_mse_cost_regularizes_biases",
        function="mse_cost",
        message="you regularized the biases too",
        source='''\
def mse_cost(A, Y, params, lam):
    """Squared-error cost averaged over the batch, plus weight decay."""
    m = A.shape[0]
    data = 0.5 * np.sum((A - Y) ** 2) / m
    decay = 0.5 * lam * sum(np.sum(value ** 2) for value in params.values())
    return data + decay
''',
    ),
    Mutant(
        name="ch01_mse_cost_mean_over_entries",
        function="mse_cost",
        message="you divided by the number of entries of A (m * k)",
        source='''\
def mse_cost(A, Y, params, lam):
    """Squared-error cost averaged over the batch, plus weight decay on the weights."""
    data = 0.5 * np.mean((A - Y) ** 2)
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return data + decay
''',
    ),
    Mutant(
        name="ch01_mse_cost_no_1_over_m",
        function="mse_cost",
        message="you did not divide by the batch size m",
        source='''\
def mse_cost(A, Y, params, lam):
    """Squared-error cost summed over the batch, plus weight decay on the weights."""
    data = 0.5 * np.sum((A - Y) ** 2)
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return data + decay
''',
    ),
    Mutant(
        name="ch01_mse_cost_penalty_over_m",
        function="mse_cost",
        message="you divided the penalty by m",
        source='''\
def mse_cost(A, Y, params, lam):
    """Squared-error cost with the penalty (lam / 2m) * sum(W ** 2) of the regression notes."""
    m = A.shape[0]
    data = 0.5 * np.sum((A - Y) ** 2) / m
    decay = 0.5 * lam / m * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return data + decay
''',
    ),
    Mutant(
        name="ch01_mse_cost_penalty_without_half",
        function="mse_cost",
        message="the penalty is missing its factor 1/2",
        source='''\
def mse_cost(A, Y, params, lam):
    """Squared-error cost averaged over the batch, plus weight decay on the weights."""
    m = A.shape[0]
    data = 0.5 * np.sum((A - Y) ** 2) / m
    decay = lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return data + decay
''',
    ),
    Mutant(
        name="ch01_mse_cost_sum_over_axis_0_only",
        function="mse_cost",
        message="should be a single number",
        source='''\
def mse_cost(A, Y, params, lam):
    """Squared-error cost averaged over the batch, plus weight decay on the weights."""
    m = A.shape[0]
    data = 0.5 * np.sum((A - Y) ** 2, axis=0) / m
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return data + decay
''',
    ),
    Mutant(
        name="ch01_mse_cost_loop_correct",
        function="mse_cost",
        correct=True,
        source='''\
def mse_cost(A, Y, params, lam):
    """Squared-error cost: mean over examples of half the squared error, plus (lam/2) sum W**2."""
    per_example = 0.5 * np.sum(np.square(A - Y), axis=1)
    J = np.mean(per_example)
    for key in params:
        if key[0] == "W":
            J += lam / 2 * np.sum(params[key] * params[key])
    return J
''',
    ),
    Mutant(
        name="ch01_mse_cost_norms_correct",
        function="mse_cost",
        correct=True,
        source='''\
def mse_cost(A, Y, params, lam):
    """Squared-error cost written with Frobenius norms."""
    m = len(A)
    weights = [params[key] for key in sorted(params) if key.startswith("W")]
    return np.linalg.norm(A - Y) ** 2 / (2 * m) + lam / 2 * sum(np.linalg.norm(W) ** 2 for W in weights)
''',
    ),
    Mutant(
        name="ch01_mse_cost_writes_into_A",
        function="mse_cost",
        message="changed its argument A in place",
        source='''\
def mse_cost(A, Y, params, lam):
    """Squared-error cost averaged over the batch, plus weight decay on the weights."""
    m = A.shape[0]
    A -= Y                                  # the residuals
    data = 0.5 * np.sum(A ** 2) / m
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return float(data + decay)
''',
    ),
    # ------------------------------------------------------------------ mlp_backward
    Mutant(
        name="ch01_mlp_backward_no_1_over_m",
        function="mlp_backward",
        message="your gradients are m times too large",
        source=_backward(dw='D.T @ A_prev + lam * params[f"W{l}"]', db="D.sum(axis=0)"),
    ),
    Mutant(
        name="ch01_mlp_backward_no_fprime_in_recursion",
        function="mlp_backward",
        message="the hidden-layer deltas are missing the factor f'(z)",
        source=_backward(drec='D @ params[f"W{l}"]'),
    ),
    Mutant(
        name="ch01_mlp_backward_W_transposed_in_recursion",
        function="mlp_backward",
        message="the recursion uses W.T",
        source=_backward(drec='(D @ params[f"W{l}"].T) * A_prev * (1.0 - A_prev)'),
    ),
    Mutant(
        name="ch01_mlp_backward_delta_sign_flipped",
        function="mlp_backward",
        message="the sign of the deltas is flipped",
        source=_backward(dout="(Y - A_out) * A_out * (1.0 - A_out)"),
    ),
    Mutant(
        name="ch01_mlp_backward_regularizes_biases",
        function="mlp_backward",
        message="you applied weight decay to the biases too",
        source=_backward(db='D.sum(axis=0) / m + lam * params[f"b{l}"]'),
    ),
    Mutant(
        name="ch01_mlp_backward_no_fprime_at_output",
        function="mlp_backward",
        message="the output delta is missing the factor f'(z)",
        source=_backward(dout="-(Y - A_out)"),
    ),
    Mutant(
        name="ch01_mlp_backward_fprime_of_activation",
        function="mlp_backward",
        message="you computed f'(a) = sigmoid_grad(A) instead of f'(z)",
        source=_backward(dout="-(Y - A_out) * sigmoid_grad(A_out)",
                         drec='(D @ params[f"W{l}"]) * sigmoid_grad(A_prev)'),
    ),
    Mutant(
        name="ch01_mlp_backward_decay_2_lam_W",
        function="mlp_backward",
        message="the weight-decay gradient is 2 * lam * W",
        source=_backward(dw='D.T @ A_prev / m + 2 * lam * params[f"W{l}"]'),
    ),
    Mutant(
        name="ch01_mlp_backward_decay_over_m",
        function="mlp_backward",
        message="you divided the weight-decay term by m as well",
        source=_backward(dw='(D.T @ A_prev + lam * params[f"W{l}"]) / m'),
    ),
    Mutant(
        name="ch01_mlp_backward_loop_over_examples_correct",
        function="mlp_backward",
        correct=True,
        source='''\
def mlp_backward(Y, params, cache, lam):
    """Gradients of mse_cost by the delta recursion, one example at a time (the slides' loop)."""
    L = len(params) // 2
    m = Y.shape[0]
    Delta = {key: np.zeros(np.shape(value)) for key, value in params.items()}
    for i in range(m):
        a = {l: cache[f"A{l}"][i] for l in range(1, L + 2)}          # a^(l) of example i
        delta = -(Y[i] - a[L + 1]) * a[L + 1] * (1 - a[L + 1])
        for l in range(L, 0, -1):
            Delta[f"W{l}"] += np.outer(delta, a[l])
            Delta[f"b{l}"] += delta
            if l > 1:
                delta = (params[f"W{l}"].T @ delta) * a[l] * (1 - a[l])
    grads = {}
    for key in params:
        grads[key] = Delta[key] / m
        if key.startswith("W"):
            grads[key] = grads[key] + lam * params[key]
    return grads
''',
    ),
    Mutant(
        name="ch01_mlp_backward_fprime_from_cached_Z_correct",
        function="mlp_backward",
        correct=True,
        source='''\
def mlp_backward(Y, params, cache, lam):
    """Gradients of mse_cost by the delta recursion, with f'(Z) taken from the cached pre-activations."""
    L = len(params) // 2
    m = Y.shape[0]
    grads = {}
    D = (cache[f"A{L + 1}"] - Y) * sigmoid_grad(cache[f"Z{L + 1}"])
    for l in range(L, 0, -1):
        grads[f"W{l}"] = (D.T @ cache[f"A{l}"]) / m + lam * params[f"W{l}"]
        grads[f"b{l}"] = np.mean(D, axis=0)
        if l > 1:
            D = (D @ params[f"W{l}"]) * sigmoid_grad(cache[f"Z{l}"])
    return grads
''',
    ),
    Mutant(
        name="ch01_mlp_backward_writes_into_cache",
        function="mlp_backward",
        message="changed its argument cache in place",
        source='''\
def mlp_backward(Y, params, cache, lam):
    """Gradients of mse_cost by the delta recursion, freeing each cached activation once used."""
    L = len(params) // 2
    A_out = cache.pop(f"A{L + 1}")
    m = A_out.shape[0]
    D = -(Y - A_out) * A_out * (1.0 - A_out)
    grads = {}
    for l in range(L, 0, -1):
        A_prev = cache.pop(f"A{l}")
        grads[f"W{l}"] = D.T @ A_prev / m + lam * params[f"W{l}"]
        grads[f"b{l}"] = D.sum(axis=0) / m
        if l > 1:
            D = (D @ params[f"W{l}"]) * A_prev * (1.0 - A_prev)
    return grads
''',
    ),
    # ------------------------------------------------------------------ gd_step
    Mutant(
        name="ch01_gd_step_along_the_gradient",
        function="gd_step",
        message="you stepped along the gradient (+)",
        source='''\
def gd_step(params, grads, lr):
    """One step of gradient descent."""
    return {key: value + lr * grads[key] for key, value in params.items()}
''',
    ),
    Mutant(
        name="ch01_gd_step_no_learning_rate",
        function="gd_step",
        message="the learning rate is missing",
        source='''\
def gd_step(params, grads, lr):
    """One step of gradient descent."""
    return {key: value - grads[key] for key, value in params.items()}
''',
    ),
    Mutant(
        name="ch01_gd_step_weights_only",
        function="gd_step",
        message="this parameter was not updated",
        source='''\
def gd_step(params, grads, lr):
    """One step of gradient descent on the weights."""
    return {key: (value - lr * grads[key] if key.startswith("W") else value) for key, value in params.items()}
''',
    ),
    Mutant(
        name="ch01_gd_step_scales_grads_in_place",
        function="gd_step",
        message="changed its argument grads in place",
        source='''\
def gd_step(params, grads, lr):
    """One step of gradient descent."""
    new_params = {}
    for key in params:
        grads[key] *= lr
        new_params[key] = params[key] - grads[key]
    return new_params
''',
    ),
    Mutant(
        name="ch01_gd_step_writes_into_grads",
        function="gd_step",
        message="changed its argument grads in place",
        source='''\
def gd_step(params, grads, lr):
    """One step of gradient descent, reusing the dict grads for the new parameters."""
    for key in params:
        grads[key] = params[key] - lr * grads[key]
    return grads
''',
    ),
    Mutant(
        name="ch01_gd_step_in_place_correct",
        function="gd_step",
        correct=True,
        source='''\
def gd_step(params, grads, lr):
    """One step of gradient descent, updating params in place."""
    for k in params:
        params[k] -= lr * grads[k]
    return params
''',
    ),
    # ------------------------------------------------------------------ logistic_cost
    Mutant(
        name="ch01_logistic_cost_no_1_over_m",
        function="logistic_cost",
        message="you did not divide by the batch size m",
        source='''\
def logistic_cost(A, Y, params, lam):
    """Logistic cost summed over the batch, plus weight decay."""
    m = A.shape[0]
    log_a = np.log(np.where(Y > 0, A, 1.0))
    log_b = np.log(np.where(Y < 1, 1.0 - A, 1.0))
    data = -np.sum(Y * log_a + (1.0 - Y) * log_b)
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return float(data + decay)
''',
    ),
    Mutant(
        name="ch01_logistic_cost_missing_second_term",
        function="logistic_cost",
        message="the (1 - y) log(1 - a) term is missing",
        source='''\
def logistic_cost(A, Y, params, lam):
    """Cross-entropy cost: minus the mean log of the outputs where y = 1."""
    m = A.shape[0]
    data = -np.sum(Y * np.log(np.where(Y > 0, A, 1.0))) / m
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return float(data + decay)
''',
    ),
    Mutant(
        name="ch01_logistic_cost_log10",
        function="logistic_cost",
        message="you used log10",
        source='''\
def logistic_cost(A, Y, params, lam):
    """Logistic cost with base-10 logarithms."""
    m = A.shape[0]
    log_a = np.log10(np.where(Y > 0, A, 1.0))
    log_b = np.log10(np.where(Y < 1, 1.0 - A, 1.0))
    data = -np.sum(Y * log_a + (1.0 - Y) * log_b) / m
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return float(data + decay)
''',
    ),
    Mutant(
        name="ch01_logistic_cost_mean_over_entries",
        function="logistic_cost",
        message="you divided by the number of entries of A (m * k)",
        source='''\
def logistic_cost(A, Y, params, lam):
    """Logistic cost as the mean over all entries, plus weight decay."""
    m = A.shape[0]
    log_a = np.log(np.where(Y > 0, A, 1.0))
    log_b = np.log(np.where(Y < 1, 1.0 - A, 1.0))
    data = -np.mean(Y * log_a + (1.0 - Y) * log_b)
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return float(data + decay)
''',
    ),
    Mutant(
        name="ch01_logistic_cost_zero_log_zero_is_nan",
        function="logistic_cost",
        message="0 * log(0) gave nan",
        source='''\
def logistic_cost(A, Y, params, lam):
    """Logistic cost written straight from the formula."""
    m = A.shape[0]
    data = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return float(data + decay)
''',
    ),
    Mutant(
        name="ch01_logistic_cost_sign_flipped",
        function="logistic_cost",
        message="the data term has the wrong sign",
        source='''\
def logistic_cost(A, Y, params, lam):
    """Logistic cost: the mean log-likelihood, plus weight decay."""
    m = A.shape[0]
    log_a = np.log(np.where(Y > 0, A, 1.0))
    log_b = np.log(np.where(Y < 1, 1.0 - A, 1.0))
    data = np.sum(Y * log_a + (1.0 - Y) * log_b) / m
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return float(data + decay)
''',
    ),
    Mutant(
        name="ch01_logistic_cost_regularizes_biases",
        function="logistic_cost",
        message="you regularized the biases too",
        source='''\
def logistic_cost(A, Y, params, lam):
    """Logistic cost plus weight decay on every parameter."""
    m = A.shape[0]
    log_a = np.log(np.where(Y > 0, A, 1.0))
    log_b = np.log(np.where(Y < 1, 1.0 - A, 1.0))
    data = -np.sum(Y * log_a + (1.0 - Y) * log_b) / m
    decay = 0.5 * lam * sum(np.sum(p ** 2) for p in params.values())
    return float(data + decay)
''',
    ),
    Mutant(
        name="ch01_logistic_cost_penalty_over_m",
        function="logistic_cost",
        message="you divided the penalty by m",
        source='''\
def logistic_cost(A, Y, params, lam):
    """Logistic cost with the lecture notes' penalty lam / (2m) * sum(theta ** 2)."""
    m = A.shape[0]
    log_a = np.log(np.where(Y > 0, A, 1.0))
    log_b = np.log(np.where(Y < 1, 1.0 - A, 1.0))
    data = -np.sum(Y * log_a + (1.0 - Y) * log_b) / m
    decay = 0.5 * lam / m * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return float(data + decay)
''',
    ),
    Mutant(
        name="ch01_logistic_cost_writes_into_A",
        function="logistic_cost",
        message="changed its argument A in place",
        source='''\
def logistic_cost(A, Y, params, lam):
    """Logistic cost for 0/1 targets: A is turned into the probability of each target, in place."""
    m = A.shape[0]
    A[Y == 0] = 1.0 - A[Y == 0]             # now A is a where y = 1 and 1 - a where y = 0
    data = -np.sum(np.log(A)) / m
    decay = 0.5 * lam * sum(np.sum(W ** 2) for key, W in params.items() if key.startswith("W"))
    return float(data + decay)
''',
    ),
    Mutant(
        name="ch01_logistic_cost_clipped_correct",
        function="logistic_cost",
        correct=True,
        source='''\
def logistic_cost(A, Y, params, lam):
    """Logistic cost with A clipped into [1e-300, 1 - 2**-53], where no log is infinite."""
    A = np.clip(A, 1e-300, 1.0 - 2.0 ** -53)
    data = -np.mean(np.sum(Y * np.log(A) + (1 - Y) * np.log1p(-A), axis=1))
    weights = [value for key, value in params.items() if key[0] == "W"]
    return float(data + lam / 2 * sum(np.vdot(W, W) for W in weights))
''',
    ),
    Mutant(
        name="ch01_logistic_cost_loop_correct",
        function="logistic_cost",
        correct=True,
        source='''\
def logistic_cost(A, Y, params, lam):
    """Logistic cost, one entry at a time, skipping the terms whose coefficient is 0."""
    import math
    total = 0.0
    for a, y in zip(np.ravel(A), np.ravel(Y)):
        if y != 0:
            total -= y * math.log(a)
        if y != 1:
            total -= (1 - y) * math.log(1 - a)
    J = total / len(A)
    for key in params:
        if key.startswith("W"):
            J += 0.5 * lam * float(np.sum(np.square(params[key])))
    return J
''',
    ),
    # ------------------------------------------------------------------ logistic_output_delta
    Mutant(
        name="ch01_logistic_output_delta_no_1_over_m",
        function="logistic_output_delta",
        message="you did not divide by the batch size m",
        source='''\
def logistic_output_delta(A, Y):
    """Output deltas of the logistic cost, one row per example."""
    return A - Y
''',
    ),
    Mutant(
        name="ch01_logistic_output_delta_kept_sigmoid_grad",
        function="logistic_output_delta",
        message="you kept the sigmoid's derivative",
        source='''\
def logistic_output_delta(A, Y):
    """dJ/dZ by the chain rule: the error times the sigmoid's derivative A (1 - A)."""
    m = A.shape[0]
    return (A - Y) * A * (1.0 - A) / m
''',
    ),
    Mutant(
        name="ch01_logistic_output_delta_sign_flipped",
        function="logistic_output_delta",
        message="the sign is flipped",
        source='''\
def logistic_output_delta(A, Y):
    """Output deltas of the logistic cost, averaged over the batch."""
    m = A.shape[0]
    return (Y - A) / m
''',
    ),
    Mutant(
        name="ch01_logistic_output_delta_over_entries",
        function="logistic_output_delta",
        message="you divided by m * k",
        source='''\
def logistic_output_delta(A, Y):
    """Output deltas of the logistic cost, divided by the size of the batch."""
    return (A - Y) / A.size
''',
    ),
    Mutant(
        name="ch01_logistic_output_delta_writes_into_A",
        function="logistic_output_delta",
        message="changed its argument A in place",
        source='''\
def logistic_output_delta(A, Y):
    """Output deltas of the logistic cost, computed in A's own memory."""
    m = A.shape[0]
    A -= Y
    A /= m
    return A
''',
    ),
    Mutant(
        name="ch01_logistic_output_delta_subtract_correct",
        function="logistic_output_delta",
        correct=True,
        source='''\
def logistic_output_delta(A, Y):
    """Output deltas of the logistic cost: the error, scaled by one over the batch size."""
    return np.subtract(A, Y) * (1.0 / len(A))
''',
    ),
]
