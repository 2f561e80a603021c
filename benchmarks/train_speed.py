"""Seconds per epoch of the reference trainer against PyTorch on the CPU, same model, same run.

Model: 784-500-10 (or 64-500-10 on the bundled digits), ReLU, softmax-NLL, Adam lr 1e-3,
batch 128, float32. Data: Fashion-MNIST when it is on this machine, digits otherwise.

    python benchmarks/train_speed.py [--epochs 3] [--threads 2]

Prints seconds per epoch for both, their ratio (reference / PyTorch; below 1 means the
reference is faster) and the test accuracy after the last epoch. PyTorch is optional
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


def run_reference(data, epochs, seed):
    rng = np.random.default_rng(seed)
    net = T.mlp([data.X_train.shape[1], HIDDEN, data.n_classes], rng)
    history = T.fit(net, data.X_train, data.y_train, data.X_val, data.y_val, T.Adam(lr=LR),
                    epochs=epochs, batch_size=BATCH, rng=rng, progress=False)
    return history["seconds"], T.evaluate(net, data.X_test, data.y_test)[1]


def run_torch(data, epochs, seed):
    import torch

    torch.manual_seed(seed)
    X = torch.from_numpy(data.X_train)
    y = torch.from_numpy(data.y_train)
    model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], HIDDEN), torch.nn.ReLU(),
                                torch.nn.Linear(HIDDEN, data.n_classes))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(X))
        for i in range(0, len(X), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - start)
    with torch.no_grad():
        pred = model(torch.from_numpy(data.X_test)).argmax(dim=1).numpy()
    return seconds, float(np.mean(pred == data.y_test))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    data = load_best_available().astype(np.float32)
    print(f"data: {data.name}, {len(data.X_train)} training images, model "
          f"{data.X_train.shape[1]}-{HIDDEN}-{data.n_classes}, batch {BATCH}, Adam lr {LR}, "
          f"{args.epochs} epochs, {args.threads} threads")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.threads):  # the same number of BLAS threads as PyTorch's
        results = {"reference (NumPy)": run_reference(data, args.epochs, args.seed)}
    try:
        import torch

        torch.set_num_threads(args.threads)
        results[f"PyTorch {torch.__version__} (CPU)"] = run_torch(data, args.epochs, args.seed)
    except ImportError:
        print("PyTorch is not installed (pip install -e .[bench]): timing the reference only.")

    # The first epoch includes warm-up (allocations, thread pools): report the median of the rest.
    per_epoch = {}
    print(f"\n{'trainer':<28}{'s/epoch (median)':>18}{'first epoch':>14}{'test acc':>10}")
    for name, (seconds, acc) in results.items():
        steady = seconds[1:] or seconds
        per_epoch[name] = statistics.median(steady)
        print(f"{name:<28}{per_epoch[name]:>18.3f}{seconds[0]:>14.3f}{acc:>10.4f}")
    if len(per_epoch) == 2:
        ref, torch_time = per_epoch.values()
        print(f"\nratio reference / PyTorch: {ref / torch_time:.2f}  (target: at most 1.00)")


if __name__ == "__main__":
    main()
