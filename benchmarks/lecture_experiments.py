"""The two MNIST experiments of the lecture material, at full size on Fashion-MNIST, with the reference trainer
and with PyTorch (CPU) in the same run.

1. ``relu``: the 784-256-256-10 ReLU network of the homework report (run there with TensorFlow:
   94.74 % test accuracy on MNIST after 15 epochs). Adam, lr 1e-3, batch 100, 15 epochs;
   55,000 training and 5,000 validation images.
2. ``tanh``: the 784-500-10 tanh network with a softmax output and L2 decay of the slides
   (1.89 % MNIST validation error after 265 epochs, about 19 s per epoch). Plain SGD,
   lr 0.01, λ = 1e-4 (gradient ``λW`` on weights only), batch 20, 265 epochs;
   50,000 training and 10,000 validation images (the slides' 2,500 minibatches per epoch).

MNIST itself is not on this machine, hence Fashion-MNIST (the same shapes and split sizes).

    python benchmarks/lecture_experiments.py [--quick] [--epochs-scale 1.0] [--threads 1]
                                          [--max-minutes M] [--out FILE]

Both trainers start from the same initial weights (drawn by the reference, Xavier uniform
for tanh, He normal for ReLU, biases zero, copied into PyTorch) and visit the minibatches in
the same order (one NumPy generator per trainer with the same seed). They take turns, one
epoch each with the order alternating, so both see the same load on the machine.

What it measures: training seconds per epoch (evaluation excluded), the ratio reference /
PyTorch (below 1: the reference is faster), training cost, validation and test accuracy after
every epoch. How noisy: very, on a shared machine. In the committed run (2 cores, other work
running) one tanh epoch took from 1.2 to 5.9 s with the reference and from 1.5 to 10 s with
PyTorch as the load changed, and single epoch-pair ratios ranged from 0.4 to 2.6. The medians
over many epochs are steadier, and the median of the per-pair ratios is the fairest figure
because the two epochs of a pair ran under nearly the same load. Accuracies differ between
the trainers only through float32 rounding: not visibly with SGD, by up to half a point per
epoch with Adam, which amplifies rounding in tiny gradients.

Results go to a JSON file (``solutions/08_training/lecture_runs.json`` by default), which the
chapter-8 notebook reads; it never retrains.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "solutions"))

from autograder.data import load_fashion_mnist  # noqa: E402
from reference import trainer as T  # noqa: E402

EXPERIMENTS = {
    "relu": {
        "source": "the homework report (TensorFlow, MNIST)",
        "layers": [784, 256, 256, 10], "activation": "relu", "optimizer": "adam", "lr": 1e-3,
        "lam": 0.0, "batch_size": 100, "epochs": 15, "val_size": 5000,
        "lecture_figures": {"test_accuracy": 0.9474, "epochs": 15},
    },
    "tanh": {
        "source": "the slides (NumPy, MNIST)",
        "layers": [784, 500, 10], "activation": "tanh", "optimizer": "sgd", "lr": 0.01,
        "lam": 1e-4, "batch_size": 20, "epochs": 265, "val_size": 10000,
        "lecture_figures": {"val_error": 0.0189, "epochs": 265, "seconds_per_epoch": 19.0},
    },
}


def reference_trainer(cfg, data, net, seed, threads):
    """One-epoch step and evaluation for the reference trainer."""
    optimizer = (T.Adam(lr=cfg["lr"], threads=threads) if cfg["optimizer"] == "adam"
                 else T.SGD(lr=cfg["lr"]))
    order_rng = np.random.default_rng(seed)

    def epoch():
        h = T.fit(net, data.X_train, data.y_train, data.X_val, data.y_val, optimizer,
                  epochs=1, batch_size=cfg["batch_size"], rng=order_rng, lam=cfg["lam"],
                  progress=False)
        return {"seconds": h["seconds"][0], "loss": h["loss"][0], "val_loss": h["val_loss"][0],
                "val_acc": h["val_acc"][0], "test_acc": T.evaluate(net, data.X_test, data.y_test)[1]}

    return epoch


def torch_trainer(cfg, data, net, seed):
    """The same model, initial weights, batches and optimizer in PyTorch."""
    import torch

    act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[cfg["activation"]]
    modules = []
    sizes = cfg["layers"]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        modules.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            modules.append(act())
    model = torch.nn.Sequential(*modules)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    params = net.params
    with torch.no_grad():
        for k, layer in enumerate(linears, start=1):
            layer.weight.copy_(torch.from_numpy(params[f"W{k}"]))
            layer.bias.copy_(torch.from_numpy(params[f"b{k}"]))
    weights = [layer.weight for layer in linears]
    biases = [layer.bias for layer in linears]
    if cfg["optimizer"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    else:  # weight_decay adds λW to the gradient of the weights, as the reference's lam does
        opt = torch.optim.SGD([{"params": weights, "weight_decay": cfg["lam"]},
                               {"params": biases, "weight_decay": 0.0}], lr=cfg["lr"])
    loss_fn = torch.nn.CrossEntropyLoss()
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
    order_rng = np.random.default_rng(seed)
    lam, batch = cfg["lam"], cfg["batch_size"]

    def evaluate(Xe, ye):
        with torch.no_grad():
            out = model(torch.from_numpy(Xe))
            loss = float(loss_fn(out, torch.from_numpy(ye)))
            return loss, float(np.mean(out.argmax(dim=1).numpy() == ye))

    def epoch():
        start = time.perf_counter()
        order = torch.from_numpy(order_rng.permutation(len(X)))
        running = 0.0
        for i in range(0, len(X), batch):
            idx = order[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            value = float(loss.detach())
            if lam:
                with torch.no_grad():
                    value += 0.5 * lam * float(sum(torch.sum(w * w) for w in weights))
            running += value * len(idx)
        seconds = time.perf_counter() - start
        val_loss, val_acc = evaluate(data.X_val, data.y_val)
        return {"seconds": seconds, "loss": running / len(X), "val_loss": val_loss,
                "val_acc": val_acc, "test_acc": evaluate(data.X_test, data.y_test)[1]}

    return epoch


def summarize(curves):
    """Final and best-validation figures of one trainer's per-epoch curves."""
    best = int(np.argmax(curves["val_acc"]))
    steady = curves["seconds"][1:] or curves["seconds"]
    return {"final_val_acc": curves["val_acc"][-1], "final_test_acc": curves["test_acc"][-1],
            "best_val_acc": curves["val_acc"][best], "best_epoch": best + 1,
            "test_acc_at_best_val": curves["test_acc"][best],
            "seconds_per_epoch_median": statistics.median(steady),
            "first_epoch_seconds": curves["seconds"][0]}


def run_experiment(name, cfg, epochs, args, deadline):
    import torch

    data = load_fashion_mnist(val_size=cfg["val_size"], seed=args.seed).astype(np.float32)
    net = T.mlp(cfg["layers"], np.random.default_rng(args.seed), activation=cfg["activation"])
    trainers = {"reference": reference_trainer(cfg, data, net, args.seed + 1, args.threads),
                "pytorch": None}
    trainers["pytorch"] = torch_trainer(cfg, data, net, args.seed + 1)  # copies the initial weights
    curves = {k: {"seconds": [], "loss": [], "val_loss": [], "val_acc": [], "test_acc": []}
              for k in trainers}
    names = list(trainers)
    print(f"\n== {name}: {'-'.join(map(str, cfg['layers']))} {cfg['activation']}, "
          f"{cfg['optimizer']} lr {cfg['lr']}, λ {cfg['lam']}, batch {cfg['batch_size']}, "
          f"{len(data.X_train)} train / {len(data.X_val)} val / {len(data.X_test)} test, "
          f"{epochs} epochs planned", flush=True)
    stopped_early = False
    for e in range(epochs):
        pair_start = time.perf_counter()
        for who in (names if e % 2 == 0 else names[::-1]):
            for key, value in trainers[who]().items():
                curves[who][key].append(value)
        r, p = curves["reference"], curves["pytorch"]
        print(f"epoch {e + 1:4d}  reference {r['seconds'][-1]:6.2f} s val {r['val_acc'][-1]:.4f}"
              f"  |  PyTorch {p['seconds'][-1]:6.2f} s val {p['val_acc'][-1]:.4f}", flush=True)
        pair = time.perf_counter() - pair_start
        if deadline is not None and e + 1 < epochs and time.time() + pair > deadline:
            stopped_early = True
            print(f"time budget reached: stopping after {e + 1} of {epochs} epochs", flush=True)
            break
    ratios = [a / b for a, b in zip(curves["reference"]["seconds"], curves["pytorch"]["seconds"])]
    result = {
        "config": {k: v for k, v in cfg.items() if k != "lecture_figures"},
        "lecture_figures": cfg["lecture_figures"],
        "data": {"name": data.name, "n_train": len(data.X_train), "n_val": len(data.X_val),
                 "n_test": len(data.X_test)},
        "epochs_planned": epochs, "epochs_run": len(curves["reference"]["seconds"]),
        "stopped_by_time_budget": stopped_early,
        "curves": curves,
        "summary": {k: summarize(c) for k, c in curves.items()},
        "ratio_reference_over_pytorch": {
            "of_medians": summarize(curves["reference"])["seconds_per_epoch_median"]
            / summarize(curves["pytorch"])["seconds_per_epoch_median"],
            "per_epoch_min": min(ratios), "per_epoch_max": max(ratios),
            "per_epoch_median": statistics.median(ratios)},
        "torch_version": torch.__version__,
    }
    return result


def report(name, res):
    s, cfg, quoted = res["summary"], res["config"], res["lecture_figures"]
    print(f"\n{name}: {res['epochs_run']} of {res['epochs_planned']} epochs "
          f"({cfg['source']} quoted for comparison)")
    print(f"{'trainer':<12}{'final val':>11}{'best val':>10}{'@epoch':>8}{'final test':>12}"
          f"{'test@best':>11}{'s/epoch':>9}")
    for who, row in s.items():
        print(f"{who:<12}{row['final_val_acc']:>11.4f}{row['best_val_acc']:>10.4f}"
              f"{row['best_epoch']:>8d}{row['final_test_acc']:>12.4f}"
              f"{row['test_acc_at_best_val']:>11.4f}{row['seconds_per_epoch_median']:>9.2f}")
    ratio = res["ratio_reference_over_pytorch"]
    print(f"ratio reference / PyTorch (s/epoch): {ratio['of_medians']:.2f} "
          f"(epochs {ratio['per_epoch_min']:.2f} to {ratio['per_epoch_max']:.2f})")
    if "test_accuracy" in quoted:
        print(f"quoted: {quoted['test_accuracy']:.2%} MNIST test accuracy after {quoted['epochs']} epochs")
    else:
        print(f"quoted: {quoted['val_error']:.2%} MNIST validation error after {quoted['epochs']} epochs, "
              f"about {quoted['seconds_per_epoch']:.0f} s per epoch; here "
              f"{1 - s['reference']['final_val_acc']:.2%} (reference) and "
              f"{1 - s['pytorch']['final_val_acc']:.2%} (PyTorch) Fashion-MNIST validation error")


def machine_info(threads):
    import torch

    return {"cpus": os.cpu_count(), "usable_cpus": T.usable_cpus(), "threads_per_trainer": threads,
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
            "load_average_at_start": os.getloadavg()[0],
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", nargs="+", choices=list(EXPERIMENTS), default=list(EXPERIMENTS))
    parser.add_argument("--epochs-scale", type=float, default=1.0,
                        help="multiply every experiment's epoch count (at least 1 epoch)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 epochs each, no JSON "
                        "unless --out is given")
    parser.add_argument("--threads", type=int, default=1, help="threads for each trainer")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop an experiment's epochs when the whole run would exceed this")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None,
                        help="default: solutions/08_training/lecture_runs.json (not with --quick)")
    args = parser.parse_args(argv)
    out = args.out or (None if args.quick else ROOT / "solutions" / "08_training" / "lecture_runs.json")

    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    info = machine_info(args.threads)
    print(f"Fashion-MNIST (MNIST is not on this machine); {info['usable_cpus']} usable CPUs, "
          f"{args.threads} thread(s) per trainer, NumPy {info['numpy']}, PyTorch {info['torch']}, "
          f"load average {info['load_average_at_start']:.2f}")
    start = time.time()
    deadline = start + 60 * args.max_minutes if args.max_minutes else None
    results = {"machine": info, "experiments": {}}
    with threadpool_limits(limits=args.threads):  # as many BLAS threads as PyTorch's
        for name in args.experiments:
            cfg = EXPERIMENTS[name]
            epochs = 2 if args.quick else max(1, round(cfg["epochs"] * args.epochs_scale))
            results["experiments"][name] = run_experiment(name, cfg, epochs, args, deadline)
    results["machine"]["wall_seconds"] = time.time() - start
    for name, res in results["experiments"].items():
        report(name, res)
    print(f"\nwall time {results['machine']['wall_seconds'] / 60:.1f} min")
    if out:
        out.write_text(json.dumps(results, indent=1) + "\n")
        print(f"results written to {out}")


if __name__ == "__main__":
    main()
