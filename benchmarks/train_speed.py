"""Seconds per epoch of the reference trainer against PyTorch on the CPU, same model, same run.

Model: 784-500-10 (or 64-500-10 on the bundled digits), ReLU, softmax-NLL, Adam lr 1e-3,
batch 128, float32. Data: Fashion-MNIST when it is on this machine, digits otherwise.

    python benchmarks/train_speed.py [--epochs 4] [--threads 2]

The two trainers take turns, one epoch each (the order alternates), so that both see the
same load on the machine. Prints seconds per epoch for both, their ratio (reference /
PyTorch; below 1 means the reference is faster) with the spread of the per-epoch ratios as a
measure of noise, and the test accuracy after the last epoch. PyTorch is optional
(``pip install -e .[bench]``); without it only the reference is timed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.data import load_best_available  # noqa: E402
from reference import trainer as T  # noqa: E402

HIDDEN, LR, BATCH = 500, 1e-3, 128


def reference_trainer(data, seed, threads):
    """``(train_one_epoch, test_accuracy)`` for the reference trainer."""
    rng = np.random.default_rng(seed)
    net = T.mlp([data.X_train.shape[1], HIDDEN, data.n_classes], rng)
    optimizer = T.Adam(lr=LR, threads=threads)

    def epoch():
        history = T.fit(net, data.X_train, data.y_train, data.X_val, data.y_val, optimizer,
                        epochs=1, batch_size=BATCH, rng=rng, progress=False)
        return history["seconds"][0]

    return epoch, lambda: T.evaluate(net, data.X_test, data.y_test)[1]


def torch_trainer(data, seed):
    """``(train_one_epoch, test_accuracy)`` for the same model in PyTorch."""
    import torch

    torch.manual_seed(seed)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
    model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], HIDDEN), torch.nn.ReLU(),
                                torch.nn.Linear(HIDDEN, data.n_classes))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        start = time.perf_counter()
        order = torch.randperm(len(X))
        for i in range(0, len(X), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(X[idx]), y[idx]).backward()
            opt.step()
        return time.perf_counter() - start

    def accuracy():
        with torch.no_grad():
            pred = model(torch.from_numpy(data.X_test)).argmax(dim=1).numpy()
        return float(np.mean(pred == data.y_test))

    return epoch, accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=T.usable_cpus())
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    data = load_best_available().astype(np.float32)
    print(f"data: {data.name}, {len(data.X_train)} training images, model "
          f"{data.X_train.shape[1]}-{HIDDEN}-{data.n_classes}, batch {BATCH}, Adam lr {LR}, "
          f"{args.epochs} epochs, {args.threads} threads, load average {os.getloadavg()[0]:.2f}")
    from threadpoolctl import threadpool_limits

    trainers = {"reference (NumPy)": reference_trainer(data, args.seed, args.threads)}
    try:
        import torch

        torch.set_num_threads(args.threads)
        trainers[f"PyTorch {torch.__version__} (CPU)"] = torch_trainer(data, args.seed)
    except ImportError:
        print("PyTorch is not installed (pip install -e .[bench]): timing the reference only.")

    seconds = {name: [] for name in trainers}
    names = list(trainers)
    with threadpool_limits(limits=args.threads):  # the same number of BLAS threads as PyTorch's
        for e in range(args.epochs):
            for name in (names if e % 2 == 0 else names[::-1]):
                seconds[name].append(trainers[name][0]())

    # The first epoch includes warm-up (allocations, thread pools): report the median of the rest.
    per_epoch = {}
    print(f"\n{'trainer':<28}{'s/epoch (median)':>18}{'first epoch':>14}{'test acc':>10}")
    for name, (_, accuracy) in trainers.items():
        steady = seconds[name][1:] or seconds[name]
        per_epoch[name] = statistics.median(steady)
        print(f"{name:<28}{per_epoch[name]:>18.3f}{seconds[name][0]:>14.3f}{accuracy():>10.4f}")
    if len(per_epoch) == 2:
        ref, torch_time = per_epoch.values()
        paired = [a / b for a, b in zip(*seconds.values())][1:]
        spread = f" (epochs {min(paired):.2f} to {max(paired):.2f})" if paired else ""
        print(f"\nratio reference / PyTorch: {ref / torch_time:.2f}{spread}  (target: at most 1.00)")


if __name__ == "__main__":
    main()
