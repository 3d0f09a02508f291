"""Does lesson 14's transformer beat lesson 13's kind of network on held-out plays, and when?
Both trained on Shakespeare for the same time on one core, over several seeds, with the held-out
loss measured along the way, for lesson 14.

Run by hand (never part of the tests), one BLAS thread per process; the two models train at the
same time, one per core, so that both share the machine alike; the default budget is 20 minutes
per run, so 3 seeds take an hour (--minutes sets the budget):

    OMP_NUM_THREADS=1 nice .venv/bin/python benchmarks/transformer_seeds.py [--seeds 3]

The data: data/shakespeare.txt, every character a token; the first 90 % for training, the next 5 %
for validation, the last 5 % for the test. Both models are measured on the same predictions: 1,000
windows of 64 characters from the validation (or test) text, at positions 7 to 63 of each window,
whose predictions see at least 8 characters (the window network's whole context).
- "transformer": lesson 14's model (d = 64, 4 heads, 2 blocks, windows of 64), float32, batches of
  32 windows; Adam at 0.01.
- "mlp": lesson 13's network on 8 characters (embeddings of 16, 512 tanh units), float32, batches
  of 512 predictions; Adam at 0.003.
Both rates rise over 100 steps and then fall to 0 along a cosine of the time spent (Loshchilov and
Hutter, 2017), so the losses at the checkpoints before the end are those of a run still under way.
Time is the process's CPU time spent in training steps (time.process_time), so that other work on
the machine does not shorten a run; with one thread it equals the wall time of a quiet machine.
At the end, the transformer is also measured with its context cut to the last 8 characters, the
window network's context: what it gains from reading further back.
Writes benchmarks/results/transformer_seeds.csv (one row per model, seed and checkpoint: seconds
of training, steps, validation loss; at the end the test loss, and the transformer's validation
loss from 8 characters), replacing it only once complete.
"""

import argparse
import math
import multiprocessing
import platform
import time
from pathlib import Path

import numpy as np
from csv_results import write_rows  # benchmarks/, the script's folder

from nnlib import Sequential
from nnlib.attention import LayerNorm, PositionEmbedding, TransformerBlock
from nnlib.labels import one_hot
from nnlib.language import Vocabulary
from nnlib.layers import Embedding, Flatten, Linear, Tanh
from nnlib.losses import softmax_cross_entropy
from nnlib.optim import Adam
from nnlib.text import load_shakespeare

RESULTS = Path(__file__).parent / "results" / "transformer_seeds.csv"
T, CONTEXT, WARMUP = 64, 8, 100
CHECKPOINTS = (60, 300, 600, 900)   # seconds of training at which the held-out loss is measured


def split():
    text = load_shakespeare()
    vocabulary = Vocabulary(sorted(set(text)))
    ids = vocabulary.encode(text)
    n = len(ids)
    return len(vocabulary), ids[:int(0.9 * n)], ids[int(0.9 * n):int(0.95 * n)], ids[int(0.95 * n):]


def transformer(V, seed):
    dtype = np.float32
    return Sequential([Embedding(V, 64, init=0.1, dtype=dtype),
                       PositionEmbedding(T, 64, init=0.1, dtype=dtype)]
                      + [TransformerBlock(64, 4, dtype=dtype) for _ in range(2)]
                      + [LayerNorm(64, dtype=dtype), Linear(64, V, init=0.02, dtype=dtype)],
                      seed=seed)


def mlp(V, seed):
    dtype = np.float32
    return Sequential([Embedding(V, 16, dtype=dtype), Flatten(),
                       Linear(CONTEXT * 16, 512, dtype=dtype), Tanh(),
                       Linear(512, V, init=0.02, dtype=dtype)], seed=seed)


def windows(data, seed):
    """1,000 windows (1000, T) and their targets, shifted by one."""
    starts = np.random.default_rng(seed).integers(0, len(data) - T - 1, 1000)
    index = starts[:, None] + np.arange(T)
    return data[index], data[index + 1]


def held_out_loss(name, model, X, Y, cut=False):
    """Mean negative log-likelihood at positions CONTEXT - 1 .. T - 1 of the windows; `cut`: the
    transformer too reads only the CONTEXT characters up to each position."""
    if name == "transformer" and not cut:
        Z = model.forward(X)[:, CONTEXT - 1:]
    else:   # the same targets, each from the CONTEXT characters up to it
        last = (lambda Z: Z[:, -1]) if name == "transformer" else (lambda Z: Z)
        Z = np.stack([last(model.forward(X[:, p - CONTEXT + 1:p + 1]))
                      for p in range(CONTEXT - 1, T)], axis=1)
    V = Z.shape[-1]
    return softmax_cross_entropy(Z.reshape(-1, V).astype(np.float64),
                                 one_hot(Y[:, CONTEXT - 1:].ravel(), V))[0]


def run(name, seed, V, train, held_out, checkpoints):
    """Train one model for checkpoints[-1] seconds; a row of results at each checkpoint."""
    model = (transformer if name == "transformer" else mlp)(V, seed)
    lr0, batch = (1e-2, 32) if name == "transformer" else (3e-3, 512)
    rng, optimizer = np.random.default_rng(seed), Adam(lr=lr0)
    trained, step, rows = 0.0, 0, []
    for checkpoint in checkpoints:
        while trained < checkpoint:
            step += 1
            progress = trained / checkpoints[-1]
            optimizer.lr = lr0 * min(1, step / WARMUP) * 0.5 * (1 + math.cos(math.pi * progress))
            start = time.process_time()
            if name == "transformer":
                index = rng.integers(0, len(train) - T - 1, batch)[:, None] + np.arange(T)
                X, Y = train[index], train[index + 1]
            else:
                index = rng.integers(CONTEXT, len(train) - 1, batch)
                X, Y = train[index[:, None] + np.arange(-CONTEXT, 0)], train[index]
            loss, grads = model.loss_and_gradients(X, Y)
            optimizer.step(model.params, grads)
            trained += time.process_time() - start
        rows.append({"model": name, "seed": seed, "seconds": f"{trained:.0f}", "steps": step,
                     "val_loss": f"{held_out_loss(name, model, *held_out['val']):.4f}"})
        print(f"{name:>11}, seed {seed}: {trained:5.0f} s, {step:6} steps, validation "
              f"{rows[-1]['val_loss']}", flush=True)
    rows[-1]["test_loss"] = f"{held_out_loss(name, model, *held_out['test']):.4f}"
    if name == "transformer":
        rows[-1]["val_loss_8"] = f"{held_out_loss(name, model, *held_out['val'], cut=True):.4f}"
    return rows


def run_seeds(name, seeds, *arguments):
    return [row for seed in range(seeds) for row in run(name, seed, *arguments)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    V, train, val, test = split()
    held_out = {"val": windows(val, 1), "test": windows(test, 2)}
    checkpoints = [c for c in CHECKPOINTS if c < 60 * args.minutes] + [60 * args.minutes]
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}"
    with multiprocessing.Pool(2) as pool:
        runs = pool.starmap(run_seeds, [(name, args.seeds, V, train, held_out, checkpoints)
                                        for name in ("transformer", "mlp")])
    rows = [row for model_rows in runs for row in model_rows]
    for row in rows:
        row.setdefault("test_loss", "")
        row.setdefault("val_loss_8", "")
        row["versions"] = versions
    write_rows(args.output, rows)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
