"""How fast does nnlib train an MNIST network, against a per-sample loop and against PyTorch?

Run by hand (never part of the tests), ideally on an otherwise idle machine:

    .venv/bin/python benchmarks/mnist_speed.py [--epochs 3] [--hidden 256] [--skip-loop]

Every variant trains the same network ([784, hidden, 10], ReLU, softmax + cross-entropy, the same
He-initialised starting weights) with the same rule (mini-batch SGD with momentum 0.9, learning rate
0.1, batches of 128) on the same 50,000 training images, and is timed epoch by epoch. It prints the
median seconds per epoch, the test accuracy after the last epoch, nnlib float32's speed relative to
each variant, and the arithmetic rate achieved against NumPy's own matrix-multiply rate.
"""

import argparse
import os
import statistics
import time

import numpy as np
from machine import describe

from nnlib import MLP
from nnlib.data import load_mnist
from nnlib.metrics import accuracy
from nnlib.optim import Momentum

LR, BETA, SEED = 0.1, 0.9, 0


class PerSampleLoop:
    """The classic tutorial style: every sample goes through the network on its own as a column
    vector, and a mini-batch's gradients are summed in Python. float64."""

    name = "per-sample loop (float64)"

    def __init__(self, params, X, y, batch_size):
        self.params = [params["W1"].T.copy(), params["b1"][:, None].copy(),  # (n1, 784), (n1, 1)
                       params["W2"].T.copy(), params["b2"][:, None].copy()]
        self.velocity = [np.zeros_like(p) for p in self.params]
        self.X, self.y, self.batch_size = X, y, batch_size
        self.rng = np.random.default_rng(SEED)

    def epoch(self):
        W1, b1, W2, b2 = self.params
        order = self.rng.permutation(len(self.X))
        for first in range(0, len(self.X), self.batch_size):
            grads = [np.zeros_like(p) for p in self.params]
            batch = order[first:first + self.batch_size]
            for i in batch:
                x = self.X[i][:, None]
                z1 = W1 @ x + b1
                a1 = np.maximum(z1, 0)
                z2 = W2 @ a1 + b2
                p = np.exp(z2 - z2.max())
                p /= p.sum()
                p[self.y[i]] -= 1  # dL/dz2 for softmax + cross-entropy
                dz1 = (W2.T @ p) * (z1 > 0)
                for g, d in zip(grads, (dz1 @ x.T, dz1, p @ a1.T, p)):
                    g += d
            for param, v, g in zip(self.params, self.velocity, grads):
                v *= BETA
                v -= LR / len(batch) * g
                param += v

    def scores(self, X):
        W1, b1, W2, b2 = self.params
        return np.maximum(X @ W1.T + b1.T, 0) @ W2.T + b2.T


class NnlibMLP:
    """nnlib's MLP.fit, one epoch per call; one optimiser, so momentum carries across epochs."""

    def __init__(self, params, X, y, batch_size, dtype):
        self.name = f"nnlib {np.dtype(dtype).name}"
        self.model = MLP([X.shape[1], params["W1"].shape[1], 10], dtype=dtype, seed=SEED)
        self.model.params = {name: value.astype(dtype) for name, value in params.items()}
        self.optimizer = Momentum(lr=LR, beta=BETA)
        self.X, self.y, self.batch_size, self.dtype = X.astype(dtype), y, batch_size, dtype
        self.epochs = 0

    def epoch(self):
        self.epochs += 1
        self.model.fit(self.X, self.y, epochs=1, batch_size=self.batch_size,
                       optimizer=self.optimizer, seed=self.epochs, verbose=False)

    def scores(self, X):
        return self.model.forward(X.astype(self.dtype))


class PyTorchMLP:
    def __init__(self, params, X, y, batch_size):
        import torch

        self.torch = torch
        hidden = params["W1"].shape[1]
        layers = [torch.nn.Linear(784, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)]
        with torch.no_grad():
            for layer, l in ((layers[0], 1), (layers[2], 2)):
                layer.weight.copy_(torch.from_numpy(params[f"W{l}"].T.astype(np.float32)))
                layer.bias.copy_(torch.from_numpy(params[f"b{l}"].astype(np.float32)))
        self.model = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LR, momentum=BETA)
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.X = torch.from_numpy(X.astype(np.float32))
        self.y = torch.from_numpy(y.astype(np.int64))
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(SEED)
        self.name = (f"PyTorch {torch.__version__} float32 "
                     f"({torch.get_num_threads()} threads)")

    def epoch(self):
        order = self.torch.randperm(len(self.X), generator=self.generator)
        for first in range(0, len(self.X), self.batch_size):
            batch = order[first:first + self.batch_size]
            self.optimizer.zero_grad()
            self.loss_fn(self.model(self.X[batch]), self.y[batch]).backward()
            self.optimizer.step()

    def scores(self, X):
        with self.torch.no_grad():
            return self.model(self.torch.from_numpy(X.astype(np.float32))).numpy()


def matmul_gflops(shape_a, shape_b, dtype, repeats=200):
    a = np.random.default_rng(0).standard_normal(shape_a).astype(dtype)
    b = np.random.default_rng(1).standard_normal(shape_b).astype(dtype)
    a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * shape_a[0] * shape_a[1] * shape_b[1] * repeats / (time.perf_counter() - start) / 1e9


def flops_per_epoch(n, sizes):
    """Multiply-adds x 2 of one epoch: forward, weight gradients and dA for every layer but the
    first (the input needs no gradient)."""
    products = [n * a * b for a, b in zip(sizes, sizes[1:])]
    return 2 * (2 * sum(products) + sum(products[1:]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per variant (median taken)")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--skip-loop", action="store_true", help="skip the slow per-sample loop")
    args = parser.parse_args()

    (X, y), _, (X_test, y_test) = load_mnist(dtype=np.float64)
    sizes = [784, args.hidden, 10]
    params = MLP(sizes, seed=SEED).params
    flops = flops_per_epoch(len(X), sizes)
    print(f"machine: {describe()}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"network {sizes}, ReLU, softmax + cross-entropy, SGD momentum {BETA}, lr {LR}, "
          f"batch {args.batch}, {len(X)} training images, {args.epochs} epochs per variant\n")

    variants = []
    if not args.skip_loop:
        variants.append(PerSampleLoop(params, X, y, args.batch))
    variants += [NnlibMLP(params, X, y, args.batch, np.float64),
                 NnlibMLP(params, X, y, args.batch, np.float32)]
    try:
        variants.append(PyTorchMLP(params, X, y, args.batch))
    except ImportError:
        print("PyTorch is not installed: its row is skipped (pip install torch to add it)\n")
    # Epochs interleaved, so that a change in the machine's load touches every variant alike.
    times = {v.name: [] for v in variants}
    for _ in range(args.epochs):
        for variant in variants:
            start = time.perf_counter()
            variant.epoch()
            times[variant.name].append(time.perf_counter() - start)
    results = {v.name: (times[v.name], accuracy(v.scores(X_test), y_test)) for v in variants}

    ours = statistics.median(results["nnlib float32"][0])
    print(f"{'variant':<44}{'s/epoch':>9}{'test acc':>10}{'GFLOP/s':>9}{'nnlib f32 is':>15}")
    for name, (times, acc) in results.items():
        seconds = statistics.median(times)
        print(f"{name:<44}{seconds:>9.3f}{acc:>10.4f}{flops / seconds / 1e9:>9.1f}"
              f"{seconds / ours:>14.2f}x")
    rate = matmul_gflops((args.batch, 784), (784, args.hidden), np.float32)
    big = matmul_gflops((1024, 1024), (1024, 1024), np.float32, repeats=20)
    print(f"\nNumPy float32 matmul: {rate:.1f} GFLOP/s at ({args.batch}x784)@(784x{args.hidden}), "
          f"{big:.1f} GFLOP/s at 1024x1024; nnlib float32 reaches "
          f"{flops / ours / 1e9 / rate:.0%} of the first.")


if __name__ == "__main__":
    main()
