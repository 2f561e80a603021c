"""The shared check helpers: they fail on wrong answers and say why."""
import numpy as np
import pytest

from autograder.checks import call, check_array, check_gradient, check_scalar, check_shape


def test_passes_on_equal_and_names_the_worst_element():
    check_array("dW", np.ones((2, 3)), np.ones((2, 3)))
    got = np.ones((2, 3))
    got[1, 2] = 5.0
    with pytest.raises(AssertionError, match=r"dW\[1, 2\] is 5, expected 1 .*1 of 6 entries differ"):
        check_array("dW", got, np.ones((2, 3)))


def test_known_mistake_is_named():
    expected = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(AssertionError, match="did you forget to divide by the batch size"):
        check_array("dW", 4 * expected, expected,
                    mistakes={"your dW is m times too large: did you forget to divide by the batch size?": 4 * expected})


def test_generic_diagnoses_sign_and_factor_and_transpose():
    expected = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(AssertionError, match="sign is flipped"):
        check_array("dZ", -expected, expected)
    with pytest.raises(AssertionError, match="3 times the expected value"):
        check_array("dZ", 3 * expected, expected)
    with pytest.raises(AssertionError, match="transposed"):
        check_array("dW", expected.T, expected)
    with pytest.raises(AssertionError, match="sum over the batch axis"):
        check_shape("db", np.ones((4, 3)), (3,))


def test_a_single_number_gets_no_meaningless_factor_hint():
    with pytest.raises(AssertionError) as info:
        check_scalar("J", 2.5, 1.0)
    assert "times the expected value" not in str(info.value)


def test_missing_return_nan_and_stub():
    with pytest.raises(AssertionError, match="forget a `return`"):
        check_array("out", None, np.zeros(2))
    with pytest.raises(AssertionError, match="overflow"):
        check_array("P", np.array([np.nan, 1.0]), np.array([0.5, 0.5]))

    def stub(x):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="stub is not implemented yet"):
        call(stub, 1)


def test_call_silences_warnings(recwarn):
    out = call(lambda: np.exp(np.array([1000.0])))
    assert np.isinf(out[0]) and len(recwarn) == 0


def test_gradient_check_accepts_right_and_rejects_wrong():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    f = lambda: float(np.sum(np.sin(x)))
    assert check_gradient("dx", f, x, np.cos(x)) < 1e-8
    with pytest.raises(AssertionError, match="gradient check failed for dx"):
        check_gradient("dx", f, x, np.sin(x))


def test_messages_keep_the_name_and_the_index_apart():
    with pytest.raises(AssertionError) as info:
        check_array("softmax(Z) for logits of size 1000", np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]]))
    assert "softmax(Z) for logits of size 1000: entry [0, " in str(info.value)
    with pytest.raises(AssertionError) as info:
        check_array("dW", np.array([[1.0, 5.0]]), np.array([[1.0, 1.0]]))
    assert str(info.value).startswith("dW[0, 1] is 5")
    with pytest.raises(AssertionError) as info:
        check_scalar("J", 2.0, 1.0)
    assert "entries differ" not in str(info.value)
