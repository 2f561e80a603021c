"""The fast reference trainer and the chapter-8 reference on the bundled digits."""
import time

import numpy as np
import pytest

import reference as ref
from autograder.data import load_digits
from reference import trainer as T
from reference.training import forward


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


def test_trainer_reaches_97_percent_on_digits(digits):
    data = digits.astype(np.float32)
    rng = np.random.default_rng(0)
    net = T.mlp([64, 256, 10], rng)
    start = time.perf_counter()
    history = T.fit(net, data.X_train, data.y_train, data.X_val, data.y_val, T.Adam(1e-3),
                    epochs=60, batch_size=32, lam=1e-4, rng=rng, progress=False)
    seconds = time.perf_counter() - start
    _, test_acc = T.evaluate(net, data.X_test, data.y_test)
    print(f"\nreference trainer on digits: test accuracy {test_acc:.4f} in {seconds:.1f} s")
    assert len(history["loss"]) == 60 and history["loss"][-1] < history["loss"][0]
    assert test_acc >= 0.97
    assert net.forward(data.X_test[:3]).dtype == np.float32


@pytest.mark.parametrize("options", [dict(activation="tanh", keep_prob=0.8),
                                     dict(batchnorm=True), dict(activation="sigmoid")])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_every_layer_and_optimizer_learns(digits, options, optimizer):
    data = digits.astype(np.float32)
    rng = np.random.default_rng(1)
    net = T.mlp([64, 64, 10], rng, **options)
    lr = {"sgd": 0.5, "momentum": 0.5, "rmsprop": 5e-3, "adam": 5e-3}[optimizer]
    history = T.fit(net, data.X_train, data.y_train, data.X_val, data.y_val,
                    T.OPTIMIZERS[optimizer](lr=lr), epochs=8, batch_size=64, rng=rng, progress=False)
    assert history["val_acc"][-1] > 0.85, history["val_acc"]


def test_mse_loss_regression():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(256, 3)).astype(np.float32)
    Y = (X @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32))
    net = T.Network([T.Dense(3, 16, rng), T.Tanh(), T.Dense(16, 1, rng)])
    history = T.fit(net, X, Y, X, Y, T.Adam(1e-2), epochs=60, batch_size=32, rng=rng,
                    loss="mse", progress=False)
    assert history["loss"][-1] < 0.05 * history["loss"][0]


def test_chapter8_reference_train_mlp(digits):
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    params, history = ref.train_mlp(digits.X_train, digits.y_train, digits.X_val, digits.y_val,
                                    {"hidden": [64], "epochs": 40, "patience": 5}, rng)
    print(f"\nchapter-8 reference train_mlp: {len(history['loss'])} epochs in "
          f"{time.perf_counter() - start:.1f} s")
    best = history["val_acc"][history["best_epoch"]]
    assert ref.accuracy(params, digits.X_val, digits.y_val) == pytest.approx(best)
    assert best >= 0.95
    assert ref.accuracy(params, digits.X_test, digits.y_test) >= 0.93


def test_chapter8_class_weights_raise_recall_of_a_rare_class(digits):
    """Weighting the rare class's NLL up makes the network predict it more often."""
    y = (digits.y_train == 9).astype(int)
    y_val = (digits.y_val == 9).astype(int)
    recalls = []
    for weights in (None, [1.0, 20.0]):
        params, _ = ref.train_mlp(digits.X_train, y, digits.X_val, y_val,
                                  {"hidden": [8], "epochs": 3, "patience": 3, "class_weight": weights},
                                  np.random.default_rng(0))
        logits, _ = forward(params, digits.X_val)
        predicted = logits.argmax(axis=1)
        recalls.append(np.mean(predicted[y_val == 1] == 1))
    assert recalls[1] > recalls[0]


def test_reference_trainer_fashion_mnist_88_percent():
    """One hidden layer reaches 88 % test accuracy on Fashion-MNIST (time printed, not asserted)."""
    from autograder.data import DataError, load_fashion_mnist

    try:
        data = load_fashion_mnist().astype(np.float32)
    except DataError as exc:
        pytest.skip(f"Fashion-MNIST is not on this machine: {exc}")
    rng = np.random.default_rng(0)
    net = T.mlp([784, 256, 10], rng)
    start = time.perf_counter()
    history = T.fit(net, data.X_train, data.y_train, data.X_val, data.y_val, T.Adam(1e-3),
                    epochs=8, batch_size=128, rng=rng, progress=False)
    seconds = time.perf_counter() - start
    _, test_acc = T.evaluate(net, data.X_test, data.y_test)
    print(f"\nFashion-MNIST 784-256-10: test accuracy {test_acc:.4f} after 8 epochs in {seconds:.1f} s "
          f"(validation {history['val_acc'][-1]:.4f})")
    assert test_acc >= 0.88
