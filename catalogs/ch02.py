"""Seeded bugs for chapter 2, gradient checking."""
from . import Mutant

MUTANTS = [
    # ------------------------------------------------------------------ numerical_gradient
    Mutant(
        name="ch02_numgrad_one_sided",
        function="numerical_gradient",
        message="you used the one-sided difference",
        source='''\
def numerical_gradient(f, x, eps=1e-5):
    """Finite-difference estimate of the gradient of f() with respect to x."""
    grad = np.zeros(x.shape)
    f0 = float(f())
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (float(f()) - f0) / eps
        x[i] = old
    return grad
''',
    ),
    Mutant(
        name="ch02_numgrad_divide_by_eps",
        function="numerical_gradient",
        message="you divided by eps instead of 2*eps",
        source='''\
def numerical_gradient(f, x, eps=1e-5):
    """Centred-difference estimate of the gradient of f() with respect to x."""
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / eps
    return grad
''',
    ),
    Mutant(
        name="ch02_numgrad_restore_by_arithmetic",
        function="numerical_gradient",
        message="numerical_gradient changed x",
        source='''\
def numerical_gradient(f, x, eps=1e-5):
    """Centred-difference estimate of the gradient of f() with respect to x."""
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += eps
        f_plus = f()
        x[i] -= 2 * eps
        f_minus = f()
        x[i] += eps
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
''',
    ),
    Mutant(
        name="ch02_numgrad_whole_rows",
        function="numerical_gradient",
        message="you moved a whole row x[i] at once",
        source='''\
def numerical_gradient(f, x, eps=1e-5):
    """Centred-difference estimate of the gradient of f() with respect to x."""
    grad = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
''',
    ),
    Mutant(
        name="ch02_numgrad_perturbs_a_copy",
        function="numerical_gradient",
        message="the gradient is all zeros",
        source='''\
def numerical_gradient(f, x, eps=1e-5):
    """Centred-difference estimate of the gradient of f() with respect to x."""
    xc = x.copy()
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = xc[i]
        xc[i] = old + eps
        f_plus = f()
        xc[i] = old - eps
        f_minus = f()
        xc[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
''',
    ),
    Mutant(
        name="ch02_numgrad_reshape_view",
        function="numerical_gradient",
        message="x.reshape(-1) or x.flatten() copy a non-contiguous array",
        source='''\
def numerical_gradient(f, x, eps=1e-5):
    """Centred-difference estimate of the gradient of f() with respect to x."""
    flat = x.reshape(-1)
    grad = np.zeros(x.size)
    for i in range(x.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f()
        flat[i] = old - eps
        f_minus = f()
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad.reshape(x.shape)
''',
    ),
    Mutant(
        name="ch02_numgrad_fixed_step",
        function="numerical_gradient",
        message="the result does not depend on eps",
        source='''\
def numerical_gradient(f, x, eps=1e-5):
    """Centred-difference estimate of the gradient of f() with respect to x."""
    h = 1e-6
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
''',
    ),
    Mutant(
        name="ch02_numgrad_nditer_correct",
        function="numerical_gradient",
        correct=True,
        source='''\
def numerical_gradient(f, x, eps=1e-5):
    """Centred-difference estimate of the gradient of f() with respect to x."""
    grad = np.empty(x.shape, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        idx = it.multi_index
        saved = x[idx].copy()
        x[idx] = saved + eps
        up = f()
        x[idx] = saved - eps
        down = f()
        x[idx] = saved
        grad[idx] = (up - down) / (2.0 * eps)
        it.iternext()
    return grad
''',
    ),
    # ------------------------------------------------------------------ relative_error
    Mutant(
        name="ch02_relerr_no_denominator",
        function="relative_error",
        message="you returned ||a - b|| without dividing",
        source='''\
def relative_error(a, b):
    """Relative error between two arrays."""
    return float(np.linalg.norm(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)))
''',
    ),
    Mutant(
        name="ch02_relerr_zero_over_zero_nan",
        function="relative_error",
        message="return 0.0 instead of dividing",
        source='''\
def relative_error(a, b):
    """Relative error ||a - b|| / (||a|| + ||b||)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))
''',
    ),
    Mutant(
        name="ch02_relerr_max_denominator",
        function="relative_error",
        message="you divided by max(",
        source='''\
def relative_error(a, b):
    """Relative error ||a - b|| / max(||a||, ||b||)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denom = max(np.linalg.norm(a), np.linalg.norm(b))
    if denom == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)
''',
    ),
    Mutant(
        name="ch02_relerr_spectral_norm",
        function="relative_error",
        message="you used the matrix 2-norm",
        source='''\
def relative_error(a, b):
    """Relative error ||a - b|| / (||a|| + ||b||)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    norm = np.linalg.norm if a.ndim < 2 else (lambda v: np.linalg.norm(v, 2))
    denom = norm(a) + norm(b)
    if denom == 0:
        return 0.0
    return float(norm(a - b) / denom)
''',
    ),
    Mutant(
        name="ch02_relerr_squared_norms",
        function="relative_error",
        message="you used squared norms",
        source='''\
def relative_error(a, b):
    """Relative error ||a - b||^2 / (||a||^2 + ||b||^2)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denom = np.sum(a ** 2) + np.sum(b ** 2)
    if denom == 0:
        return 0.0
    return float(np.sum((a - b) ** 2) / denom)
''',
    ),
    Mutant(
        name="ch02_relerr_elementwise_mean",
        function="relative_error",
        message="you averaged element-wise relative errors",
        source='''\
def relative_error(a, b):
    """Relative error between a and b, entry by entry, then averaged."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denom = np.abs(a) + np.abs(b)
    if np.all(denom == 0):
        return 0.0
    safe = np.where(denom == 0, 1.0, denom)
    return float(np.mean(np.abs(a - b) / safe))
''',
    ),
    Mutant(
        name="ch02_relerr_sum_of_squares_correct",
        function="relative_error",
        correct=True,
        source='''\
def relative_error(a, b):
    """Relative error ||a - b|| / (||a|| + ||b||), 0 when both are 0."""
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    norm_a = np.sqrt(np.sum(a * a))
    norm_b = np.sqrt(np.sum(b * b))
    if norm_a == 0.0 and norm_b == 0.0:
        return 0.0
    return float(np.sqrt(np.sum((a - b) ** 2)) / (norm_a + norm_b))
''',
    ),
    Mutant(
        name="ch02_relative_error_writes_into_a",
        function="relative_error",
        message="changed its argument a in place",
        source='''\
def relative_error(a, b):
    """Relative error ||a - b|| / (||a|| + ||b||), with the difference formed in a's memory."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0:
        return 0.0
    a -= b
    return float(np.linalg.norm(a) / denom)
''',
    ),
    # ------------------------------------------------------------------ check_gradients
    Mutant(
        name="ch02_checkgrad_ignores_eps",
        function="check_gradients",
        message="pass eps on to numerical_gradient",
        source='''\
def check_gradients(cost_fn, params, grads, eps=1e-5):
    """Relative error of each analytic gradient against the centred difference."""
    return {key: relative_error(grads[key], numerical_gradient(cost_fn, params[key]))
            for key in grads}
''',
    ),
    Mutant(
        name="ch02_checkgrad_returns_numerical_gradients",
        function="check_gradients",
        message="return the relative error, not the numerical gradient",
        source='''\
def check_gradients(cost_fn, params, grads, eps=1e-5):
    """Numerical gradient of every parameter that has an analytic gradient."""
    return {key: numerical_gradient(cost_fn, params[key], eps) for key in grads}
''',
    ),
    Mutant(
        name="ch02_checkgrad_loops_over_params",
        function="check_gradients",
        message="exactly the keys of grads",
        source='''\
def check_gradients(cost_fn, params, grads, eps=1e-5):
    """Relative error of each analytic gradient against the centred difference."""
    errors = {}
    for key in params:
        analytic = grads.get(key, np.zeros_like(params[key]))
        errors[key] = relative_error(analytic, numerical_gradient(cost_fn, params[key], eps))
    return errors
''',
    ),
    Mutant(
        name="ch02_checkgrad_perturbs_copies",
        function="check_gradients",
        message="for a correct gradient",
        source='''\
def check_gradients(cost_fn, params, grads, eps=1e-5):
    """Relative error of each analytic gradient against the centred difference."""
    errors = {}
    for key in grads:
        numeric = numerical_gradient(cost_fn, params[key].copy(), eps)
        errors[key] = relative_error(grads[key], numeric)
    return errors
''',
    ),
    Mutant(
        name="ch02_check_gradients_writes_into_grads",
        function="check_gradients",
        message="changed its argument grads in place",
        source='''\
def check_gradients(cost_fn, params, grads, eps=1e-5):
    """Relative error of each analytic gradient against the centred difference."""
    errors = {}
    for key in grads:
        numeric = numerical_gradient(cost_fn, params[key], eps)
        denom = np.linalg.norm(grads[key]) + np.linalg.norm(numeric)
        grads[key] -= numeric               # the discrepancy
        errors[key] = 0.0 if denom == 0 else float(np.linalg.norm(grads[key]) / denom)
    return errors
''',
    ),
    Mutant(
        name="ch02_checkgrad_loop_correct",
        function="check_gradients",
        correct=True,
        source='''\
def check_gradients(cost_fn, params, grads, eps=1e-5):
    """Relative error of each analytic gradient against the centred difference."""
    errors = {}
    for name, analytic in grads.items():
        numeric = numerical_gradient(cost_fn, params[name], eps=eps)
        errors[name] = float(relative_error(analytic, numeric))
    return errors
''',
    ),
]
