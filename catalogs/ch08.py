"""Seeded bugs for chapter 8, training a network: train_mlp, accuracy, random_search."""
from . import Mutant


def _train(doc="Mini-batch Adam with L2 and early stopping; returns (best_params, history).",
           epochs='range(cfg["epochs"])',
           weights="None if class_weight is None else class_weight[yb]",
           l2='penalty, grads = l2_penalty(params, cfg["lam"])',
           cost="loss + penalty",
           improved="val_acc > best_acc",
           keep="{k: v.copy() for k, v in params.items()}",
           stop='epoch - history["best_epoch"] >= cfg["patience"]',
           returned="best_params"):
    """A train_mlp cell written like the reference, with one piece swapped for a bug."""
    return f'''\
def train_mlp(X, y, X_val, y_val, config, rng):
    """{doc}"""
    cfg = {{**TRAIN_DEFAULTS, **config}}
    n_classes = int(max(np.max(y), np.max(y_val))) + 1
    sizes = [X.shape[1], *cfg["hidden"], n_classes]
    L = len(sizes) - 1
    params = {{k: v.astype(X.dtype) for k, v in init_params(sizes, "he", rng).items()}}
    states = {{k: {{}} for k in params}}
    class_weight = None if cfg["class_weight"] is None else np.asarray(cfg["class_weight"], dtype=X.dtype)
    history = {{"loss": [], "val_acc": [], "best_epoch": 0}}
    best_acc = -1.0
    best_params = {{k: v.copy() for k, v in params.items()}}
    for epoch in {epochs}:
        costs = []
        for Xb, yb in minibatches(X, y, cfg["batch_size"], rng):
            A, caches = Xb, []
            for l in range(1, L + 1):
                Z, dense_cache = dense_forward(A, params[f"W{{l}}"], params[f"b{{l}}"])
                relu_cache = None
                if l < L:
                    A, relu_cache = relu_forward(Z)
                caches.append((dense_cache, relu_cache))
            weights = {weights}
            loss, dZ = softmax_nll(Z, yb, weights)
            {l2}
            costs.append({cost})
            dA = None
            for l in range(L, 0, -1):
                dense_cache, relu_cache = caches[l - 1]
                if relu_cache is not None:
                    dZ = relu_backward(dA, relu_cache)
                dA, dW, db = dense_backward(dZ, dense_cache)
                grads[f"W{{l}}"] = grads[f"W{{l}}"] + dW
                grads[f"b{{l}}"] = grads[f"b{{l}}"] + db
            for k in params:
                params[k], states[k] = adam_step(params[k], grads[k], states[k], cfg["lr"])
        val_acc = accuracy(params, X_val, y_val)
        history["loss"].append(float(np.mean(costs)))
        history["val_acc"].append(float(val_acc))
        if {improved}:
            best_acc, history["best_epoch"] = val_acc, epoch
            best_params = {keep}
        elif {stop}:
            break
    return {returned}, history
'''


def _search(log="float(np.exp(rng.uniform(np.log(spec[1]), np.log(spec[2]))))",
            uniform="float(rng.uniform(spec[1], spec[2]))",
            choice="spec[1][int(rng.integers(len(spec[1])))]",
            doc="Sample n_trials settings from space: log-uniform, uniform or one of the options."):
    """A random_search cell written like the reference, with one draw swapped for a bug."""
    return f'''\
def random_search(space, n_trials, rng):
    """{doc}"""
    trials = []
    for _ in range(n_trials):
        setting = {{}}
        for name, spec in space.items():
            kind = spec[0]
            if kind == "log":
                setting[name] = {log}
            elif kind == "uniform":
                setting[name] = {uniform}
            elif kind == "choice":
                setting[name] = {choice}
            else:
                raise ValueError(f"unknown kind {{kind!r}} for {{name!r}}")
        trials.append(setting)
    return trials
'''


MUTANTS = [
    # ------------------------------------------------------------------ train_mlp
    Mutant(
        name="ch08_train_returns_last_params",
        function="train_mlp",
        message="not a copy of the best ones",
        source=_train(returned="params"),
    ),
    Mutant(
        name="ch08_train_patience_off_by_one",
        function="train_mlp",
        message="you stop one epoch too late",
        source=_train(stop='epoch - history["best_epoch"] > cfg["patience"]'),
    ),
    Mutant(
        name="ch08_train_best_params_not_copied",
        function="train_mlp",
        message="not a copy of the best ones",
        source=_train(keep="params"),
    ),
    Mutant(
        name="ch08_train_best_epoch_one_based",
        function="train_mlp",
        message="but the best validation accuracy is at index",
        source=_train(epochs='range(1, cfg["epochs"] + 1)',
                      stop='epoch - history["best_epoch"] >= cfg["patience"]'),
    ),
    Mutant(
        name="ch08_train_ignores_class_weight",
        function="train_mlp",
        message="multiply each example's loss by class_weight[y_i]",
        source=_train(weights="None"),
    ),
    Mutant(
        name="ch08_train_l2_missing_from_gradient",
        function="train_mlp",
        message="add lam*W to every weight gradient",
        source=_train(l2='penalty, _ = l2_penalty(params, cfg["lam"])\n'
                         '            grads = {k: np.zeros_like(v) for k, v in params.items()}'),
    ),
    Mutant(
        name="ch08_train_loss_without_penalty",
        function="train_mlp",
        message="history['loss'] should include the l2 penalty",
        source=_train(cost="loss"),
    ),
    Mutant(
        name="ch08_train_global_random_init",
        function="train_mlp",
        message="two runs with the same rng seed differ",
        source=_train().replace(
            'init_params(sizes, "he", rng)',
            'init_params(sizes, "he", np.random.default_rng(np.random.randint(2**31)))'),
    ),
    Mutant(
        name="ch08_train_mlp_writes_into_config",
        function="train_mlp",
        message="changed its argument config in place",
        source=_train(
            doc="Mini-batch Adam with L2 and early stopping; missing settings are filled into config.",
        ).replace(
            "cfg = {**TRAIN_DEFAULTS, **config}",
            "for key, value in TRAIN_DEFAULTS.items():\n"
            "        config.setdefault(key, value)\n"
            "    cfg = config"),
    ),
    Mutant(
        name="ch08_train_helpers_correct",
        function="train_mlp",
        correct=True,
        source='''\
def train_mlp(X, y, X_val, y_val, config, rng):
    """Adam + L2 + early stopping, with the forward and backward passes as local helpers."""
    cfg = dict(TRAIN_DEFAULTS)
    cfg.update(config)
    K = int(max(y.max(), y_val.max())) + 1
    sizes = [X.shape[1]] + list(cfg["hidden"]) + [K]
    L = len(sizes) - 1
    params = init_params(sizes, "he", rng)
    params = {k: v.astype(X.dtype) for k, v in params.items()}
    adam = {k: {} for k in params}
    cw = None if cfg["class_weight"] is None else np.asarray(cfg["class_weight"], dtype=X.dtype)

    def forward(A):
        layers = []
        for l in range(1, L + 1):
            Z = A @ params[f"W{l}"].T + params[f"b{l}"]
            layers.append((A, Z))
            A = np.maximum(Z, 0) if l < L else Z
        return A, layers

    def backward(dZ, layers):
        grads = {}
        for l in range(L, 0, -1):
            A_prev, _ = layers[l - 1]
            grads[f"W{l}"] = dZ.T @ A_prev + cfg["lam"] * params[f"W{l}"]
            grads[f"b{l}"] = dZ.sum(axis=0)
            if l > 1:
                dZ = (dZ @ params[f"W{l}"]) * (layers[l - 2][1] > 0)
        return grads

    def penalty():
        return 0.5 * cfg["lam"] * sum(float(np.sum(params[f"W{l}"] ** 2)) for l in range(1, L + 1))

    history = {"loss": [], "val_acc": [], "best_epoch": 0}
    best = None
    for epoch in range(cfg["epochs"]):
        batch_costs = []
        for Xb, yb in minibatches(X, y, cfg["batch_size"], rng):
            logits, layers = forward(Xb)
            nll, dZ = softmax_nll(logits, yb, None if cw is None else cw[yb])
            batch_costs.append(nll + penalty())
            grads = backward(dZ, layers)
            for k in params:
                params[k], adam[k] = adam_step(params[k], grads[k], adam[k], cfg["lr"])
        history["loss"].append(float(np.mean(batch_costs)))
        history["val_acc"].append(float(accuracy(params, X_val, y_val)))
        if best is None or history["val_acc"][-1] > history["val_acc"][history["best_epoch"]]:
            history["best_epoch"] = epoch
            best = {k: np.copy(v) for k, v in params.items()}
        if epoch - history["best_epoch"] >= cfg["patience"]:
            break
    return best, history
''',
    ),
    Mutant(
        name="ch08_train_patience_counter_correct",
        function="train_mlp",
        correct=True,
        source='''\
def train_mlp(X, y, X_val, y_val, config, rng):
    """Adam + L2; early stopping counts the epochs since the last improvement."""
    cfg = {**TRAIN_DEFAULTS, **config}
    n_classes = int(max(np.max(y), np.max(y_val))) + 1
    sizes = [X.shape[1], *cfg["hidden"], n_classes]
    L = len(sizes) - 1
    params = {k: v.astype(X.dtype) for k, v in init_params(sizes, "he", rng).items()}
    states = {k: {} for k in params}
    class_weight = cfg["class_weight"]
    if class_weight is not None:
        class_weight = np.asarray(class_weight, dtype=X.dtype)
    losses, val_accs = [], []
    best_acc, best_epoch, best_params, bad_epochs = -np.inf, 0, None, 0
    for epoch in range(cfg["epochs"]):
        total, n_batches = 0.0, 0
        for Xb, yb in minibatches(X, y, cfg["batch_size"], rng):
            acts, zs = [Xb], []
            for l in range(1, L + 1):
                Z, _ = dense_forward(acts[-1], params[f"W{l}"], params[f"b{l}"])
                zs.append(Z)
                if l < L:
                    acts.append(relu_forward(Z)[0])
            loss, dZ = softmax_nll(zs[-1], yb, None if class_weight is None else class_weight[yb])
            value, grads = l2_penalty(params, cfg["lam"])
            total += loss + value
            n_batches += 1
            for l in range(L, 0, -1):
                if l < L:
                    dZ = relu_backward(dA, zs[l - 1])
                dA, dW, db = dense_backward(dZ, (acts[l - 1], params[f"W{l}"]))
                grads[f"W{l}"] += dW
                grads[f"b{l}"] += db
            for k in params:
                params[k], states[k] = adam_step(params[k], grads[k], states[k], cfg["lr"])
        acc = accuracy(params, X_val, y_val)
        losses.append(total / n_batches)
        val_accs.append(float(acc))
        if acc > best_acc:
            best_acc, best_epoch, bad_epochs = acc, epoch, 0
            best_params = {k: v.copy() for k, v in params.items()}
        else:
            bad_epochs += 1
            if bad_epochs == cfg["patience"]:
                break
    return best_params, {"loss": losses, "val_acc": val_accs, "best_epoch": best_epoch}
''',
    ),
    # ------------------------------------------------------------------ accuracy
    Mutant(
        name="ch08_accuracy_returns_count",
        function="accuracy",
        message="you returned the number of correct predictions",
        source='''\
def accuracy(params, X, y):
    """Number of rows of X whose predicted class (argmax of the logits) equals the label."""
    L = sum(1 for key in params if key.startswith("W"))
    A = X
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"].T + params[f"b{l}"]
        A = np.maximum(Z, 0) if l < L else Z
    return float(np.sum(np.argmax(A, axis=1) == y))
''',
    ),
    Mutant(
        name="ch08_accuracy_relu_on_output",
        function="accuracy",
        message="the relu was applied to the output layer too",
        source='''\
def accuracy(params, X, y):
    """Fraction of correct predictions of a ReLU network."""
    L = len(params) // 2
    A = X
    for l in range(1, L + 1):
        A = np.maximum(A @ params[f"W{l}"].T + params[f"b{l}"], 0)
    return float(np.mean(np.argmax(A, axis=1) == y))
''',
    ),
    Mutant(
        name="ch08_accuracy_no_hidden_relu",
        function="accuracy",
        message="hidden layer has no relu",
        source='''\
def accuracy(params, X, y):
    """Fraction of correct predictions: argmax of the logits."""
    L = len(params) // 2
    A = X
    for l in range(1, L + 1):
        A = A @ params[f"W{l}"].T + params[f"b{l}"]
    return float(np.mean(np.argmax(A, axis=1) == y))
''',
    ),
    Mutant(
        name="ch08_accuracy_percentage",
        function="accuracy",
        message="you returned a percentage",
        source='''\
def accuracy(params, X, y):
    """Percentage of correct predictions."""
    L = sum(1 for key in params if key.startswith("W"))
    A = X
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"].T + params[f"b{l}"]
        A = np.maximum(Z, 0) if l < L else Z
    return 100.0 * float(np.mean(np.argmax(A, axis=1) == y))
''',
    ),
    Mutant(
        name="ch08_accuracy_naive_softmax",
        function="accuracy",
        message="take the argmax of the logits directly",
        source='''\
def accuracy(params, X, y):
    """Fraction of correct predictions: argmax of the softmax probabilities."""
    L = sum(1 for key in params if key.startswith("W"))
    A = X
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"].T + params[f"b{l}"]
        A = np.maximum(Z, 0) if l < L else Z
    P = np.exp(A) / np.exp(A).sum(axis=1, keepdims=True)
    return float(np.mean(np.argmax(P, axis=1) == y))
''',
    ),
    Mutant(
        name="ch08_accuracy_writes_into_params",
        function="accuracy",
        message="changed its argument params in place",
        source='''\
def accuracy(params, X, y):
    """Fraction of correct predictions: the hidden ReLU layers, then the output layer on its own."""
    L = sum(1 for key in params if key.startswith("W"))
    W_out, b_out = params.pop(f"W{L}"), params.pop(f"b{L}")
    A = X
    for l in range(1, L):
        A = np.maximum(A @ params[f"W{l}"].T + params[f"b{l}"], 0)
    logits = A @ W_out.T + b_out
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(y)))
''',
    ),
    Mutant(
        name="ch08_accuracy_loop_correct",
        function="accuracy",
        correct=True,
        source='''\
def accuracy(params, X, y):
    """Fraction of correct predictions, counted in a loop over the examples."""
    L = len([k for k in params if k.startswith("W")])
    A = X
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"].T + params[f"b{l}"]
        A = relu_forward(Z)[0] if l < L else Z
    predictions = A.argmax(axis=1).tolist()
    correct = 0
    for predicted, label in zip(predictions, np.asarray(y).tolist()):
        if predicted == label:
            correct += 1
    return correct / len(predictions)
''',
    ),
    Mutant(
        name="ch08_accuracy_stable_softmax_correct",
        function="accuracy",
        correct=True,
        source='''\
def accuracy(params, X, y):
    """Fraction of correct predictions: argmax of the (stable) softmax probabilities."""
    L = len(params) // 2
    A = X
    for l in range(1, L):
        A = relu_forward(dense_forward(A, params[f"W{l}"], params[f"b{l}"])[0])[0]
    Z, _ = dense_forward(A, params[f"W{L}"], params[f"b{L}"])
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return float((P.argmax(axis=1) == y).mean())
''',
    ),
    # ------------------------------------------------------------------ random_search
    Mutant(
        name="ch08_search_uniform_not_log",
        function="random_search",
        message="looks like uniform sampling on [low, high]",
        source=_search(log="float(rng.uniform(spec[1], spec[2]))"),
    ),
    Mutant(
        name="ch08_search_exponentiates_bounds",
        function="random_search",
        message="did you exponentiate the bounds instead of their logarithms?",
        source=_search(log="float(np.exp(rng.uniform(spec[1], spec[2])))"),
    ),
    Mutant(
        name="ch08_search_rng_choice_on_lists",
        function="random_search",
        message="random_search failed on options that are lists",
        source=_search(choice="rng.choice(spec[1])"),
    ),
    Mutant(
        name="ch08_search_global_np_random",
        function="random_search",
        message="the same seed must give the same list",
        source=_search(log="float(np.exp(np.random.uniform(np.log(spec[1]), np.log(spec[2]))))",
                       uniform="float(np.random.uniform(spec[1], spec[2]))",
                       choice="spec[1][np.random.randint(len(spec[1]))]"),
    ),
    Mutant(
        name="ch08_search_log10_bounds_natural_exp",
        function="random_search",
        message="outside [0.0001, 0.1]",
        source=_search(log="float(np.exp(rng.uniform(np.log10(spec[1]), np.log10(spec[2]))))"),
    ),
    Mutant(
        name="ch08_search_one_shared_dict",
        function="random_search",
        message="make a new dict per trial",
        source='''\
def random_search(space, n_trials, rng):
    """Sample n_trials settings from space."""
    trials = []
    setting = {}
    for _ in range(n_trials):
        for name, spec in space.items():
            if spec[0] == "log":
                setting[name] = float(np.exp(rng.uniform(np.log(spec[1]), np.log(spec[2]))))
            elif spec[0] == "uniform":
                setting[name] = float(rng.uniform(spec[1], spec[2]))
            elif spec[0] == "choice":
                setting[name] = spec[1][int(rng.integers(len(spec[1])))]
            else:
                raise ValueError(f"unknown kind {spec[0]!r}")
        trials.append(setting)
    return trials
''',
    ),
    Mutant(
        name="ch08_search_unknown_kind_ignored",
        function="random_search",
        message="should raise valueerror",
        source='''\
def random_search(space, n_trials, rng):
    """Sample n_trials settings from space; any kind other than log and choice is uniform."""
    trials = []
    for _ in range(n_trials):
        setting = {}
        for name, spec in space.items():
            if spec[0] == "log":
                setting[name] = float(np.exp(rng.uniform(np.log(spec[1]), np.log(spec[2]))))
            elif spec[0] == "choice":
                setting[name] = spec[1][int(rng.integers(len(spec[1])))]
            else:
                setting[name] = float(rng.uniform(spec[1], spec[2]))
        trials.append(setting)
    return trials
''',
    ),
    Mutant(
        name="ch08_random_search_writes_into_space",
        function="random_search",
        message="changed its argument space in place",
        source='''\
def random_search(space, n_trials, rng):
    """Sample n_trials settings from space, taking the logarithms of the log-uniform bounds once."""
    for name, spec in space.items():
        if spec[0] == "log":
            space[name] = ("log", np.log(spec[1]), np.log(spec[2]))
    trials = []
    for _ in range(n_trials):
        setting = {}
        for name, spec in space.items():
            kind = spec[0]
            if kind == "log":
                setting[name] = float(np.exp(rng.uniform(spec[1], spec[2])))
            elif kind == "uniform":
                setting[name] = float(rng.uniform(spec[1], spec[2]))
            elif kind == "choice":
                setting[name] = spec[1][int(rng.integers(len(spec[1])))]
            else:
                raise ValueError(f"unknown kind {kind!r} for {name!r}")
        trials.append(setting)
    return trials
''',
    ),
    Mutant(
        name="ch08_search_rng_random_transform_correct",
        function="random_search",
        correct=True,
        source='''\
def random_search(space, n_trials, rng):
    """Sample n_trials settings, transforming one rng.random() draw per hyper-parameter."""
    trials = []
    for _ in range(n_trials):
        setting = {}
        for name, spec in space.items():
            kind = spec[0]
            if kind not in ("log", "uniform", "choice"):
                raise ValueError(f"unknown kind {kind!r}")
            u = rng.random()
            if kind == "log":
                low, high = spec[1], spec[2]
                setting[name] = float(low * (high / low) ** u)
            elif kind == "uniform":
                setting[name] = float(spec[1] + (spec[2] - spec[1]) * u)
            else:
                options = spec[1]
                setting[name] = options[min(int(u * len(options)), len(options) - 1)]
        trials.append(setting)
    return trials
''',
    ),
    Mutant(
        name="ch08_search_log10_correct",
        function="random_search",
        correct=True,
        source=_search(log="float(10.0 ** rng.uniform(np.log10(spec[1]), np.log10(spec[2])))",
                       choice="spec[1][rng.integers(0, len(spec[1]))]",
                       doc="Random search; log-uniform draws are made on the log10 scale."),
    ),
]
