"""Shapes, invariants and the pinned formulas of the chapters, for the reference implementations."""
import copy
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

import reference as ref

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
matrices = st.tuples(st.integers(1, 6), st.integers(1, 6)).flatmap(
    lambda s: arrays(np.float64, s, elements=finite))
settings.register_profile("course", max_examples=60, deadline=None)
settings.load_profile("course")


@given(matrices)
def test_softmax_rows_are_distributions(Z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning, even at ±1000
        P = ref.softmax(Z)
    assert P.shape == Z.shape
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(ref.softmax(Z + 7.5), P, atol=1e-12)  # shift invariance


@given(matrices, st.data())
def test_softmax_nll_shapes_and_dz_rows_sum_to_zero(Z, data):
    y = np.array(data.draw(st.lists(st.integers(0, Z.shape[1] - 1), min_size=Z.shape[0],
                                    max_size=Z.shape[0])))
    loss, dZ = ref.softmax_nll(Z, y)
    assert np.isfinite(loss) and loss >= 0
    assert dZ.shape == Z.shape
    np.testing.assert_allclose(dZ.sum(axis=1), 0.0, atol=1e-12)


@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e4, 1e4)))
def test_sigmoid_stable_and_bounded(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = ref.sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s + ref.sigmoid(-z), 1.0, atol=1e-12)  # symmetry


def test_sigmoid_limits_exact():
    np.testing.assert_array_equal(ref.sigmoid(np.array([-1e4, 0.0, 1e4])), [0.0, 0.5, 1.0])


@given(st.integers(1, 8), st.integers(1, 4), st.integers(0, 2 ** 32 - 1))
def test_logistic_cost_matches_the_formula_and_is_nonnegative(m, k, seed):
    rng = np.random.default_rng(seed)
    A, Y = rng.uniform(0.01, 0.99, size=(m, k)), rng.uniform(size=(m, k))
    params = {"W1": rng.normal(size=(k, 2)), "b1": rng.normal(size=k)}
    A0, Y0, p0 = A.copy(), Y.copy(), copy.deepcopy(params)
    J = ref.logistic_cost(A, Y, params, 0.3)
    naive = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m + 0.15 * np.sum(params["W1"] ** 2)
    assert isinstance(J, float) and J == pytest.approx(naive, rel=1e-12)
    assert ref.logistic_cost(A, Y, params, 0.0) >= 0.0
    delta = ref.logistic_output_delta(A, Y)
    np.testing.assert_allclose(delta, (A - Y) / m, rtol=1e-15)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(Y, Y0)
    np.testing.assert_array_equal(params["W1"], p0["W1"])


def test_logistic_cost_zero_log_zero_is_zero():
    """Outputs of exactly 0 or 1 on matching targets cost nothing, without a warning."""
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([5.0])}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ref.logistic_cost(Y, Y, params, 0.0) == 0.0
        assert ref.logistic_cost(Y, Y, params, 0.4) == pytest.approx(0.2 * 5.0)
        # saturated but not exact: finite, and large only when the output is wrong
        assert ref.logistic_cost(np.array([[1 - 1e-12]]), np.array([[1.0]]), {}, 0.0) < 1e-11
        assert ref.logistic_cost(np.array([[1 - 1e-12]]), np.array([[0.0]]), {}, 0.0) \
            == pytest.approx(-np.log1p(-(1 - 1e-12)))
    np.testing.assert_array_equal(ref.logistic_output_delta(Y, Y), np.zeros((2, 2)))


@given(st.integers(1, 50), st.integers(1, 8), st.floats(0.05, 1.0))
def test_dropout_train_entries_and_test_identity(m, n, keep_prob):
    rng = np.random.default_rng(m * n)
    X = rng.normal(size=(m, n)) + 10.0  # no zeros, so kept entries are recognisable
    out, _ = ref.dropout_forward(X, keep_prob, "train", rng)
    kept = out != 0
    np.testing.assert_allclose(out[kept], X[kept] / keep_prob)
    out_test, cache = ref.dropout_forward(X, keep_prob, "test", rng)
    np.testing.assert_array_equal(out_test, X)
    np.testing.assert_array_equal(ref.dropout_backward(X, cache), X)


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.9])
def test_dropout_keeps_the_expectation(keep_prob):
    rng = np.random.default_rng(0)
    X = np.full((400, 500), 3.0)
    out, _ = ref.dropout_forward(X, keep_prob, "train", rng)
    n = X.size
    std_of_mean = 3.0 * np.sqrt((1 - keep_prob) / (keep_prob * n))
    assert abs(out.mean() - 3.0) < 5 * std_of_mean
    kept_fraction = np.mean(out != 0)
    assert abs(kept_fraction - keep_prob) < 5 * np.sqrt(keep_prob * (1 - keep_prob) / n)


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5])
def test_dropout_rejects_bad_keep_prob(bad):
    with pytest.raises(ValueError, match="keep_prob"):
        ref.dropout_forward(np.ones((2, 2)), bad, "train", np.random.default_rng(0))


@given(st.integers(2, 40), st.integers(1, 6))
def test_batchnorm_training_output_is_standardized(m, n):
    rng = np.random.default_rng(m + 10 * n)
    X = rng.normal(loc=5.0, scale=3.0, size=(m, n))
    out, _ = ref.batchnorm_forward(X, np.ones(n), np.zeros(n), {}, "train", eps=0.0)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(out.var(axis=0), 1.0, rtol=1e-9)


def test_batchnorm_zero_variance_column_is_finite():
    X = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 5.0]])
    out, cache = ref.batchnorm_forward(X, np.ones(2), np.zeros(2), {}, "train")
    dX, dgamma, dbeta = ref.batchnorm_backward(np.ones_like(X), cache)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dX))
    np.testing.assert_array_equal(out[:, 0], 0.0)


def test_batchnorm_running_statistics_and_test_mode():
    rng = np.random.default_rng(1)
    X1, X2 = rng.normal(size=(8, 3)), rng.normal(2.0, size=(8, 3))
    state = {}
    ref.batchnorm_forward(X1, np.ones(3), np.zeros(3), state, "train", momentum=0.8)
    ref.batchnorm_forward(X2, np.ones(3), np.zeros(3), state, "train", momentum=0.8)
    mean = 0.8 * (0.8 * 0 + 0.2 * X1.mean(0)) + 0.2 * X2.mean(0)
    var = 0.8 * (0.8 * 1 + 0.2 * X1.var(0)) + 0.2 * X2.var(0)
    np.testing.assert_allclose(state["running_mean"], mean)
    np.testing.assert_allclose(state["running_var"], var)
    before = copy.deepcopy(state)
    out, _ = ref.batchnorm_forward(X1, np.full(3, 2.0), np.full(3, 0.5), state, "test")
    for key in before:
        np.testing.assert_array_equal(state[key], before[key])
    np.testing.assert_allclose(out, 2.0 * (X1 - mean) / np.sqrt(var + 1e-5) + 0.5)


# ------------------------------------------------------------------ pinned optimizer formulas
# Hand-computed, step by step, from the formulas chapter 7 pins for w = 1, dw = 0.5, 1.0, -2.0, lr = 0.1.
GRADS = [0.5, 1.0, -2.0]


def run_steps(step, **kw):
    w, state, ws = np.array([1.0]), {}, []
    for g in GRADS:
        w, state = step(w, np.array([g]), state, 0.1, **kw)
        ws.append(float(w[0]))
    return ws


def test_momentum_three_steps():
    # v1 = 0.1*0.5 = 0.05 -> w = 0.995; v2 = 0.9*0.05 + 0.1*1 = 0.145 -> w = 0.9805;
    # v3 = 0.9*0.145 + 0.1*(-2) = -0.0695 -> w = 0.9874500
    np.testing.assert_allclose(run_steps(ref.momentum_step, beta=0.9), [0.995, 0.9805, 0.98745])


def test_rmsprop_three_steps():
    # beta 0.9, eps 0: s1 = 0.025, w -= 0.1*0.5/sqrt(0.025); s2 = 0.9*0.025 + 0.1 = 0.1225;
    # s3 = 0.9*0.1225 + 0.1*4 = 0.51025
    s = [0.025, 0.1225, 0.51025]
    expected, w = [], 1.0
    for g, si in zip(GRADS, s):
        w -= 0.1 * g / np.sqrt(si)
        expected.append(w)
    np.testing.assert_allclose(run_steps(ref.rmsprop_step, beta=0.9, eps=0.0), expected)
    np.testing.assert_allclose(expected, [0.6837722, 0.3980579, 0.6780453], atol=1e-7)


def test_adam_three_steps():
    # beta1 0.9, beta2 0.99, eps 0. Step 1: m = 0.05, v = 0.0025, m̂ = 0.5, v̂ = 0.25 -> w -= 0.1.
    # Step 2: m = 0.145, v = 0.012475, m̂ = 0.145/0.19, v̂ = 0.012475/0.0199.
    # Step 3: m = -0.0695, v = 0.05235025, m̂ = -0.0695/0.271, v̂ = 0.05235025/0.029701.
    m_hat = [0.5, 0.145 / 0.19, -0.0695 / 0.271]
    v_hat = [0.25, 0.012475 / 0.0199, 0.05235025 / 0.029701]
    expected, w = [], 1.0
    for mh, vh in zip(m_hat, v_hat):
        w -= 0.1 * mh / np.sqrt(vh)
        expected.append(w)
    np.testing.assert_allclose(run_steps(ref.adam_step, beta1=0.9, beta2=0.99, eps=0.0), expected)
    assert expected[0] == pytest.approx(0.9)


def test_step_functions_do_not_modify_their_input():
    w = np.array([1.0, 2.0])
    for step in (ref.momentum_step, ref.rmsprop_step, ref.adam_step):
        step(w, np.array([0.3, -0.1]), {}, 0.1)
        np.testing.assert_array_equal(w, [1.0, 2.0])


def test_ewa_and_bias_correction():
    values = [1.0, 2.0, 3.0]
    # v1 = 0.5, v2 = 0.25 + 1 = 1.25, v3 = 0.625 + 1.5 = 2.125
    np.testing.assert_allclose(ref.ewa(values, 0.5, bias_correction=False), [0.5, 1.25, 2.125])
    np.testing.assert_allclose(ref.ewa(values, 0.5), [1.0, 1.25 / 0.75, 2.125 / 0.875])
    # A constant series is recovered exactly after bias correction.
    np.testing.assert_allclose(ref.ewa(np.full(50, 4.0), 0.98), 4.0)


def test_lr_decay():
    assert ref.lr_decay(0.2, 1.0, 0) == 0.2
    assert ref.lr_decay(0.2, 1.0, 3) == pytest.approx(0.05)
    assert ref.lr_decay(0.1, 0.5, 2) == pytest.approx(0.05)


@given(st.integers(1, 60), st.integers(1, 70))
def test_minibatches_cover_every_example_once(m, batch_size):
    X = np.arange(m * 2).reshape(m, 2)
    y = np.arange(m)
    batches = list(ref.minibatches(X, y, batch_size, np.random.default_rng(m)))
    sizes = [len(yb) for _, yb in batches]
    assert all(s == batch_size for s in sizes[:-1]) and 0 < sizes[-1] <= batch_size
    seen = np.concatenate([yb for _, yb in batches])
    np.testing.assert_array_equal(np.sort(seen), y)
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0] // 2, yb)  # X and y stay aligned


def test_mlp_forward_shapes_any_depth():
    rng = np.random.default_rng(0)
    params = ref.init_params([3, 5, 4, 2], "xavier", rng)
    A, cache = ref.mlp_forward(rng.normal(size=(6, 3)), params)
    assert A.shape == (6, 2)
    new = ref.gd_step(params, {k: np.ones_like(v) for k, v in params.items()}, 0.5)
    for key in params:
        np.testing.assert_allclose(new[key], params[key] - 0.5)


def test_numerical_gradient_restores_x_and_handles_2d():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    g = ref.numerical_gradient(lambda: float(np.sum(x ** 3)), x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(g, 3 * before ** 2, rtol=1e-8)


def test_relative_error_zero_and_scale():
    assert ref.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert ref.relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2) / 2)


def test_check_gradients_flags_a_wrong_gradient():
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(2, 3))}
    cost = lambda: float(np.sum(params["W"] ** 2))
    good = ref.check_gradients(cost, params, {"W": 2 * params["W"]})
    bad = ref.check_gradients(cost, params, {"W": params["W"]})
    assert good["W"] < 1e-8 and bad["W"] > 0.1


def test_random_search_log_uniform_and_choices():
    space = {"lr": ("log", 1e-4, 1e-1), "lam": ("uniform", 0.0, 1.0), "hidden": ("choice", [8, 16])}
    trials = ref.random_search(space, 2000, np.random.default_rng(0))
    lr = np.array([t["lr"] for t in trials])
    assert len(trials) == 2000 and lr.min() >= 1e-4 and lr.max() <= 1e-1
    assert abs(np.mean(lr < np.sqrt(1e-4 * 1e-1)) - 0.5) < 0.04  # half below the geometric mean
    assert {t["hidden"] for t in trials} == {8, 16}
    assert trials[:5] == ref.random_search(space, 5, np.random.default_rng(0))


def test_signatures_are_the_contract():
    """The reference functions, the contract table the grader uses and the chapter list agree."""
    import inspect

    from autograder.contract import MAY_CHANGE, PARAMETERS

    graded = [fn for fns in ref.CONTRACT.values() for fn in fns]
    assert sorted(graded) == sorted(PARAMETERS)
    for name, params in PARAMETERS.items():
        assert tuple(inspect.signature(getattr(ref, name)).parameters) == params, name
    for name, changeable in MAY_CHANGE.items():
        assert changeable <= set(PARAMETERS[name]), name
