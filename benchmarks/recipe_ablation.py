"""Which of lesson 6's changes matter? Its final recipe with one choice at a time put back as the
classic network had it, over several seeds. Lesson 10 loads and plots the results.

Run by hand (never part of the tests), on one BLAS thread; 5 seeds took about half an hour:

    OMP_NUM_THREADS=1 nice .venv/bin/python benchmarks/recipe_ablation.py [--seeds 5]

The final recipe of lesson 6: [784, 256, 10], ReLU, softmax + cross-entropy, He initialisation
(output layer 100 times smaller), float32, batches of 128, SGD with momentum 0.9 at learning rate
0.1 on a cosine schedule, 5 epochs of the 50,000 training images plus two copies shifted by one
pixel. Each other row changes exactly one of these choices to the classic network's (Nielsen,
chapter 1), everything else staying as it is, including the learning rate and the number of
epochs; the last row is the classic network itself. Every run is scored on the 10,000 validation
images (the test set stays for lesson 6's final result). A seed sets the starting weights and the
order of the batches; the shifted copies are the same for every seed, as in lesson 6.

Writes benchmarks/results/recipe_ablation.csv (one row per run: change, seed, validation accuracy,
seconds, and "diverged" when the loss became nan or inf), replacing it only once complete.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from nnlib import MLP
from nnlib.data import load_mnist

sys.path.insert(0, str(Path(__file__).parent))
from csv_results import write_rows  # noqa: E402
from mnist_seeds import with_shifted_copies  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "recipe_ablation.csv"

FINAL = dict(model=dict(layer_sizes=[784, 256, 10], hidden_activation="relu",
                        output_activation="softmax", init="he", dtype=np.float32),
             fit=dict(epochs=5, batch_size=128, lr=0.1, optimizer="momentum", schedule="cosine"),
             shifted_copies=True)

# name -> (changes to the model, changes to fit, shifted copies or not)
CHANGES = {
    "final recipe": ({}, {}, True),
    "sigmoid hidden units": ({"hidden_activation": "sigmoid"}, {}, True),
    "sigmoid outputs + quadratic cost": ({"output_activation": "sigmoid", "loss": "mse"}, {},
                                         True),
    "weights from N(0, 1)": ({"init": 1.0}, {}, True),
    "30 hidden units": ({"layer_sizes": [784, 30, 10]}, {}, True),
    "batches of 10": ({}, {"batch_size": 10}, True),
    "no momentum": ({}, {"optimizer": "sgd"}, True),
    "constant learning rate": ({}, {"schedule": "constant"}, True),
    "no shifted copies (15 epochs)": ({}, {"epochs": 15}, False),
    "float64": ({"dtype": np.float64}, {}, True),
    "classic network (15 epochs)": (
        {"layer_sizes": [784, 30, 10], "hidden_activation": "sigmoid",
         "output_activation": "sigmoid", "loss": "mse", "init": 1.0, "dtype": np.float64},
        {"epochs": 15, "batch_size": 10, "lr": 3.0, "optimizer": "sgd", "schedule": "constant"},
        False),
}


def run(change, seed, data):
    """(validation accuracy or nan if training diverged, seconds) for one change and seed."""
    model_changes, fit_changes, shifted = CHANGES[change]
    (X, y), (X_aug, y_aug), (X_val, y_val) = data
    if not shifted:
        X_aug, y_aug = X, y
    dtype = model_changes.get("dtype", np.float32)
    model = MLP(**{**FINAL["model"], **model_changes}, seed=seed)
    start = time.perf_counter()
    try:
        model.fit(X_aug.astype(dtype, copy=False), y_aug, **{**FINAL["fit"], **fit_changes},
                  seed=seed, verbose=False)
    except FloatingPointError:
        return float("nan"), time.perf_counter() - start
    seconds = time.perf_counter() - start
    return float(np.mean(model.predict(X_val.astype(dtype, copy=False)) == y_val)), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    (X, y), (X_val, y_val), _ = load_mnist()
    data = (X, y), with_shifted_copies(X, y), (X_val, y_val)
    rows = []
    for change in CHANGES:
        for seed in range(args.seeds):
            acc, seconds = run(change, seed, data)
            rows.append({"change": change, "seed": seed,
                         "val_accuracy": "diverged" if np.isnan(acc) else f"{acc:.4f}",
                         "seconds": f"{seconds:.1f}"})
            print(f"{change:>34}, seed {seed}: {rows[-1]['val_accuracy']} "
                  f"({seconds:.0f} s)", flush=True)
    write_rows(args.output, rows)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
