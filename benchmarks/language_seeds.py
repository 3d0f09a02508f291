"""Does lesson 13's neural language model beat the bigram whatever the seed? Lesson 13's model
(section 5.2), trained with several seeds, with and without dropout; lesson 13 loads and shows
the results, and checks that seed 0 is its own run.

Run by hand (never part of the tests), on one BLAS thread; 5 seeds took about 90 seconds:

    OMP_NUM_THREADS=1 nice .venv/bin/python benchmarks/language_seeds.py [--seeds 5]

The data: the 8,422 names of data/names.txt, split by names with seed 0 into 80 % training, 10 %
validation and 10 % test, as in the lesson. The model: embeddings of size 10 for the 4 previous
characters, a tanh hidden layer of 200 units, 28 logits; 10 passes in mini-batches of 64 with Adam
(learning rate 0.003 along a cosine). "mlp_dropout" adds dropout with p = 0.3 (as in the lesson's
section 5.3) after the hidden layer. A seed sets the starting weights, the order of the batches
and the dropout masks.

Writes benchmarks/results/language_seeds.csv (one row per run: model, seed, validation and test
loss in nats per character, training seconds, versions), replacing it only once complete.
"""

import argparse
import platform
import time
from pathlib import Path

import numpy as np
from csv_results import write_rows  # benchmarks/, the script's folder

from nnlib import Sequential
from nnlib.language import Vocabulary, context_windows
from nnlib.layers import Dropout, Embedding, Flatten, Linear, Tanh
from nnlib.text import load_names

RESULTS = Path(__file__).parent / "results" / "language_seeds.csv"
CONTEXT, D_EMBED, HIDDEN = 4, 10, 200
VARIANTS = {"mlp": 0.0, "mlp_dropout": 0.3}   # name: dropout probability


def split(names):
    """The lesson's split: (training, validation, test) lists of names."""
    order = np.random.default_rng(0).permutation(len(names))
    n_train, n_val = int(0.8 * len(names)), int(0.1 * len(names))
    return [[names[i] for i in part] for part in
            (order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:])]


def language_model(V, seed, dropout):
    layers = [Embedding(V, D_EMBED), Flatten(), Linear(CONTEXT * D_EMBED, HIDDEN), Tanh()]
    if dropout:
        layers.append(Dropout(dropout))
    return Sequential(layers + [Linear(HIDDEN, V)], seed=seed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    names = load_names()
    vocabulary = Vocabulary.from_words(names)
    (X, y), (X_val, y_val), (X_test, y_test) = (context_windows(part, vocabulary, CONTEXT)
                                                for part in split(names))
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}"
    rows = []
    for seed in range(args.seeds):
        for variant, dropout in VARIANTS.items():
            model = language_model(len(vocabulary), seed, dropout)
            start = time.perf_counter()
            model.fit(X, y, epochs=10, batch_size=64, optimizer="adam", lr=3e-3,
                      schedule="cosine", verbose=False, seed=seed)
            seconds = time.perf_counter() - start
            val_loss, test_loss = model.evaluate(X_val, y_val)[0], model.evaluate(X_test, y_test)[0]
            rows.append({"model": variant, "seed": seed, "val_loss": f"{val_loss:.6f}",
                         "test_loss": f"{test_loss:.6f}", "seconds": f"{seconds:.1f}",
                         "versions": versions})
            print(f"seed {seed}, {variant:>11}: validation {val_loss:.4f}, test {test_loss:.4f}, "
                  f"{seconds:.1f} s", flush=True)
    write_rows(args.output, rows)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
