"""Reference implementations of every graded function, for the hidden tests and benchmarks.

One module per chapter; each function has exactly the name and signature of the
exercise contract (``autograder/contract.py``; tests/test_reference_properties.py
checks that they agree). ``trainer`` is the fast float32 trainer used by the
experiments and benchmarks.
"""
from .mse_sigmoid import (gd_step, logistic_cost, logistic_output_delta, mlp_backward, mlp_forward,
                          mse_cost, sigmoid, sigmoid_grad)
from .gradcheck import check_gradients, numerical_gradient, relative_error
from .softmax_nll import (dense_backward, dense_forward, l2_penalty, log_softmax, softmax,
                          softmax_nll, tanh_grad)
from .activations_init import (init_params, leaky_relu_backward, leaky_relu_forward,
                               relu_backward, relu_forward)
from .dropout import dropout_backward, dropout_forward, standardize
from .batchnorm import batchnorm_backward, batchnorm_forward
from .optimizers import adam_step, ewa, lr_decay, minibatches, momentum_step, rmsprop_step
from .training import accuracy, random_search, train_mlp

# The graded functions of each chapter (the exercise contract).
CONTRACT = {
    "01_mse_sigmoid": ["sigmoid", "sigmoid_grad", "mlp_forward", "mse_cost", "mlp_backward", "gd_step",
                       "logistic_cost", "logistic_output_delta"],
    "02_gradient_checking": ["numerical_gradient", "relative_error", "check_gradients"],
    "03_softmax_nll": ["softmax", "softmax_nll", "tanh_grad", "dense_forward", "dense_backward",
                       "l2_penalty"],
    "04_activations_init": ["relu_forward", "relu_backward", "leaky_relu_forward",
                            "leaky_relu_backward", "init_params"],
    "05_dropout_regularization": ["dropout_forward", "dropout_backward", "standardize"],
    "06_batchnorm": ["batchnorm_forward", "batchnorm_backward"],
    "07_optimizers": ["minibatches", "ewa", "momentum_step", "rmsprop_step", "adam_step", "lr_decay"],
    "08_training": ["train_mlp", "accuracy", "random_search"],
}
