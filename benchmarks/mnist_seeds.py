"""How much does lesson 6's result depend on the seed? Test accuracy over several seeds.

Run by hand (never part of the tests); it takes about 20 s per seed:

    .venv/bin/python benchmarks/mnist_seeds.py [--seeds 10]

Lesson 6's two recipes, each seed setting both the starting weights and the order of the batches:
the tuned network ([784, 256, 10], ReLU, softmax + cross-entropy, float32, batches of 128, SGD with
momentum 0.9 at learning rate 0.1 on a cosine schedule, 15 epochs of the 50,000 training images),
and the same network trained for 5 epochs on those images plus two copies shifted by one pixel in
a random direction (the same copies for every seed, as in the lesson). Prints each run's test
accuracy, then the range and median of each recipe.
"""

import argparse
import statistics
import time

import numpy as np

from nnlib import MLP
from nnlib.data import load_mnist
from nnlib.metrics import accuracy

MOVES = [(-1, 0), (1, 0), (0, -1), (0, 1)]


def shift_images(images, dy, dx):
    """Images (M, 28, 28) moved down by dy and right by dx pixels, the gap filled with 0."""
    shifted = np.zeros_like(images)
    h, w = images.shape[1:]
    shifted[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        images[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return shifted


def with_shifted_copies(X, y, copies=2, seed=6):
    """X (N, 784) followed by `copies` versions of it, each image moved one pixel at random."""
    rng = np.random.default_rng(seed)
    n = len(X)
    X_aug = np.empty(((copies + 1) * n, 784), dtype=X.dtype)
    X_aug[:n] = X
    for copy in range(1, copies + 1):
        direction = rng.integers(0, 4, size=n)
        for k, (dy, dx) in enumerate(MOVES):
            rows = np.flatnonzero(direction == k)
            moved = shift_images(X[rows].reshape(-1, 28, 28), dy, dx)
            X_aug[copy * n + rows] = moved.reshape(len(rows), 784)
    return X_aug, np.tile(y, copies + 1)


def test_accuracy(X, y, epochs, seed, X_test, y_test):
    model = MLP([784, 256, 10], seed=seed, dtype=np.float32)
    model.fit(X, y, epochs=epochs, batch_size=128, lr=0.1, optimizer="momentum",
              schedule="cosine", seed=seed, verbose=False)
    return accuracy(model.predict(X_test), y_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    (X, y), _, (X_test, y_test) = load_mnist()
    X_aug, y_aug = with_shifted_copies(X, y)
    results = {"tuned, 15 epochs": [], "+ shifted copies, 5 epochs": []}
    for seed in range(args.seeds):
        start = time.perf_counter()
        results["tuned, 15 epochs"].append(test_accuracy(X, y, 15, seed, X_test, y_test))
        results["+ shifted copies, 5 epochs"].append(
            test_accuracy(X_aug, y_aug, 5, seed, X_test, y_test))
        print(f"seed {seed}: " + ", ".join(f"{name} {acc[-1]:.4f}" for name, acc in
                                           results.items()) +
              f" ({time.perf_counter() - start:.0f} s)", flush=True)
    for name, accs in results.items():
        print(f"{name:>28}: {min(accs):.4f} to {max(accs):.4f}, median "
              f"{statistics.median(accs):.4f} over {len(accs)} seeds")


if __name__ == "__main__":
    main()
