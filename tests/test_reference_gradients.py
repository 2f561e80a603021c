"""Every reference backward function against the tests' numerical gradient, in float64.

The upstream gradient is always random (never all ones), shapes include m = 1 and
non-square weights, and inputs include extreme values.
"""
import numpy as np
import pytest

import reference as ref
from autograder.checks import gradient_by_differences, max_relative_error

TOL = 1e-7
SHAPES = [(1, 3, 2), (5, 4, 7), (8, 6, 3)]  # (m, n_in, n_out)


def grad_error(f, x, analytic, eps=1e-4):
    return max_relative_error(analytic, gradient_by_differences(f, x, eps))


@pytest.mark.parametrize("m,n_in,n_out", SHAPES)
def test_dense_backward(m, n_in, n_out):
    rng = np.random.default_rng(m * 100 + n_in)
    X, W, b = rng.normal(size=(m, n_in)), rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)
    G = rng.normal(size=(m, n_out))
    Z, cache = ref.dense_forward(X, W, b)
    dX, dW, db = ref.dense_backward(G, cache)
    loss = lambda: float(np.sum(G * ref.dense_forward(X, W, b)[0]))
    for name, x, g in (("X", X, dX), ("W", W, dW), ("b", b, db)):
        assert grad_error(loss, x, g) < TOL, name


@pytest.mark.parametrize("scale", [1.0, 50.0, 1000.0])
@pytest.mark.parametrize("m,k", [(1, 2), (6, 5)])
def test_softmax_nll_backward(m, k, scale):
    rng = np.random.default_rng(k)
    Z = rng.normal(size=(m, k)) * scale
    y = rng.integers(k, size=m)
    loss, dZ = ref.softmax_nll(Z, y)
    assert np.isfinite(loss)
    # Centred differences at logits of ±1000 need a step matched to the scale of Z.
    err = grad_error(lambda: ref.softmax_nll(Z, y)[0], Z, dZ, eps=1e-6 * scale)
    assert err < TOL


@pytest.mark.parametrize("z0", [0.5, 5.0, 50.0])
def test_sigmoid_and_tanh_grad(z0):
    rng = np.random.default_rng(1)
    z = rng.uniform(-z0, z0, size=(4, 3))
    G = rng.normal(size=z.shape)
    assert grad_error(lambda: np.sum(G * ref.sigmoid(z)), z, G * ref.sigmoid_grad(z)) < TOL
    assert grad_error(lambda: np.sum(G * np.tanh(z)), z, G * ref.tanh_grad(z)) < TOL


@pytest.mark.parametrize("sizes", [[2, 3, 1], [4, 5, 3, 2], [3, 2]])
@pytest.mark.parametrize("m", [1, 6])
def test_mlp_backward(sizes, m):
    rng = np.random.default_rng(len(sizes) + m)
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.normal(size=sizes[l])
    X, Y, lam = rng.normal(size=(m, sizes[0])), rng.uniform(size=(m, sizes[-1])), 0.3
    A, cache = ref.mlp_forward(X, params)
    grads = ref.mlp_backward(Y, params, cache, lam)
    cost = lambda: ref.mse_cost(ref.mlp_forward(X, params)[0], Y, params, lam)
    for key in params:
        assert grad_error(cost, params[key], grads[key]) < TOL, key


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("m,k,scale", [(1, 1, 1.0), (1, 4, 3.0), (6, 3, 1.0), (9, 2, 6.0)])
def test_logistic_output_delta(m, k, scale, soft):
    """(A − Y)/m is the gradient of the logistic cost's data term with respect to Z, A = f(Z)."""
    rng = np.random.default_rng(10 * m + k)
    Z = rng.normal(scale=scale, size=(m, k))
    Y = rng.uniform(size=(m, k)) if soft else rng.integers(2, size=(m, k)).astype(float)
    params = {"W1": rng.normal(size=(k, 3)), "b1": rng.normal(size=k)}
    dZ = ref.logistic_output_delta(ref.sigmoid(Z), Y)
    assert dZ.shape == (m, k)
    data_term = lambda: ref.logistic_cost(ref.sigmoid(Z), Y, params, 0.0)
    assert grad_error(data_term, Z, dZ) < TOL
    # the penalty does not depend on Z: with lam > 0 the gradient with respect to Z is the same
    assert grad_error(lambda: ref.logistic_cost(ref.sigmoid(Z), Y, params, 0.7), Z, dZ) < TOL


def test_logistic_cost_weight_gradient():
    """Through the network, the logistic cost's gradients are the δ recursion started at (A − Y)."""
    rng = np.random.default_rng(11)
    params = {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=4),
              "W2": rng.normal(size=(2, 4)), "b2": rng.normal(size=2)}
    X, Y, lam = rng.normal(size=(5, 3)), rng.integers(2, size=(5, 2)).astype(float), 0.2
    A, cache = ref.mlp_forward(X, params)
    D = ref.logistic_output_delta(A, Y)     # already divided by m
    dW2 = D.T @ cache["A"][1] + lam * params["W2"]
    dW1 = ((D @ params["W2"]) * ref.sigmoid_grad(cache["Z"][1])).T @ X + lam * params["W1"]
    cost = lambda: ref.logistic_cost(ref.mlp_forward(X, params)[0], Y, params, lam)
    assert grad_error(cost, params["W2"], dW2) < TOL
    assert grad_error(cost, params["W1"], dW1) < TOL


def test_l2_penalty_gradient():
    rng = np.random.default_rng(2)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=3), "W2": rng.normal(size=(2, 3))}
    value, grads = ref.l2_penalty(params, 0.7)
    for key in params:
        assert grad_error(lambda: ref.l2_penalty(params, 0.7)[0], params[key], grads[key]) < TOL, key
    assert np.all(grads["b1"] == 0)


@pytest.mark.parametrize("fwd,bwd", [(ref.relu_forward, ref.relu_backward),
                                     (ref.leaky_relu_forward, ref.leaky_relu_backward)])
def test_relu_family_backward(fwd, bwd):
    rng = np.random.default_rng(3)
    z = rng.uniform(-50, 50, size=(5, 4))
    z[np.abs(z) < 1e-3] = 1.0  # keep away from the kink where the derivative is not defined
    G = rng.normal(size=z.shape)
    out, cache = fwd(z)
    assert grad_error(lambda: np.sum(G * fwd(z)[0]), z, bwd(G, cache)) < TOL


def test_dropout_backward():
    rng = np.random.default_rng(4)
    X, G = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    out, cache = ref.dropout_forward(X, 0.7, "train", np.random.default_rng(9))
    f = lambda: np.sum(G * ref.dropout_forward(X, 0.7, "train", np.random.default_rng(9))[0])
    assert grad_error(f, X, ref.dropout_backward(G, cache)) < TOL


# With m = 2 the normalized output is ±1 whatever X is, so dX is only the tiny effect of
# eps; a larger eps there makes that dependence big enough to check.
@pytest.mark.parametrize("m,n,bn_eps", [(2, 3, 0.5), (3, 3, 1e-5), (7, 4, 1e-5), (16, 1, 1e-5)])
def test_batchnorm_backward(m, n, bn_eps):
    rng = np.random.default_rng(m + n)
    X = rng.normal(loc=3.0, scale=2.0, size=(m, n))
    gamma, beta, G = rng.normal(size=n), rng.normal(size=n), rng.normal(size=(m, n))
    out, cache = ref.batchnorm_forward(X, gamma, beta, {}, "train", eps=bn_eps)
    dX, dgamma, dbeta = ref.batchnorm_backward(G, cache)
    f = lambda: np.sum(G * ref.batchnorm_forward(X, gamma, beta, {}, "train", eps=bn_eps)[0])
    for name, x, g in (("X", X, dX), ("gamma", gamma, dgamma), ("beta", beta, dbeta)):
        assert grad_error(f, x, g) < TOL, name


def test_trainer_layers_backward_float64():
    """The fast trainer's layers compute the same gradients as the chapters' formulas."""
    from reference import trainer as T

    rng = np.random.default_rng(5)
    net = T.Network([T.Dense(4, 6, rng, dtype=np.float64), T.BatchNorm(6, dtype=np.float64), T.Tanh(),
                     T.Dense(6, 5, rng, dtype=np.float64), T.LeakyReLU(0.1),
                     T.Dense(5, 3, rng, dtype=np.float64)])
    X, y = rng.normal(size=(7, 4)), rng.integers(3, size=7)
    loss = lambda: T.softmax_nll_loss(net.forward(X.copy(), train=True), y)[0]
    _, dout = T.softmax_nll_loss(net.forward(X.copy(), train=True), y)
    net.backward(dout)
    for name, p, g in net.parameters():
        if name == "b1":  # batch norm right after: the bias cancels out, its gradient is zero
            np.testing.assert_allclose(g, 0.0, atol=1e-12)
            np.testing.assert_allclose(gradient_by_differences(loss, p), 0.0, atol=1e-9)
        else:
            assert grad_error(loss, p, g.copy()) < TOL, name
