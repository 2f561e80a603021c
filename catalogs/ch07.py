"""Seeded bugs for chapter 7, optimizers."""
from . import Mutant

MUTANTS = [
    # ------------------------------------------------------------------ minibatches
    Mutant(
        name="ch07_minibatches_drop_tail",
        function="minibatches",
        message="do not drop the tail",
        source='''\
def minibatches(X, y, batch_size, rng):
    """Yield the full mini-batches of one epoch, in a random order."""
    m = X.shape[0]
    order = rng.permutation(m)
    for k in range(m // batch_size):
        idx = order[k * batch_size:(k + 1) * batch_size]
        yield X[idx], y[idx]
''',
    ),
    Mutant(
        name="ch07_minibatches_shuffle_X_not_y",
        function="minibatches",
        message="X was shuffled but y was not",
        source='''\
def minibatches(X, y, batch_size, rng):
    """Yield the mini-batches of one epoch, in a random order."""
    m = X.shape[0]
    X_shuffled = X[rng.permutation(m)]
    for start in range(0, m, batch_size):
        yield X_shuffled[start:start + batch_size], y[start:start + batch_size]
''',
    ),
    Mutant(
        name="ch07_minibatches_two_permutations",
        function="minibatches",
        message="X and y were shuffled differently",
        source='''\
def minibatches(X, y, batch_size, rng):
    """Yield the mini-batches of one epoch, in a random order."""
    m = X.shape[0]
    X_shuffled = X[rng.permutation(m)]
    y_shuffled = y[rng.permutation(m)]
    for start in range(0, m, batch_size):
        yield X_shuffled[start:start + batch_size], y_shuffled[start:start + batch_size]
''',
    ),
    Mutant(
        name="ch07_minibatches_no_shuffle",
        function="minibatches",
        message="the examples come out in their original order",
        source='''\
def minibatches(X, y, batch_size, rng):
    """Yield the mini-batches of one epoch."""
    for start in range(0, X.shape[0], batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
''',
    ),
    Mutant(
        name="ch07_minibatches_global_np_random",
        function="minibatches",
        message="not from np.random",
        source='''\
def minibatches(X, y, batch_size, rng):
    """Yield the mini-batches of one epoch, in a random order."""
    m = X.shape[0]
    order = np.random.permutation(m)
    for start in range(0, m, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
''',
    ),
    Mutant(
        name="ch07_minibatches_with_replacement",
        function="minibatches",
        message="instead of drawing indices with replacement",
        source='''\
def minibatches(X, y, batch_size, rng):
    """Yield the mini-batches of one epoch, in a random order."""
    m = X.shape[0]
    order = rng.integers(0, m, size=m)
    for start in range(0, m, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
''',
    ),
    Mutant(
        name="ch07_minibatches_shuffle_in_place",
        function="minibatches",
        message="changed its argument X in place",
        source='''\
def minibatches(X, y, batch_size, rng):
    """Yield the mini-batches of one epoch, in a random order."""
    order = rng.permutation(X.shape[0])
    X[:] = X[order]
    y[:] = y[order]
    for start in range(0, X.shape[0], batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
''',
    ),
    Mutant(
        name="ch07_minibatches_writes_into_X",
        function="minibatches",
        message="changed its argument X in place",
        source='''\
def minibatches(X, y, batch_size, rng):
    """Yield the mini-batches of one epoch, after shuffling X and y the same way."""
    saved = rng.bit_generator.state
    rng.shuffle(X)
    rng.bit_generator.state = saved          # replay the same permutation for y
    rng.shuffle(y)
    for start in range(0, X.shape[0], batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
''',
    ),
    Mutant(
        name="ch07_minibatches_choice_while_correct",
        function="minibatches",
        correct=True,
        source='''\
def minibatches(X, y, batch_size, rng):
    """Yield the mini-batches of one epoch; the order comes from rng.choice without replacement."""
    m = len(X)
    order = rng.choice(m, size=m, replace=False)
    start = 0
    while start < m:
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
        start += batch_size
''',
    ),
    # ------------------------------------------------------------------ ewa
    Mutant(
        name="ch07_ewa_no_bias_correction",
        function="ewa",
        message="these are the UNcorrected averages",
        source='''\
def ewa(values, beta, bias_correction=True):
    """Exponentially weighted averages of a series."""
    out = []
    v = 0.0
    for theta in values:
        v = beta * v + (1 - beta) * theta
        out.append(v)
    return np.array(out)
''',
    ),
    Mutant(
        name="ch07_ewa_starts_at_first_value",
        function="ewa",
        message="starts from v_0 = theta_1",
        source='''\
def ewa(values, beta, bias_correction=True):
    """Exponentially weighted averages of a series."""
    values = np.asarray(values, dtype=float)
    out = np.empty_like(values)
    v = values[0]
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        out[t - 1] = v / (1 - beta ** t) if bias_correction else v
    return out
''',
    ),
    Mutant(
        name="ch07_ewa_corrected_value_fed_back",
        function="ewa",
        message="the corrected value was fed back into the recursion",
        source='''\
def ewa(values, beta, bias_correction=True):
    """Exponentially weighted averages of a series."""
    values = np.asarray(values, dtype=float)
    out = np.empty_like(values)
    v = 0.0
    for t, theta in enumerate(values, start=1):
        v = beta * v + (1 - beta) * theta
        if bias_correction:
            v = v / (1 - beta ** t)
        out[t - 1] = v
    return out
''',
    ),
    Mutant(
        name="ch07_ewa_always_corrected",
        function="ewa",
        message="bias-corrected although bias_correction=False",
        source='''\
def ewa(values, beta, bias_correction=True):
    """Bias-corrected exponentially weighted averages of a series."""
    values = np.asarray(values, dtype=float)
    out = np.empty_like(values)
    v = 0.0
    for t, theta in enumerate(values, start=1):
        v = beta * v + (1 - beta) * theta
        out[t - 1] = v / (1 - beta ** t)
    return out
''',
    ),
    Mutant(
        name="ch07_ewa_t_counted_from_0",
        function="ewa",
        message="so count t from 1",
        source='''\
def ewa(values, beta, bias_correction=True):
    """Exponentially weighted averages of a series."""
    values = np.asarray(values, dtype=float)
    out = np.empty_like(values)
    v = 0.0
    for t, theta in enumerate(values):
        v = beta * v + (1 - beta) * theta
        out[t] = v / (1 - beta ** t) if bias_correction else v
    return out
''',
    ),
    Mutant(
        name="ch07_ewa_writes_into_values",
        function="ewa",
        message="changed its argument values in place",
        source='''\
def ewa(values, beta, bias_correction=True):
    """Exponentially weighted averages of a series, each written over the value it replaces."""
    values = np.asarray(values, dtype=float)
    v = 0.0
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        values[t - 1] = v / (1 - beta ** t) if bias_correction else v
    return values
''',
    ),
    Mutant(
        name="ch07_ewa_correct_after_loop_correct",
        function="ewa",
        correct=True,
        source='''\
def ewa(values, beta, bias_correction=True):
    """EWA: the raw recursion in a loop, then the bias correction for all t at once."""
    raw = []
    v = 0.0
    for theta in values:
        v = beta * v + (1.0 - beta) * float(theta)
        raw.append(v)
    raw = np.array(raw, dtype=float)
    if bias_correction:
        t = np.arange(1, len(raw) + 1)
        return raw / (1.0 - beta ** t)
    return raw
''',
    ),
    # ------------------------------------------------------------------ momentum_step
    Mutant(
        name="ch07_momentum_without_one_minus_beta",
        function="momentum_step",
        message="is missing the factor (1 - beta)",
        source='''\
def momentum_step(w, dw, state, lr, beta=0.9):
    """One step of gradient descent with momentum."""
    if "v" not in state:
        state["v"] = np.zeros_like(w)
    state["v"] = beta * state["v"] + dw
    return w - lr * state["v"], state
''',
    ),
    Mutant(
        name="ch07_momentum_velocity_not_kept",
        function="momentum_step",
        message="the velocity is not carried over between calls",
        source='''\
def momentum_step(w, dw, state, lr, beta=0.9):
    """One step of gradient descent with momentum."""
    v = np.zeros_like(w)
    v = beta * v + (1 - beta) * dw
    return w - lr * v, {"v": v}
''',
    ),
    Mutant(
        name="ch07_momentum_old_velocity",
        function="momentum_step",
        message="w was updated with the old velocity",
        source='''\
def momentum_step(w, dw, state, lr, beta=0.9):
    """One step of gradient descent with momentum."""
    v = state.get("v", np.zeros_like(w))
    w_new = w - lr * v
    state["v"] = beta * v + (1 - beta) * dw
    return w_new, state
''',
    ),
    Mutant(
        name="ch07_momentum_ignores_beta",
        function="momentum_step",
        message="the beta argument is ignored",
        source='''\
def momentum_step(w, dw, state, lr, beta=0.9):
    """One step of gradient descent with momentum."""
    if "v" not in state:
        state["v"] = np.zeros_like(w)
    state["v"] = 0.9 * state["v"] + 0.1 * dw
    return w - lr * state["v"], state
''',
    ),
    Mutant(
        name="ch07_momentum_global_velocity",
        function="momentum_step",
        message="never in a global variable",
        source='''\
velocity = {}


def momentum_step(w, dw, state, lr, beta=0.9):
    """One step of gradient descent with momentum."""
    v = velocity.get(w.shape, np.zeros_like(w))
    v = beta * v + (1 - beta) * dw
    velocity[w.shape] = v
    return w - lr * v, state
''',
    ),
    Mutant(
        name="ch07_momentum_step_writes_into_dw",
        function="momentum_step",
        message="changed its argument dw in place",
        source='''\
def momentum_step(w, dw, state, lr, beta=0.9):
    """One step of gradient descent with momentum."""
    if "v" not in state:
        state["v"] = np.zeros_like(w)
    dw *= 1 - beta
    state["v"] = beta * state["v"] + dw
    return w - lr * state["v"], state
''',
    ),
    Mutant(
        name="ch07_momentum_in_place_on_copies_correct",
        function="momentum_step",
        correct=True,
        source='''\
def momentum_step(w, dw, state, lr, beta=0.9):
    """Momentum step with in-place updates on the state's own velocity and on a copy of w."""
    v = state.setdefault("velocity", np.zeros_like(w, dtype=float))
    v *= beta
    v += (1 - beta) * dw
    w_new = np.array(w, dtype=float, copy=True)
    w_new -= lr * v
    return w_new, state
''',
    ),
    Mutant(
        # allowed since the chapter says "w may be updated in place and returned"
        name="ch07_momentum_updates_w_in_place_correct",
        function="momentum_step",
        correct=True,
        source='''\
def momentum_step(w, dw, state, lr, beta=0.9):
    """Momentum step that updates w in place and returns it."""
    if "v" not in state:
        state["v"] = np.zeros_like(w)
    state["v"] = beta * state["v"] + (1 - beta) * dw
    w -= lr * state["v"]
    return w, state
''',
    ),
    # ------------------------------------------------------------------ rmsprop_step
    Mutant(
        name="ch07_rmsprop_eps_inside_sqrt",
        function="rmsprop_step",
        message="eps is inside the square root",
        source='''\
def rmsprop_step(w, dw, state, lr, beta=0.999, eps=1e-8):
    """One RMSprop step."""
    if "s" not in state:
        state["s"] = np.zeros_like(w)
    state["s"] = beta * state["s"] + (1 - beta) * dw ** 2
    return w - lr * dw / np.sqrt(state["s"] + eps), state
''',
    ),
    Mutant(
        name="ch07_rmsprop_no_sqrt",
        function="rmsprop_step",
        message="the square root of s is missing",
        source='''\
def rmsprop_step(w, dw, state, lr, beta=0.999, eps=1e-8):
    """One RMSprop step."""
    if "s" not in state:
        state["s"] = np.zeros_like(w)
    state["s"] = beta * state["s"] + (1 - beta) * dw ** 2
    return w - lr * dw / (state["s"] + eps), state
''',
    ),
    Mutant(
        name="ch07_rmsprop_without_one_minus_beta",
        function="rmsprop_step",
        message="is missing the factor (1 - beta)",
        source='''\
def rmsprop_step(w, dw, state, lr, beta=0.999, eps=1e-8):
    """One RMSprop step."""
    if "s" not in state:
        state["s"] = np.zeros_like(w)
    state["s"] = beta * state["s"] + dw ** 2
    return w - lr * dw / (np.sqrt(state["s"]) + eps), state
''',
    ),
    Mutant(
        name="ch07_rmsprop_state_not_kept",
        function="rmsprop_step",
        message="s is not carried over between calls",
        source='''\
def rmsprop_step(w, dw, state, lr, beta=0.999, eps=1e-8):
    """One RMSprop step."""
    s = np.zeros_like(w)
    s = beta * s + (1 - beta) * dw ** 2
    state = {"s": s}
    return w - lr * dw / (np.sqrt(s) + eps), state
''',
    ),
    Mutant(
        name="ch07_rmsprop_hardcoded_eps",
        function="rmsprop_step",
        message="the eps argument is ignored",
        source='''\
def rmsprop_step(w, dw, state, lr, beta=0.999, eps=1e-8):
    """One RMSprop step."""
    if "s" not in state:
        state["s"] = np.zeros_like(w)
    state["s"] = beta * state["s"] + (1 - beta) * dw ** 2
    return w - lr * dw / (np.sqrt(state["s"]) + 1e-8), state
''',
    ),
    Mutant(
        name="ch07_rmsprop_step_writes_into_dw",
        function="rmsprop_step",
        message="changed its argument dw in place",
        source='''\
def rmsprop_step(w, dw, state, lr, beta=0.999, eps=1e-8):
    """One RMSprop step, scaling the gradient into the step where it is stored."""
    if "s" not in state:
        state["s"] = np.zeros_like(w)
    state["s"] = beta * state["s"] + (1 - beta) * dw ** 2
    dw *= lr
    dw /= np.sqrt(state["s"]) + eps
    return w - dw, state
''',
    ),
    Mutant(
        name="ch07_rmsprop_scalar_start_correct",
        function="rmsprop_step",
        correct=True,
        source='''\
def rmsprop_step(w, dw, state, lr, beta=0.999, eps=1e-8):
    """RMSprop step; the average starts as the scalar 0 and becomes an array by broadcasting."""
    sq_avg = beta * state.get("sq_avg", 0.0) + (1.0 - beta) * np.square(dw)
    state["sq_avg"] = sq_avg
    return w - lr * np.divide(dw, np.sqrt(sq_avg) + eps), state
''',
    ),
    # ------------------------------------------------------------------ adam_step
    Mutant(
        name="ch07_adam_no_bias_correction",
        function="adam_step",
        message="no bias correction",
        source='''\
def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step."""
    if not state:
        state["m"] = np.zeros_like(w)
        state["v"] = np.zeros_like(w)
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw ** 2
    return w - lr * state["m"] / (np.sqrt(state["v"]) + eps), state
''',
    ),
    Mutant(
        name="ch07_adam_t_incremented_after_correction",
        function="adam_step",
        message="the bias correction divided by 1 - beta**0 = 0",
        source='''\
def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step, with bias correction."""
    if not state:
        state["t"] = 0
        state["m"] = np.zeros_like(w)
        state["v"] = np.zeros_like(w)
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw ** 2
    m_hat = state["m"] / (1 - beta1 ** t)
    v_hat = state["v"] / (1 - beta2 ** t)
    state["t"] = t + 1
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), state
''',
    ),
    Mutant(
        name="ch07_adam_counter_starts_at_1",
        function="adam_step",
        message="the corrections use t + 1",
        source='''\
def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step, with bias correction."""
    if not state:
        state["t"] = 1
        state["m"] = np.zeros_like(w)
        state["v"] = np.zeros_like(w)
    state["t"] += 1
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw ** 2
    m_hat = state["m"] / (1 - beta1 ** t)
    v_hat = state["v"] / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), state
''',
    ),
    Mutant(
        name="ch07_adam_only_m_corrected",
        function="adam_step",
        message="only m is bias-corrected",
        source='''\
def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step, with bias correction of the momentum."""
    if not state:
        state["t"] = 0
        state["m"] = np.zeros_like(w)
        state["v"] = np.zeros_like(w)
    state["t"] += 1
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw ** 2
    m_hat = state["m"] / (1 - beta1 ** t)
    return w - lr * m_hat / (np.sqrt(state["v"]) + eps), state
''',
    ),
    Mutant(
        name="ch07_adam_eps_inside_sqrt",
        function="adam_step",
        message="eps is inside the square root",
        source='''\
def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step, with bias correction."""
    if not state:
        state["t"] = 0
        state["m"] = np.zeros_like(w)
        state["v"] = np.zeros_like(w)
    state["t"] += 1
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw ** 2
    m_hat = state["m"] / (1 - beta1 ** t)
    v_hat = state["v"] / (1 - beta2 ** t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), state
''',
    ),
    Mutant(
        name="ch07_adam_state_not_kept",
        function="adam_step",
        message="nothing is carried over between calls",
        source='''\
def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step, with bias correction."""
    t, m, v = 0, np.zeros_like(w), np.zeros_like(w)
    t += 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}
''',
    ),
    Mutant(
        name="ch07_adam_step_writes_into_dw",
        function="adam_step",
        message="changed its argument dw in place",
        source='''\
def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step, with bias correction."""
    if not state:
        state["t"] = 0
        state["m"] = np.zeros_like(w)
        state["v"] = np.zeros_like(w)
    state["t"] += 1
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw
    dw **= 2                                  # the squared gradient, for v
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw
    m_hat = state["m"] / (1 - beta1 ** t)
    v_hat = state["v"] / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), state
''',
    ),
    Mutant(
        name="ch07_adam_folded_step_size_correct",
        function="adam_step",
        correct=True,
        source='''\
def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam with the corrections folded into the step size (Kingma & Ba, section 2)."""
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * dw
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * dw * dw
    state.update(t=t, m=m, v=v)
    c2 = np.sqrt(1 - beta2 ** t)
    step = lr * c2 / (1 - beta1 ** t)
    return w - step * m / (np.sqrt(v) + eps * c2), state
''',
    ),
    # ------------------------------------------------------------------ lr_decay
    Mutant(
        name="ch07_lr_decay_epoch_plus_1",
        function="lr_decay",
        message="the epoch is counted from 1",
        source='''\
def lr_decay(lr0, decay, epoch):
    """Inverse-time learning-rate decay."""
    return lr0 / (1 + decay * (epoch + 1))
''',
    ),
    Mutant(
        name="ch07_lr_decay_compound",
        function="lr_decay",
        message="(1 + decay)**epoch",
        source='''\
def lr_decay(lr0, decay, epoch):
    """Learning-rate decay: divide by (1 + decay) once per epoch."""
    return lr0 / (1 + decay) ** epoch
''',
    ),
    Mutant(
        name="ch07_lr_decay_exponential",
        function="lr_decay",
        message="this is lr0 * exp(-decay * epoch)",
        source='''\
def lr_decay(lr0, decay, epoch):
    """Learning-rate decay."""
    return lr0 * np.exp(-decay * epoch)
''',
    ),
    Mutant(
        name="ch07_lr_decay_math_float",
        function="lr_decay",
        message="lr_decay failed for an array of epochs",
        source='''\
def lr_decay(lr0, decay, epoch):
    """Inverse-time learning-rate decay, returned as a float."""
    return float(lr0 / (1 + decay * epoch))
''',
    ),
    Mutant(
        name="ch07_lr_decay_negative_power_correct",
        function="lr_decay",
        correct=True,
        source='''\
def lr_decay(lr0, decay, epoch):
    """Inverse-time decay written as lr0 * (1 + decay * epoch)**-1."""
    return lr0 * (1.0 + decay * epoch) ** -1.0
''',
    ),
]
