"""The graded functions' parameters, and which of them a function may change in place.

A graded function must leave its arguments as it found them, except where its exercise
says otherwise: ``numerical_gradient`` perturbs ``x`` (and restores it), ``check_gradients``
perturbs ``params``, ``gd_step`` and the optimizer steps may update their parameters in
place, and ``state`` dicts are filled in place. Random generators may always be advanced.

Both sides of a test use this table: ``autograder.checks.call`` (in a student's own kernel)
and the grading stand-ins (``autograder.proxy``) report any other change with the same
message, so that no expected value can depend on what the student's code wrote into its
inputs.
"""
from __future__ import annotations

import numpy as np

#: the parameters of every graded function, in order (the exercise contract)
PARAMETERS: dict[str, tuple[str, ...]] = {
    # 01_mse_sigmoid
    "sigmoid": ("z",),
    "sigmoid_grad": ("z",),
    "mlp_forward": ("X", "params"),
    "mse_cost": ("A", "Y", "params", "lam"),
    "mlp_backward": ("Y", "params", "cache", "lam"),
    "gd_step": ("params", "grads", "lr"),
    "logistic_cost": ("A", "Y", "params", "lam"),
    "logistic_output_delta": ("A", "Y"),
    # 02_gradient_checking
    "numerical_gradient": ("f", "x", "eps"),
    "relative_error": ("a", "b"),
    "check_gradients": ("cost_fn", "params", "grads", "eps"),
    # 03_softmax_nll
    "softmax": ("Z",),
    "softmax_nll": ("Z", "y"),
    "tanh_grad": ("z",),
    "dense_forward": ("X", "W", "b"),
    "dense_backward": ("dZ", "cache"),
    "l2_penalty": ("params", "lam"),
    # 04_activations_init
    "relu_forward": ("z",),
    "relu_backward": ("dout", "cache"),
    "leaky_relu_forward": ("z", "alpha"),
    "leaky_relu_backward": ("dout", "cache"),
    "init_params": ("layer_sizes", "method", "rng"),
    # 05_dropout_regularization
    "dropout_forward": ("X", "keep_prob", "mode", "rng"),
    "dropout_backward": ("dout", "cache"),
    "standardize": ("X_train", "X_test"),
    # 06_batchnorm
    "batchnorm_forward": ("X", "gamma", "beta", "state", "mode", "momentum", "eps"),
    "batchnorm_backward": ("dout", "cache"),
    # 07_optimizers
    "minibatches": ("X", "y", "batch_size", "rng"),
    "ewa": ("values", "beta", "bias_correction"),
    "momentum_step": ("w", "dw", "state", "lr", "beta"),
    "rmsprop_step": ("w", "dw", "state", "lr", "beta", "eps"),
    "adam_step": ("w", "dw", "state", "lr", "beta1", "beta2", "eps"),
    "lr_decay": ("lr0", "decay", "epoch"),
    # 08_training
    "accuracy": ("params", "X", "y"),
    "train_mlp": ("X", "y", "X_val", "y_val", "config", "rng"),
    "random_search": ("space", "n_trials", "rng"),
}

#: the arguments each function may change in place (every other argument must stay as it was)
MAY_CHANGE: dict[str, frozenset[str]] = {
    "numerical_gradient": frozenset({"x"}),
    "check_gradients": frozenset({"params"}),
    "gd_step": frozenset({"params"}),
    "momentum_step": frozenset({"w", "state"}),
    "rmsprop_step": frozenset({"w", "state"}),
    "adam_step": frozenset({"w", "state"}),
    "batchnorm_forward": frozenset({"state"}),
}


def argument_names(function: str, n_positional: int, keywords) -> list[str]:
    """The parameter name of each argument of a call: the positional ones, then ``keywords``."""
    params = PARAMETERS.get(function, ())
    names = [params[i] if i < len(params) else f"argument {i + 1}" for i in range(n_positional)]
    return names + [str(k) for k in keywords]


def may_change(function: str, argument: str, value) -> bool:
    """Whether ``function`` may change ``value``, passed as ``argument``, in place."""
    return argument in MAY_CHANGE.get(function, ()) or isinstance(value, np.random.Generator)


def changed_in_place(function: str, argument: str, detail: str) -> str:
    """The message for a function that changed an argument it must leave as it was."""
    return (f"{function}() changed its argument {argument} in place ({detail}). A function must leave "
            "its inputs as it found them unless its exercise says otherwise: compute on a copy, for "
            "example `Z = Z - c` instead of `Z -= c`, or `out = z.copy()` before writing into `out`.")


def first_difference(path: str, before, after) -> str | None:
    """Where ``after`` differs from ``before`` (arrays, lists, tuples, dicts, numbers), or ``None``."""
    if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
        a, b = np.asarray(before), np.asarray(after)
        if a.shape != b.shape or a.dtype != b.dtype:
            return f"{path} changed from shape {a.shape} {a.dtype} to {b.shape} {b.dtype}"
        differ = ~((a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind in "fc" else (a == b))
        if not differ.any():
            return None
        index = tuple(int(i) for i in np.argwhere(differ)[0])
        where = f"{path}[{', '.join(map(str, index))}]" if index else path
        return f"{where} was {a[index].item()!r}, is now {b[index].item()!r}"
    if isinstance(before, dict) and isinstance(after, dict):
        for key in before:
            if key not in after:
                return f"{path}[{key!r}] was removed"
            found = first_difference(f"{path}[{key!r}]", before[key], after[key])
            if found:
                return found
        added = [k for k in after if k not in before]
        return f"{path}[{added[0]!r}] was added" if added else None
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        if len(before) != len(after):
            return f"{path} had {len(before)} items, has {len(after)}"
        for i, (x, y) in enumerate(zip(before, after)):
            found = first_difference(f"{path}[{i}]", x, y)
            if found:
                return found
        return None
    if isinstance(before, np.random.Generator) or callable(before):
        return None
    try:
        same = type(before) is type(after) and (before == after or before != before and after != after)
    except Exception:   # a value without a plain comparison
        same = before is after
    return None if same else f"{path} was {before!r}, is now {after!r}"
