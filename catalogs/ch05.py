"""Seeded bugs for chapter 5, dropout and regularization."""
from . import Mutant

MUTANTS = [
    # ------------------------------------------------------------------ dropout_forward
    Mutant(
        name="ch05_dropout_not_inverted",
        function="dropout_forward",
        message="not rescaled by 1/keep_prob",
        source='''\
def dropout_forward(X, keep_prob, mode, rng):
    """Dropout: zero each entry with probability 1 - keep_prob."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    if mode == "test":
        return X, (None, keep_prob)
    mask = rng.random(X.shape) < keep_prob
    return X * mask, (mask, keep_prob)
''',
    ),
    Mutant(
        name="ch05_dropout_active_at_test_time",
        function="dropout_forward",
        message="dropout is active at test time",
        source='''\
def dropout_forward(X, keep_prob, mode, rng):
    """Inverted dropout."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    mask = rng.random(X.shape) < keep_prob
    return X * mask / keep_prob, (mask, keep_prob)
''',
    ),
    Mutant(
        name="ch05_dropout_drops_with_keep_prob",
        function="dropout_forward",
        message="you dropped with probability keep_prob instead of 1 - keep_prob",
        source='''\
def dropout_forward(X, keep_prob, mode, rng):
    """Inverted dropout."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    if mode == "test":
        return X, (None, keep_prob)
    mask = rng.random(X.shape) > keep_prob
    return X * mask / keep_prob, (mask, keep_prob)
''',
    ),
    Mutant(
        name="ch05_dropout_test_mode_scales",
        function="dropout_forward",
        message="in mode 'test' you multiplied by keep_prob",
        source='''\
def dropout_forward(X, keep_prob, mode, rng):
    """Inverted dropout; at test time the activations are scaled by keep_prob."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    if mode == "test":
        return X * keep_prob, (None, keep_prob)
    mask = rng.random(X.shape) < keep_prob
    return X * mask / keep_prob, (mask, keep_prob)
''',
    ),
    Mutant(
        name="ch05_dropout_fixed_seed",
        function="dropout_forward",
        message="no fixed seed inside the function",
        source='''\
def dropout_forward(X, keep_prob, mode, rng):
    """Inverted dropout, reproducible."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    if mode == "test":
        return X, (None, keep_prob)
    mask = np.random.default_rng(0).random(X.shape) < keep_prob
    return X * mask / keep_prob, (mask, keep_prob)
''',
    ),
    Mutant(
        name="ch05_dropout_one_mask_per_unit",
        function="dropout_forward",
        message="every row (example) got the same mask",
        source='''\
def dropout_forward(X, keep_prob, mode, rng):
    """Inverted dropout: each unit is kept with probability keep_prob."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    if mode == "test":
        return X, (None, keep_prob)
    mask = rng.random(X.shape[-1]) < keep_prob
    out = X * mask / keep_prob
    return out, (np.broadcast_to(mask, X.shape), keep_prob)
''',
    ),
    Mutant(
        name="ch05_dropout_no_argument_checks",
        function="dropout_forward",
        message="should raise ValueError",
        source='''\
def dropout_forward(X, keep_prob, mode, rng):
    """Inverted dropout."""
    if mode == "test":
        return X, (None, keep_prob)
    mask = rng.random(X.shape) < keep_prob
    return X * mask / keep_prob, (mask, keep_prob)
''',
    ),
    Mutant(
        name="ch05_dropout_checks_keep_prob_in_train_only",
        function="dropout_forward",
        message="0.0, 'test', rng) should raise ValueError",
        source='''\
def dropout_forward(X, keep_prob, mode, rng):
    """Inverted dropout."""
    if mode == "test":
        return X, (None, keep_prob)
    if mode != "train":
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    mask = rng.random(X.shape) < keep_prob
    return X * mask / keep_prob, (mask, keep_prob)
''',
    ),
    Mutant(
        name="ch05_dropout_in_place",
        function="dropout_forward",
        message="changed its argument X in place",
        source='''\
def dropout_forward(X, keep_prob, mode, rng):
    """Inverted dropout."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    if mode == "test":
        return X, (None, keep_prob)
    mask = rng.random(X.shape) < keep_prob
    X *= mask / keep_prob
    return X, (mask, keep_prob)
''',
    ),
    Mutant(
        name="ch05_dropout_forward_writes_into_X",
        function="dropout_forward",
        message="changed its argument X in place",
        source='''\
def dropout_forward(X, keep_prob, mode, rng):
    """Inverted dropout: zero the dropped entries, then rescale the kept ones."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    if mode == "test":
        return X, (None, keep_prob)
    mask = rng.random(X.shape) < keep_prob
    X[~mask] = 0.0
    X /= keep_prob
    return X, (mask, keep_prob)
''',
    ),
    Mutant(
        name="ch05_dropout_binomial_mask_correct",
        function="dropout_forward",
        correct=True,
        source='''\
def dropout_forward(X, keep_prob, mode, rng):
    """Inverted dropout with a Bernoulli(keep_prob) mask drawn by rng.binomial."""
    if mode != "train" and mode != "test":
        raise ValueError(f"unknown mode {mode!r}")
    if keep_prob <= 0 or keep_prob > 1:
        raise ValueError(f"keep_prob = {keep_prob} is not in (0, 1]")
    if mode == "test":
        return X.copy(), (None, keep_prob)
    mask = rng.binomial(1, keep_prob, size=X.shape).astype(bool)
    out = np.where(mask, X / keep_prob, 0.0).astype(X.dtype)
    return out, (mask, keep_prob)
''',
    ),
    # ------------------------------------------------------------------ dropout_backward
    Mutant(
        name="ch05_dropout_backward_not_rescaled",
        function="dropout_backward",
        message="dX is not rescaled by 1/keep_prob",
        source='''\
def dropout_backward(dout, cache):
    """Backward pass of dropout: only the kept units pass the gradient."""
    mask, keep_prob = cache
    if mask is None:
        return dout
    return dout * mask
''',
    ),
    Mutant(
        name="ch05_dropout_backward_ignores_mask",
        function="dropout_backward",
        message="dX ignores the mask",
        source='''\
def dropout_backward(dout, cache):
    """Backward pass of inverted dropout."""
    mask, keep_prob = cache
    if mask is None:
        return dout
    return dout / keep_prob
''',
    ),
    Mutant(
        name="ch05_dropout_backward_identity",
        function="dropout_backward",
        message="dX equals dout",
        source='''\
def dropout_backward(dout, cache):
    """Backward pass of dropout (dropout has no parameters)."""
    return dout
''',
    ),
    Mutant(
        name="ch05_dropout_backward_in_place",
        function="dropout_backward",
        message="changed its argument dout in place",
        source='''\
def dropout_backward(dout, cache):
    """Backward pass of inverted dropout."""
    mask, keep_prob = cache
    if mask is None:
        return dout
    dout *= mask / keep_prob
    return dout
''',
    ),
    Mutant(
        name="ch05_dropout_backward_complement_mask",
        function="dropout_backward",
        message="complement of the mask",
        source='''\
def dropout_backward(dout, cache):
    """Backward pass of inverted dropout."""
    mask, keep_prob = cache
    if mask is None:
        return dout
    return dout * (1 - mask) / keep_prob
''',
    ),
    Mutant(
        name="ch05_dropout_backward_writes_into_dout",
        function="dropout_backward",
        message="changed its argument dout in place",
        source='''\
def dropout_backward(dout, cache):
    """Backward pass of inverted dropout: apply the forward mask, then 1/keep_prob."""
    mask, keep_prob = cache
    if mask is None:
        return dout
    dout *= mask
    dout /= keep_prob
    return dout
''',
    ),
    Mutant(
        name="ch05_dropout_backward_where_correct",
        function="dropout_backward",
        correct=True,
        source='''\
def dropout_backward(dout, cache):
    """Backward pass of inverted dropout: the forward mask and 1/keep_prob again."""
    mask, keep_prob = cache
    if mask is None:
        return dout.copy()
    dX = dout.copy()
    dX[~mask] = 0.0
    dX /= keep_prob
    return dX
''',
    ),
    # ------------------------------------------------------------------ standardize
    Mutant(
        name="ch05_standardize_test_own_statistics",
        function="standardize",
        message="X_test was standardized with its own",
        source='''\
def standardize(X_train, X_test):
    """Standardize the training and the test set column by column."""
    def scale(X):
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        return (X - mean) / std, mean, std
    X_train_std, mean, std = scale(X_train)
    X_test_std, _, _ = scale(X_test)
    return X_train_std, X_test_std, mean, std
''',
    ),
    Mutant(
        name="ch05_standardize_zero_std_nan",
        function="standardize",
        message="replace a zero std by 1 before dividing",
        source='''\
def standardize(X_train, X_test):
    """Standardize every column using statistics of the training set only."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std, mean, std
''',
    ),
    Mutant(
        name="ch05_standardize_pooled_statistics",
        function="standardize",
        message="use the training set only",
        source='''\
def standardize(X_train, X_test):
    """Standardize every column with the statistics of all the data."""
    X_all = np.vstack([X_train, X_test])
    mean = X_all.mean(axis=0)
    std = X_all.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std, (X_test - mean) / std, mean, std
''',
    ),
    Mutant(
        name="ch05_standardize_axis_1",
        function="standardize",
        message="you took the statistics over axis=1",
        source='''\
def standardize(X_train, X_test):
    """Standardize using statistics of the training set only."""
    mean = X_train.mean(axis=1)
    std = X_train.std(axis=1)
    std = np.where(std > 0, std, 1.0)
    return ((X_train - mean[:, None]) / std[:, None],
            (X_test - X_test.mean(axis=1, keepdims=True)) / np.where(X_test.std(axis=1, keepdims=True) > 0, X_test.std(axis=1, keepdims=True), 1.0),
            mean, std)
''',
    ),
    Mutant(
        name="ch05_standardize_whole_array",
        function="standardize",
        message="you took the statistics over the whole array",
        source='''\
def standardize(X_train, X_test):
    """Standardize using statistics of the training set only."""
    mean = X_train.mean()
    std = X_train.std()
    return (X_train - mean) / std, (X_test - mean) / std, mean, std
''',
    ),
    Mutant(
        name="ch05_standardize_sample_std",
        function="standardize",
        message="you used the sample standard deviation (ddof=1)",
        source='''\
def standardize(X_train, X_test):
    """Standardize every column using statistics of the training set only."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0, ddof=1)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std, (X_test - mean) / std, mean, std
''',
    ),
    Mutant(
        name="ch05_standardize_divides_by_variance",
        function="standardize",
        message="you divided by the variance",
        source='''\
def standardize(X_train, X_test):
    """Standardize every column using statistics of the training set only."""
    mean = X_train.mean(axis=0)
    std = X_train.var(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std, (X_test - mean) / std, mean, std
''',
    ),
    Mutant(
        name="ch05_standardize_divides_by_variance_keeps_std",
        function="standardize",
        message="you divided by the variance",
        source='''\
def standardize(X_train, X_test):
    """Standardize every column using statistics of the training set only."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std ** 2, (X_test - mean) / std ** 2, mean, std
''',
    ),
    Mutant(
        name="ch05_standardize_not_centred",
        function="standardize",
        message="you did not subtract the mean",
        source='''\
def standardize(X_train, X_test):
    """Scale every column to unit standard deviation."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return X_train / std, X_test / std, mean, std
''',
    ),
    Mutant(
        name="ch05_standardize_in_place",
        function="standardize",
        message="changed its argument X_train in place",
        source='''\
def standardize(X_train, X_test):
    """Standardize every column using statistics of the training set only."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    X_train -= mean
    X_train /= std
    X_test -= mean
    X_test /= std
    return X_train, X_test, mean, std
''',
    ),
    Mutant(
        name="ch05_standardize_writes_into_X_test",
        function="standardize",
        message="changed its argument X_test in place",
        source='''\
def standardize(X_train, X_test):
    """Standardize with the training statistics; the test set is transformed where it is."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    X_test -= mean
    X_test /= std
    return (X_train - mean) / std, X_test, mean, std
''',
    ),
    Mutant(
        name="ch05_standardize_by_hand_correct",
        function="standardize",
        correct=True,
        source='''\
def standardize(X_train, X_test):
    """Standardize with the training columns' mean and population std (zero stds -> 1)."""
    m = X_train.shape[0]
    mean = np.sum(X_train, axis=0) / m
    centred = X_train - mean
    std = np.sqrt(np.sum(centred ** 2, axis=0) / m)
    std[std == 0] = 1.0
    return centred / std, (X_test - mean) / std, mean, std
''',
    ),
]
