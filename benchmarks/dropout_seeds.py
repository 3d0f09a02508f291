"""Does dropout's gain in lesson 10 hold beyond seed 0? Lesson 10's overfitting run (section 3.2)
with and without dropout, over several seeds. Lesson 10 loads and shows the results.

Run by hand (never part of the tests), on one BLAS thread; 10 seeds took about a minute:

    OMP_NUM_THREADS=1 nice .venv/bin/python benchmarks/dropout_seeds.py [--seeds 10]

The run: [784, 256, 10], ReLU, float32, trained on the first 1,000 training images for 40 epochs
of batches of 100 with momentum at a constant learning rate of 0.05; dropout with drop
probability p on the input pixels and on the hidden layer's output. A seed sets the starting
weights (those of MLP([784, 256, 10], seed=seed)), the dropout masks and the order of the
batches; seed 0 is the lesson's own run, which the lesson checks. The three variants of one seed
start from the same weights, so their difference is the effect of dropout alone. Every run is
scored on the 10,000 validation images.

Writes benchmarks/results/dropout_seeds.csv (one row per run: variant, seed, validation
accuracy), replacing it only once complete.
"""

import argparse
from pathlib import Path

import numpy as np
from csv_results import write_rows  # benchmarks/, the script's folder

from nnlib import MLP, Sequential, layers
from nnlib.data import load_mnist
from nnlib.optim import Momentum

RESULTS = Path(__file__).parent / "results" / "dropout_seeds.csv"
VARIANTS = {"no dropout": (0.0, 0.0), "hidden 0.5": (0.0, 0.5),
            "input 0.2, hidden 0.5": (0.2, 0.5)}     # name: (p on the input, p on the hidden layer)


def dropout_net(p_input, p_hidden, seed):
    """Lesson 10's network: [784, 256, 10] from MLP's starting weights, with dropout."""
    start = MLP([784, 256, 10], seed=seed, dtype=np.float32).params
    dense = [layers.Linear(784, 256, dtype=np.float32), layers.Linear(256, 10, dtype=np.float32)]
    for l, layer in enumerate(dense, start=1):
        layer.params["W"][...], layer.params["b"][...] = start[f"W{l}"], start[f"b{l}"]
    return Sequential([layers.Dropout(p_input, seed=seed + 1), dense[0], layers.ReLU(),
                       layers.Dropout(p_hidden, seed=seed + 2), dense[1]])


def validation_accuracy(variant, seed, X, y, X_val, y_val, epochs=40):
    net, optimizer = dropout_net(*VARIANTS[variant], seed), Momentum(lr=0.05)
    for epoch in range(epochs):         # one call per epoch, with the lesson's shuffling seeds
        net.fit(X, y, epochs=1, batch_size=100, optimizer=optimizer, seed=epoch + 100 * seed,
                verbose=False)
    return net.evaluate(X_val, y_val)[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    (X, y), (X_val, y_val), _ = load_mnist()
    rows = []
    for seed in range(args.seeds):
        for variant in VARIANTS:
            accuracy = validation_accuracy(variant, seed, X[:1000], y[:1000], X_val, y_val)
            rows.append({"variant": variant, "seed": seed, "val_accuracy": f"{accuracy:.4f}"})
            print(f"seed {seed}, {variant:>21}: {accuracy:.4f}", flush=True)
    write_rows(args.output, rows)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
