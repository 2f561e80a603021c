"""Initialization schemes: empirical statistics on a 500×500 layer match their formulas."""
import numpy as np
import pytest

import reference as ref

N = 500
EXPECTED_STD = {
    "normal": 0.01,
    "xavier": np.sqrt(6 / (2 * N)) / np.sqrt(3),          # uniform(-a, a) has std a/√3
    "xavier_sigmoid": 4 * np.sqrt(6 / (2 * N)) / np.sqrt(3),
    "lecun": np.sqrt(1 / N),
    "he": np.sqrt(2 / N),
}


@pytest.mark.parametrize("method", sorted(EXPECTED_STD))
def test_std_within_5_percent(method):
    params = ref.init_params([N, N], method, np.random.default_rng(0))
    assert params["W1"].shape == (N, N)
    std = params["W1"].std()
    assert abs(std - EXPECTED_STD[method]) < 0.05 * EXPECTED_STD[method]
    assert abs(params["W1"].mean()) < 0.05 * EXPECTED_STD[method]
    np.testing.assert_array_equal(params["b1"], 0.0)


@pytest.mark.parametrize("method,limit", [("xavier", np.sqrt(6 / 1000)), ("xavier_sigmoid", 4 * np.sqrt(6 / 1000))])
def test_xavier_is_uniform_within_its_limit(method, limit):
    W = ref.init_params([300, 700], method, np.random.default_rng(1))["W1"]
    assert W.shape == (700, 300)
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.99 * limit


def test_fan_in_is_the_input_size():
    W = ref.init_params([200, 800], "he", np.random.default_rng(2))["W1"]
    assert abs(W.std() - np.sqrt(2 / 200)) < 0.05 * np.sqrt(2 / 200)


def test_zero_init_keeps_hidden_units_identical():
    """With all-zero weights every hidden unit gets the same gradient: the symmetry never breaks."""
    rng = np.random.default_rng(3)
    params = ref.init_params([4, 5, 1], "zeros", rng)
    X, Y = rng.normal(size=(16, 4)), rng.uniform(size=(16, 1))
    for _ in range(50):
        A, cache = ref.mlp_forward(X, params)
        params = ref.gd_step(params, ref.mlp_backward(Y, params, cache, 0.0), 1.0)
    W1 = params["W1"]
    np.testing.assert_allclose(W1, np.broadcast_to(W1[0], W1.shape))
    np.testing.assert_allclose(params["W2"], params["W2"][0, 0])


def test_rng_reproducible_and_unknown_method():
    a = ref.init_params([3, 4], "he", np.random.default_rng(5))
    b = ref.init_params([3, 4], "he", np.random.default_rng(5))
    np.testing.assert_array_equal(a["W1"], b["W1"])
    with pytest.raises(ValueError, match="glorot"):
        ref.init_params([3, 4], "glorot", np.random.default_rng(5))
