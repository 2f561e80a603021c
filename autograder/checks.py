"""Comparison helpers shared by the visible and the hidden tests.

Every helper raises ``AssertionError`` with a message written for a student:
which output is wrong, where, by how much, and (when the wrong answer matches
one of the known mistakes passed in by the test) what the likely mistake is.

A known mistake is detected by computing what the mistaken code would return
(the reference transformed by that mistake) and comparing the student's answer
against it; nothing is guessed from the size of the error alone.

Only NumPy is needed, so a student notebook can use this module on its own.
"""
from __future__ import annotations

import copy
import types
import warnings
from typing import Callable, Mapping

import numpy as np

from .contract import PARAMETERS, argument_names, changed_in_place, first_difference, may_change

__all__ = [
    "call",
    "check_array",
    "check_scalar",
    "check_shape",
    "check_gradient",
    "gradient_by_differences",
    "max_relative_error",
]

RTOL = 1e-6
ATOL = 1e-9


def call(fn: Callable, *args, **kwargs):
    """Call a student's function with warnings silenced, and check it left its inputs alone.

    NumPy's RuntimeWarnings go to stderr, and a graded cell that writes to
    stderr would lose its points even when the answer is right, so warnings
    are suppressed here; a wrong answer is still caught by the comparison.

    A graded function gets copies of the arguments it must not change
    (``autograder.contract``), and fails if it changed them: the test's own
    values, from which it computes what it expects, stay as they were. A
    generator is run to its end here, so that what it does to its inputs counts.
    """
    if not callable(fn):
        raise AssertionError(f"{fn!r} is not a function: did you overwrite its name?")
    name = getattr(fn, "__name__", "this function")
    guarded = name in PARAMETERS and not getattr(fn, "_runs_in_sandbox", False)   # stand-ins check it themselves
    names = argument_names(name, len(args), kwargs.keys())
    originals, passed = {}, []
    for value, argument in zip((*args, *kwargs.values()), names):
        if guarded and not may_change(name, argument, value) and not callable(value):
            originals[argument] = value
            value = copy.deepcopy(value)
        passed.append(value)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            result = fn(*passed[:len(args)], **dict(zip(kwargs, passed[len(args):])))
            if guarded and isinstance(result, types.GeneratorType):
                items = list(result)
                result = (item for item in items)
        except NotImplementedError:
            raise AssertionError(
                f"{name} is not implemented yet: "
                "replace `raise NotImplementedError()` with your code."
            ) from None
    for value, argument in zip(passed, names):
        if argument in originals:
            detail = first_difference(argument, originals[argument], value)
            if detail is not None:
                raise AssertionError(changed_in_place(name, argument, detail))
    return result


def _as_array(name: str, got) -> np.ndarray:
    if got is None:
        raise AssertionError(f"{name} is None: did you forget a `return` statement?")
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{name} should be a number or a NumPy array, got {type(got).__name__}."
        ) from None
    return arr


def check_shape(name: str, got, expected_shape: tuple) -> None:
    """Fail unless ``got`` has exactly ``expected_shape``."""
    arr = _as_array(name, got)
    expected_shape = tuple(expected_shape)
    if arr.shape == expected_shape:
        return
    hint = ""
    if arr.shape == expected_shape[::-1] and len(expected_shape) == 2:
        hint = " It looks transposed: check the order of the factors in your matrix product."
    elif arr.size == int(np.prod(expected_shape)):
        hint = " It has the right number of entries, so check a reshape or a missing axis."
    elif len(expected_shape) == 1 and arr.ndim == 2 and expected_shape[0] in arr.shape:
        hint = " Did you forget to sum over the batch axis (axis=0)?"
    raise AssertionError(
        f"{name} has shape {arr.shape}, expected {expected_shape}.{hint}"
    )


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=False))


def _diagnose(got: np.ndarray, expected: np.ndarray, mistakes: Mapping[str, object] | None,
              rtol: float, atol: float) -> str:
    """Name the mistake whose output matches ``got``, if any."""
    with np.errstate(all="ignore"):
        return _match_mistake(got, expected, mistakes, rtol, atol)


def _match_mistake(got, expected, mistakes, rtol, atol) -> str:
    for message, wrong in (mistakes or {}).items():
        wrong = np.asarray(wrong, dtype=float)
        if wrong.shape == got.shape and not _close(wrong, expected, rtol, atol) \
                and _close(got, wrong, max(rtol, 1e-5), max(atol, 1e-8)):
            return f" Likely mistake: {message}"
    if expected.size and _close(got, -expected, rtol, atol):
        return " Likely mistake: the sign is flipped."
    nz = np.abs(expected) > 1e-12
    # For a single number "r times the expected value" is always true, so it says nothing.
    if nz.sum() > 1 and np.all(np.isfinite(got)):
        ratios = got[nz] / expected[nz]
        r = float(np.median(ratios))
        if np.isfinite(r) and abs(r) > 1e-12 and np.allclose(ratios, r, rtol=1e-6) \
                and _close(got, r * expected, rtol, atol):
            return f" Every entry is {r:.6g} times the expected value: a missing or extra constant factor."
    return ""


def check_array(name: str, got, expected, *, rtol: float = RTOL, atol: float = ATOL,
                mistakes: Mapping[str, object] | None = None) -> None:
    """Fail unless ``got`` matches ``expected`` element-wise.

    ``mistakes`` maps a message ("your dW is m times too large: ...") to the
    array that mistake would produce; the first one that matches is reported.
    """
    expected = np.asarray(expected, dtype=float)
    arr = _as_array(name, got)
    check_shape(name, arr, expected.shape)
    if _close(arr, expected, rtol, atol):
        return
    diagnosis = _diagnose(arr, expected, mistakes, rtol, atol)
    if not np.all(np.isfinite(arr)) and np.all(np.isfinite(expected)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise AssertionError(
            f"{entry(name, bad)} is {arr[bad]} but should be {expected[bad]:.6g}: an overflow or a "
            f"division by zero somewhere.{diagnosis or ' Is the computation numerically stable?'}"
        )
    err = np.abs(arr - expected) - rtol * np.abs(expected)
    worst = np.unravel_index(int(np.argmax(err)), arr.shape) if arr.ndim else ()
    n_bad = int(np.sum(~np.isclose(arr, expected, rtol=rtol, atol=atol)))
    count = f"; {n_bad} of {arr.size} entries differ" if arr.size > 1 else ""
    raise AssertionError(
        f"{entry(name, worst)} is {arr[worst]:.8g}, expected {expected[worst]:.8g} "
        f"(difference {abs(arr[worst] - expected[worst]):.3g}{count}).{diagnosis}"
    )


def entry(name: str, index: tuple) -> str:
    """``dW[1, 2]``; for a name that is a phrase, ``softmax(Z) for large logits: entry [1, 2]``."""
    if not index:
        return name
    where = f"[{', '.join(str(int(i)) for i in index)}]"
    return f"{name}: entry {where}" if " " in name.strip() else f"{name}{where}"


def check_scalar(name: str, got, expected: float, *, rtol: float = RTOL, atol: float = ATOL,
                 mistakes: Mapping[str, object] | None = None) -> None:
    """Fail unless ``got`` is a single number close to ``expected``."""
    arr = _as_array(name, got)
    if arr.size != 1:
        raise AssertionError(
            f"{name} should be a single number, got an array of shape {arr.shape}: "
            "did you forget to sum or average?"
        )
    check_array(name, arr.reshape(()), np.asarray(expected, dtype=float).reshape(()),
                rtol=rtol, atol=atol, mistakes=mistakes)


def gradient_by_differences(f: Callable[[], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """The tests' own numerical gradient of ``f`` at ``x``: a five-point stencil,
    ``(−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h``, exact for polynomials up to degree 4.

    Deliberately not chapter 2's centred difference (an exercise): the tests' checker must
    not be an answer. ``f`` takes no arguments and reads ``x``, which is perturbed one entry
    at a time and restored exactly.
    """
    grad = np.zeros(np.shape(x), dtype=float)
    for i in np.ndindex(*np.shape(x)):
        old = x[i]
        values = []
        for step in (2, 1, -1, -2):
            x[i] = old + step * h
            values.append(float(f()))
        x[i] = old
        grad[i] = (8 * (values[1] - values[2]) - (values[0] - values[3])) / (12 * h)
    return grad


def max_relative_error(a, b) -> float:
    """The largest entry-wise difference relative to the largest entries,
    ``max|a − b| / (max|a| + max|b|)``, and 0 when both are 0 (not chapter 2's exercise,
    which uses the 2-norm)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = float(np.max(np.abs(a), initial=0.0) + np.max(np.abs(b), initial=0.0))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b), initial=0.0) / scale)


def check_gradient(name: str, f: Callable[[], float], x: np.ndarray, analytic, *,
                   tol: float = 1e-7, eps: float = 1e-4) -> float:
    """Compare an analytic gradient with the tests' numerical gradient of ``f`` at ``x``.

    ``f`` takes no arguments and reads ``x`` (float64), which is perturbed in
    place and restored (``gradient_by_differences`` with step ``eps``). Returns the
    relative error (``max_relative_error``); fails above ``tol``.
    """
    numeric = gradient_by_differences(f, x, eps)
    arr = _as_array(name, analytic)
    check_shape(name, arr, numeric.shape)
    err = max_relative_error(arr, numeric)
    if not err <= tol:
        worst = np.unravel_index(int(np.argmax(np.abs(arr - numeric))), arr.shape) if arr.ndim else ()
        where = f"[{', '.join(str(int(i)) for i in worst)}]" if arr.ndim else ""
        diagnosis = _diagnose(arr, numeric, None, 1e-4, 1e-7)
        raise AssertionError(
            f"gradient check failed for {name}: relative error {err:.2e} (should be below {tol:.0e}). "
            f"Worst entry {name}{where}: backprop gives {arr[worst]:.8g}, the numerical "
            f"gradient is {numeric[worst]:.8g}.{diagnosis}"
        )
    return err
