"""How far does from-scratch code go on MNIST in five minutes? A stronger recipe than lesson 11's,
built only from nnlib, trained once per seed; and what each of its ingredients adds.

Run by hand (never part of the tests). Each run trains on one core, two runs at a time:

    .venv/bin/python benchmarks/record_run.py              # the recipe, 5 seeds, test accuracy
    .venv/bin/python benchmarks/record_run.py --ablation   # each ingredient taken out, validation

The recipe: Conv(1 -> 32, 5x5), BatchNorm, ReLU, MaxPool 2, Conv(32 -> 64, 5x5), BatchNorm, ReLU,
MaxPool 2, Flatten, Linear(1024 -> 256), ReLU, Dropout(0.25), Linear(256 -> 10) with its weights
started 100 times smaller than He's; float32; SGD with momentum 0.9 at 0.05 on a cosine schedule,
an L2 penalty of 5e-4 on the weights; batches of 64, 6 epochs; every training image moved by up to
two pixels at random each time it is used (`nnlib.data.random_shifts(2)`); once trained, each
image read nine times, as it is and moved by one pixel in each of the 8 directions, its class
probabilities averaged (test-time augmentation; the accuracy without it is kept too). It was
chosen by its accuracy on the validation split (the last 10,000 training images, with the
first 50,000 to train on: `--validation` tries a variant, e.g. `--epochs 7 --l2 0`); the test
images were used only for the final runs, which train on all 60,000. A seed sets the starting
weights, the dropout masks, the order of the batches and the shifts. Training time is the run's
own CPU time.

Writes benchmarks/results/record_run.csv (the recipe on the test set) or, with --ablation,
benchmarks/results/record_ablation.csv (one row per change and seed, on the validation split):
accuracy, accuracy with the nine views ("with_moves"), CPU seconds of training and the machine;
a file is written only once the runs are complete, and keeps the last runs made on each other
machine. Lesson 11 shows both.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")        # one core per run, before NumPy starts
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from nnlib import Sequential  # noqa: E402
from nnlib.activations import softmax  # noqa: E402
from nnlib.data import load_mnist, random_affine, random_shifts  # noqa: E402
from nnlib.layers import BatchNorm, Conv2D, Dropout, Flatten, Linear, MaxPool2D, ReLU  # noqa: E402
from nnlib.optim import Momentum  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from csv_results import update_rows  # noqa: E402
from machine import describe  # noqa: E402

RESULTS = Path(__file__).parent / "results"
RECIPE = dict(channels=(32, 64), kernel=5, batch_norm=True, hidden=256, dropout=0.25, shift=2,
              degrees=0.0, scale=0.0, epochs=6, lr=0.05, batch_size=64, l2=5e-4)

# What each ingredient adds: the recipe with one of them taken out (everything else the same).
CHANGES = {
    "recipe": {},
    "no batch norm": {"batch_norm": False},
    "no dropout": {"dropout": 0.0},
    "no hidden layer (nor dropout)": {"hidden": 0, "dropout": 0.0},
    "no L2 penalty": {"l2": 0.0},
    "no random shifts": {"shift": 0},
}


def network(seed, channels, kernel, batch_norm, hidden, dropout):
    """A block per entry of `channels`: Conv(kernel x kernel; padded to keep the size when kernel
    is 3), BatchNorm (unless batch_norm is False), ReLU, MaxPool 2; then hidden > 0 adds
    Linear(-> hidden), ReLU, Dropout(dropout); the output layer starts 100 times smaller than
    He's."""
    f32, padding = np.float32, 1 if kernel == 3 else 0
    layers, c_in, size = [], 1, 28
    for i, c in enumerate(channels):
        norm = [BatchNorm(c, dtype=f32)] if batch_norm else []
        layers += [Conv2D(c_in, c, kernel, padding=padding, seed=seed + i, dtype=f32), *norm,
                   ReLU(), MaxPool2D(2)]
        c_in, size = c, (size + 2 * padding - kernel + 1) // 2
    layers.append(Flatten())
    n = c_in * size * size
    if hidden:
        layers += [Linear(n, hidden, seed=seed + 10, dtype=f32), ReLU(),
                   Dropout(dropout, seed=seed + 11)]
        n = hidden
    return Sequential([*layers, Linear(n, 10, init=0.01 * math.sqrt(2 / n), seed=seed + 12,
                                       dtype=f32)])


def augmentation(shift, degrees, scale):
    """Whole-pixel shifts alone, or turns, scalings and shifts by fractions of a pixel."""
    if degrees or scale:
        return random_affine(degrees, scale, shift)
    return random_shifts(shift) if shift else None


def moved(X, down, right):
    """Images X (N, 1, H, W) moved by `down` rows and `right` columns, zeros coming in."""
    H, W = X.shape[2:]
    padded = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)))
    return padded[:, :, 1 - down:1 - down + H, 1 - right:1 - right + W]


def averaged_over_moves(model, X):
    """Test-time augmentation: each image's class probabilities averaged over 9 views, the image
    and its 8 moves by one pixel; returns the labels they predict."""
    # _logits: the model's evaluation-mode outputs, computed 1,000 images at a time as predict does
    P = sum(softmax(model._logits(moved(X, down, right))) for down in (-1, 0, 1)
            for right in (-1, 0, 1))
    return P.argmax(axis=1)


def train_and_score(recipe, seed, validation):
    """(accuracy, accuracy with test-time augmentation, seconds of training) for one run, on the
    validation or the test images."""
    split = 10000 if validation else 0
    (X, y), (X_val, y_val), (X_test, y_test) = load_mnist(validation_size=split, flatten=False)
    X_score, y_score = (X_val, y_val) if validation else (X_test, y_test)
    model = network(seed, recipe["channels"], recipe["kernel"], recipe["batch_norm"],
                    recipe["hidden"], recipe["dropout"])
    start = time.process_time()  # the run's own CPU time: what the other run beside it costs
    model.fit(X[:, None], y, epochs=recipe["epochs"], batch_size=recipe["batch_size"],
              optimizer=Momentum(lr=recipe["lr"]), schedule="cosine", l2=recipe["l2"], seed=seed,
              verbose=False,
              augment=augmentation(recipe["shift"], recipe["degrees"], recipe["scale"]))
    seconds = time.process_time() - start
    X_score = X_score[:, None]
    return (float(np.mean(model.predict(X_score) == y_score)),
            float(np.mean(averaged_over_moves(model, X_score) == y_score)), seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--ablation", action="store_true",
                        help="each ingredient taken out, scored on the validation split")
    parser.add_argument("--validation", action="store_true",
                        help="the recipe scored on the validation split (nothing written)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time, one core each")
    for key, value in RECIPE.items():  # --epochs 9 etc. try a variant (nothing written)
        kind = type(value[0] if isinstance(value, tuple) else value)
        parser.add_argument(f"--{key.replace('_', '-')}", nargs="+" if isinstance(value, tuple)
                            else None, type={"true": True, "false": False}.__getitem__
                            if kind is bool else kind)
    args = parser.parse_args()
    variant = {k: tuple(v) if isinstance(v, list) else v for k in RECIPE
               if (v := getattr(args, k)) is not None}
    recipe = {**RECIPE, **variant}
    changes = CHANGES if args.ablation else {"recipe": {}}
    validation = args.ablation or args.validation
    print(f"{describe()}; {'validation' if validation else 'test'} accuracy; "
          f"recipe {recipe}", flush=True)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    jobs = [(name, seed) for name in changes for seed in seeds]
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(train_and_score, {**recipe, **changes[name]}, seed, validation)
                   for name, seed in jobs]
        rows = []
        for (name, seed), future in zip(jobs, futures):
            accuracy, moves, seconds = future.result()
            rows.append({"run": name, "seed": seed, "accuracy": f"{accuracy:.4f}",
                         "with_moves": f"{moves:.4f}", "seconds": f"{seconds:.0f}",
                         "machine": describe()})
            print(f"{name:>30}, seed {seed}: {accuracy:.2%}, averaged over moves {moves:.2%}, "
                  f"in {seconds:.0f} s", flush=True)
    for name in changes:
        for column in ("accuracy", "with_moves"):
            scores = [float(r[column]) for r in rows if r["run"] == name]
            print(f"{name:>30}, {column}: median {statistics.median(scores):.2%} over "
                  f"{len(scores)} seeds ({min(scores):.2%} to {max(scores):.2%})")
    if not variant and not args.validation:
        path = RESULTS / ("record_ablation.csv" if args.ablation else "record_run.csv")
        update_rows(path, rows, key_columns=("machine",))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
