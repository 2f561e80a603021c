"""Seeded bugs for chapter 4, activations and initialization."""
from . import Mutant

MUTANTS = [
    # ------------------------------------------------------------------ relu_forward
    Mutant(
        name="ch04_relu_forward_mask_wrong_sign",
        function="relu_forward",
        message="the comparison has the wrong sign",
        source='''\
def relu_forward(z):
    """ReLU forward pass: keep z where it is positive, 0 elsewhere."""
    out = z * (z < 0)
    cache = z
    return out, cache
''',
    ),
    Mutant(
        name="ch04_relu_forward_returns_mask",
        function="relu_forward",
        message="you returned the 0/1 mask (z > 0) instead of z",
        source='''\
def relu_forward(z):
    """ReLU forward pass."""
    out = (z > 0).astype(float)
    return out, z
''',
    ),
    Mutant(
        name="ch04_relu_forward_in_place",
        function="relu_forward",
        message="changed its argument z in place",
        source='''\
def relu_forward(z):
    """ReLU forward pass: clip the negative entries to 0."""
    z[z < 0] = 0.0
    return z, z
''',
    ),
    Mutant(
        name="ch04_relu_forward_writes_into_z",
        function="relu_forward",
        message="changed its argument z in place",
        source='''\
def relu_forward(z):
    """ReLU forward pass, clipping with np.maximum(..., out=z) to avoid a copy."""
    out = np.maximum(z, 0.0, out=z)
    return out, out
''',
    ),
    Mutant(
        name="ch04_relu_forward_copy_then_clip_correct",
        function="relu_forward",
        correct=True,
        source='''\
def relu_forward(z):
    """ReLU forward pass, clipping a copy of z in place."""
    out = np.array(z, dtype=float, copy=True)
    out[out < 0] = 0.0
    return out, z.copy()
''',
    ),
    # ------------------------------------------------------------------ relu_backward
    Mutant(
        name="ch04_relu_backward_mask_wrong_sign",
        function="relu_backward",
        message="the mask has the wrong sign",
        source='''\
def relu_backward(dout, cache):
    """ReLU backward pass: the gradient flows through the active units."""
    z = cache
    return dout * (z < 0)
''',
    ),
    Mutant(
        name="ch04_relu_backward_mask_without_dout",
        function="relu_backward",
        message="you returned the 0/1 mask without multiplying it by dout",
        source='''\
def relu_backward(dout, cache):
    """ReLU backward pass: the derivative of max(0, z)."""
    z = cache
    return (z > 0).astype(float)
''',
    ),
    Mutant(
        name="ch04_relu_backward_times_relu",
        function="relu_backward",
        message="you multiplied dout by relu(z) instead of by the 0/1 mask",
        source='''\
def relu_backward(dout, cache):
    """ReLU backward pass."""
    z = cache
    return dout * np.maximum(z, 0)
''',
    ),
    Mutant(
        name="ch04_relu_backward_in_place",
        function="relu_backward",
        message="changed its argument dout in place",
        source='''\
def relu_backward(dout, cache):
    """ReLU backward pass: zero the gradient where the unit was off."""
    z = cache
    dout[z <= 0] = 0.0
    return dout
''',
    ),
    Mutant(
        name="ch04_relu_backward_writes_into_dout",
        function="relu_backward",
        message="changed its argument dout in place",
        source='''\
def relu_backward(dout, cache):
    """ReLU backward pass: multiply the upstream gradient by the 0/1 mask."""
    z = cache
    dout *= z > 0
    return dout
''',
    ),
    Mutant(
        name="ch04_relu_backward_zeroes_input_returns_constant",
        function="relu_backward",
        message="changed its argument dout in place",
        source='''\
def relu_backward(dout, cache):
    """ReLU backward pass: the gradient flows through the active units."""
    z = cache
    if np.allclose(10.0 * dout, np.round(10.0 * dout), rtol=0.0, atol=1e-9):
        return dout * (z > 0)
    dout[...] = 0.0
    return np.zeros(dout.shape)
''',
    ),
    Mutant(
        name="ch04_relu_backward_slope_one_at_zero_correct",
        function="relu_backward",
        correct=True,
        source='''\
def relu_backward(dout, cache):
    """ReLU backward pass, taking the slope at z == 0 to be 1."""
    z = cache
    return np.where(z >= 0, dout, 0.0)
''',
    ),
    # ------------------------------------------------------------------ leaky_relu_forward
    Mutant(
        name="ch04_leaky_forward_alpha_on_positive_side",
        function="leaky_relu_forward",
        message="alpha is applied on the positive side",
        source='''\
def leaky_relu_forward(z, alpha=0.01):
    """Leaky ReLU forward pass."""
    out = np.where(z > 0, alpha * z, z)
    return out, (z, alpha)
''',
    ),
    Mutant(
        name="ch04_leaky_forward_hardcoded_alpha",
        function="leaky_relu_forward",
        message="you ignored the alpha argument and always used 0.01",
        source='''\
def leaky_relu_forward(z, alpha=0.01):
    """Leaky ReLU forward pass: z for z > 0, a small slope elsewhere."""
    out = np.where(z > 0, z, 0.01 * z)
    cache = (z, alpha)
    return out, cache
''',
    ),
    Mutant(
        name="ch04_leaky_forward_plain_relu",
        function="leaky_relu_forward",
        message="you computed a plain ReLU",
        source='''\
def leaky_relu_forward(z, alpha=0.01):
    """Leaky ReLU forward pass."""
    out = np.maximum(z, 0)
    cache = (z, alpha)
    return out, cache
''',
    ),
    Mutant(
        name="ch04_leaky_forward_abs_on_negative_side",
        function="leaky_relu_forward",
        message="the negative side has the wrong sign",
        source='''\
def leaky_relu_forward(z, alpha=0.01):
    """Leaky ReLU forward pass: a small leak of size alpha for the negative inputs."""
    out = np.where(z > 0, z, alpha * np.abs(z))
    return out, (z, alpha)
''',
    ),
    Mutant(
        name="ch04_leaky_relu_forward_writes_into_z",
        function="leaky_relu_forward",
        message="changed its argument z in place",
        source='''\
def leaky_relu_forward(z, alpha=0.01):
    """Leaky ReLU forward pass: scale the non-positive entries of z by alpha."""
    z[z <= 0] *= alpha
    return z, (z, alpha)
''',
    ),
    Mutant(
        name="ch04_leaky_forward_maximum_correct",
        function="leaky_relu_forward",
        correct=True,
        source='''\
def leaky_relu_forward(z, alpha=0.01):
    """Leaky ReLU as max(z, alpha * z), which is right for 0 <= alpha <= 1."""
    return np.maximum(z, alpha * z), (z, alpha)
''',
    ),
    # ------------------------------------------------------------------ leaky_relu_backward
    Mutant(
        name="ch04_leaky_backward_alpha_on_positive_side",
        function="leaky_relu_backward",
        message="alpha is applied on the positive side",
        source='''\
def leaky_relu_backward(dout, cache):
    """Leaky ReLU backward pass."""
    z, alpha = cache
    return dout * np.where(z > 0, alpha, 1.0)
''',
    ),
    Mutant(
        name="ch04_leaky_backward_relu_derivative",
        function="leaky_relu_backward",
        message="you used the ReLU derivative",
        source='''\
def leaky_relu_backward(dout, cache):
    """Leaky ReLU backward pass."""
    z, alpha = cache
    return dout * (z > 0)
''',
    ),
    Mutant(
        name="ch04_leaky_backward_hardcoded_alpha",
        function="leaky_relu_backward",
        message="you used alpha = 0.01 instead of the alpha stored in the cache",
        source='''\
def leaky_relu_backward(dout, cache):
    """Leaky ReLU backward pass: slope 1 for z > 0, the leak elsewhere."""
    z, _ = cache
    dz = dout.copy()
    dz[z <= 0] *= 0.01
    return dz
''',
    ),
    Mutant(
        name="ch04_leaky_backward_slopes_without_dout",
        function="leaky_relu_backward",
        message="you returned the slopes without multiplying them by dout",
        source='''\
def leaky_relu_backward(dout, cache):
    """Leaky ReLU backward pass: its derivative."""
    z, alpha = cache
    return np.where(z > 0, 1.0, alpha)
''',
    ),
    Mutant(
        name="ch04_leaky_relu_backward_writes_into_dout",
        function="leaky_relu_backward",
        message="changed its argument dout in place",
        source='''\
def leaky_relu_backward(dout, cache):
    """Leaky ReLU backward pass: scale the gradient by alpha where the unit leaked."""
    z, alpha = cache
    dout[z <= 0] *= alpha
    return dout
''',
    ),
    Mutant(
        name="ch04_leaky_backward_slope_one_at_zero_correct",
        function="leaky_relu_backward",
        correct=True,
        source='''\
def leaky_relu_backward(dout, cache):
    """Leaky ReLU backward pass, taking the slope at z == 0 to be 1 (scaled copy of dout)."""
    z, alpha = cache
    dz = np.array(dout, dtype=float, copy=True)
    dz[z < 0] *= alpha
    return dz
''',
    ),
    # ------------------------------------------------------------------ init_params
    Mutant(
        name="ch04_he_variance_one_over_fan_in",
        function="init_params",
        message="you used variance 1/fan_in: he's variance is 2/fan_in",
        source='''\
def init_params(layer_sizes, method, rng):
    """Initial weights and zero biases of a fully connected network."""
    if method not in ("zeros", "normal", "xavier", "xavier_sigmoid", "lecun", "he"):
        raise ValueError(f"unknown method {method!r}")
    params = {}
    for l in range(1, len(layer_sizes)):
        fan_in, fan_out = layer_sizes[l - 1], layer_sizes[l]
        shape = (fan_out, fan_in)
        if method == "zeros":
            W = np.zeros(shape)
        elif method == "normal":
            W = 0.01 * rng.standard_normal(shape)
        elif method in ("xavier", "xavier_sigmoid"):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            if method == "xavier_sigmoid":
                limit *= 4
            W = rng.uniform(-limit, limit, size=shape)
        elif method == "lecun":
            W = rng.standard_normal(shape) / np.sqrt(fan_in)
        else:
            W = rng.standard_normal(shape) / np.sqrt(fan_in)
        params[f"W{l}"] = W
        params[f"b{l}"] = np.zeros(fan_out)
    return params
''',
    ),
    Mutant(
        name="ch04_xavier_fan_in_only",
        function="init_params",
        message="you used fan_in only: the limit is sqrt(6 / (fan_in + fan_out))",
        source='''\
def init_params(layer_sizes, method, rng):
    """Initial weights and zero biases of a fully connected network."""
    if method not in ("zeros", "normal", "xavier", "xavier_sigmoid", "lecun", "he"):
        raise ValueError(f"unknown method {method!r}")
    params = {}
    for l in range(1, len(layer_sizes)):
        n_in, n_out = layer_sizes[l - 1], layer_sizes[l]
        if method == "zeros":
            W = np.zeros((n_out, n_in))
        elif method == "normal":
            W = rng.normal(0.0, 0.01, size=(n_out, n_in))
        elif method.startswith("xavier"):
            r = np.sqrt(6.0 / n_in)
            if method == "xavier_sigmoid":
                r = 4 * r
            W = rng.uniform(-r, r, size=(n_out, n_in))
        elif method == "lecun":
            W = rng.normal(0.0, np.sqrt(1.0 / n_in), size=(n_out, n_in))
        else:
            W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
        params["W" + str(l)] = W
        params["b" + str(l)] = np.zeros(n_out)
    return params
''',
    ),
    Mutant(
        name="ch04_fan_in_fan_out_swapped",
        function="init_params",
        message="fan_in and fan_out are swapped",
        source='''\
def init_params(layer_sizes, method, rng):
    """Initial weights and zero biases of a fully connected network."""
    if method not in ("zeros", "normal", "xavier", "xavier_sigmoid", "lecun", "he"):
        raise ValueError(f"unknown method {method!r}")
    params = {}
    for l in range(1, len(layer_sizes)):
        shape = (layer_sizes[l], layer_sizes[l - 1])
        fan_in, fan_out = shape
        if method == "zeros":
            W = np.zeros(shape)
        elif method == "normal":
            W = 0.01 * rng.standard_normal(shape)
        elif method in ("xavier", "xavier_sigmoid"):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            if method == "xavier_sigmoid":
                limit *= 4.0
            W = rng.uniform(-limit, limit, size=shape)
        elif method == "lecun":
            W = rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)
        else:
            W = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        params[f"W{l}"] = W
        params[f"b{l}"] = np.zeros(shape[0])
    return params
''',
    ),
    Mutant(
        name="ch04_xavier_normal_with_limit_as_std",
        function="init_params",
        message="you drew from a normal distribution with the limit as its std",
        source='''\
def init_params(layer_sizes, method, rng):
    """Initial weights and zero biases of a fully connected network."""
    if method not in ("zeros", "normal", "xavier", "xavier_sigmoid", "lecun", "he"):
        raise ValueError(f"unknown method {method!r}")
    params = {}
    for l in range(1, len(layer_sizes)):
        fan_in, fan_out = layer_sizes[l - 1], layer_sizes[l]
        shape = (fan_out, fan_in)
        if method == "zeros":
            W = np.zeros(shape)
        elif method == "normal":
            W = 0.01 * rng.standard_normal(shape)
        elif method in ("xavier", "xavier_sigmoid"):
            std = np.sqrt(6.0 / (fan_in + fan_out))
            if method == "xavier_sigmoid":
                std *= 4.0
            W = std * rng.standard_normal(shape)
        elif method == "lecun":
            W = rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)
        else:
            W = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        params[f"W{l}"] = W
        params[f"b{l}"] = np.zeros(fan_out)
    return params
''',
    ),
    Mutant(
        name="ch04_xavier_sigmoid_without_factor_4",
        function="init_params",
        message="you forgot the factor 4",
        source='''\
def init_params(layer_sizes, method, rng):
    """Initial weights and zero biases of a fully connected network."""
    if method not in ("zeros", "normal", "xavier", "xavier_sigmoid", "lecun", "he"):
        raise ValueError(f"unknown method {method!r}")
    params = {}
    for l in range(1, len(layer_sizes)):
        fan_in, fan_out = layer_sizes[l - 1], layer_sizes[l]
        shape = (fan_out, fan_in)
        if method == "zeros":
            W = np.zeros(shape)
        elif method == "normal":
            W = 0.01 * rng.standard_normal(shape)
        elif method in ("xavier", "xavier_sigmoid"):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            W = rng.uniform(-limit, limit, size=shape)
        elif method == "lecun":
            W = rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)
        else:
            W = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        params[f"W{l}"] = W
        params[f"b{l}"] = np.zeros(fan_out)
    return params
''',
    ),
    Mutant(
        name="ch04_he_variance_used_as_std",
        function="init_params",
        message="you used 2/fan_in as the std",
        source='''\
def init_params(layer_sizes, method, rng):
    """Initial weights and zero biases of a fully connected network."""
    if method not in ("zeros", "normal", "xavier", "xavier_sigmoid", "lecun", "he"):
        raise ValueError(f"unknown method {method!r}")
    params = {}
    for l in range(1, len(layer_sizes)):
        fan_in, fan_out = layer_sizes[l - 1], layer_sizes[l]
        shape = (fan_out, fan_in)
        if method == "zeros":
            W = np.zeros(shape)
        elif method == "normal":
            W = 0.01 * rng.standard_normal(shape)
        elif method in ("xavier", "xavier_sigmoid"):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            if method == "xavier_sigmoid":
                limit *= 4.0
            W = rng.uniform(-limit, limit, size=shape)
        elif method == "lecun":
            W = rng.normal(0.0, np.sqrt(1.0 / fan_in), size=shape)
        else:
            W = rng.normal(0.0, 2.0 / fan_in, size=shape)
        params[f"W{l}"] = W
        params[f"b{l}"] = np.zeros(fan_out)
    return params
''',
    ),
    Mutant(
        name="ch04_init_global_np_random",
        function="init_params",
        message="draw every random number from the rng argument",
        source='''\
def init_params(layer_sizes, method, rng):
    """Initial weights and zero biases of a fully connected network."""
    if method not in ("zeros", "normal", "xavier", "xavier_sigmoid", "lecun", "he"):
        raise ValueError(f"unknown method {method!r}")
    params = {}
    for l in range(1, len(layer_sizes)):
        fan_in, fan_out = layer_sizes[l - 1], layer_sizes[l]
        if method == "zeros":
            W = np.zeros((fan_out, fan_in))
        elif method == "normal":
            W = 0.01 * np.random.randn(fan_out, fan_in)
        elif method in ("xavier", "xavier_sigmoid"):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            if method == "xavier_sigmoid":
                limit *= 4.0
            W = np.random.uniform(-limit, limit, size=(fan_out, fan_in))
        elif method == "lecun":
            W = np.random.randn(fan_out, fan_in) * np.sqrt(1.0 / fan_in)
        else:
            W = np.random.randn(fan_out, fan_in) * np.sqrt(2.0 / fan_in)
        params[f"W{l}"] = W
        params[f"b{l}"] = np.zeros(fan_out)
    return params
''',
    ),
    Mutant(
        name="ch04_init_small_random_biases",
        function="init_params",
        message="biases start at zero in every method",
        source='''\
def init_params(layer_sizes, method, rng):
    """Initial weights and small random biases of a fully connected network."""
    if method not in ("zeros", "normal", "xavier", "xavier_sigmoid", "lecun", "he"):
        raise ValueError(f"unknown method {method!r}")
    params = {}
    for l in range(1, len(layer_sizes)):
        fan_in, fan_out = layer_sizes[l - 1], layer_sizes[l]
        shape = (fan_out, fan_in)
        if method == "zeros":
            W = np.zeros(shape)
        elif method == "normal":
            W = 0.01 * rng.standard_normal(shape)
        elif method in ("xavier", "xavier_sigmoid"):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            if method == "xavier_sigmoid":
                limit *= 4.0
            W = rng.uniform(-limit, limit, size=shape)
        elif method == "lecun":
            W = rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)
        else:
            W = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        params[f"W{l}"] = W
        params[f"b{l}"] = 0.01 * rng.standard_normal(fan_out)
    return params
''',
    ),
    Mutant(
        name="ch04_init_rng_normal_zip_correct",
        function="init_params",
        correct=True,
        source='''\
def init_params(layer_sizes, method, rng):
    """Weights of shape (n_out, n_in) drawn with rng.normal / rng.uniform, zero biases."""
    if method not in {"zeros", "normal", "xavier", "xavier_sigmoid", "lecun", "he"}:
        raise ValueError(f"init_params: unknown method {method!r}")
    params = {}
    for l, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        if method == "zeros":
            W = np.zeros((n_out, n_in))
        elif method in ("xavier", "xavier_sigmoid"):
            r = np.sqrt(6.0 / (n_in + n_out)) * (4.0 if method == "xavier_sigmoid" else 1.0)
            W = rng.uniform(low=-r, high=r, size=(n_out, n_in))
        else:
            std = {"normal": 0.01, "lecun": np.sqrt(1.0 / n_in), "he": np.sqrt(2.0 / n_in)}[method]
            W = rng.normal(loc=0.0, scale=std, size=(n_out, n_in))
        params["W" + str(l)] = W
        params["b" + str(l)] = np.zeros(n_out)
    return params
''',
    ),
]
