"""Lesson 14's transformer: one training step in nnlib against the same model in PyTorch (CPU).

Run by hand (never part of the tests). PyTorch is not a dependency of the project: install it in
a separate environment that also has NumPy, and run this file from the repository's root with
that environment's Python, nnlib found through PYTHONPATH:

    python -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install numpy tqdm torch
    PYTHONPATH=. /tmp/torchenv/bin/python benchmarks/transformer_speed.py [--repeats 30]

Without PyTorch it times nnlib alone. The model is the lesson's: characters embedded in d = 64
numbers plus a learned vector per position, 2 pre-norm blocks (4 heads of causal self-attention
without biases, then 64 -> 256 -> 64 with ReLU, each with a residual connection), a final layer
normalisation and 64 -> 80 logits; a batch of 32 sequences of 64 characters, float32, one
thread. A step is the forward pass, the cross-entropy over all positions, the backward pass and
an Adam update. PyTorch computes attention with its fused `scaled_dot_product_attention`, as a
PyTorch user would. The libraries run in turns, repetition by repetition, so that a change in the
machine's load affects both alike; the fastest repetition of each is reported, with the ratio
nnlib / PyTorch (above 1: nnlib is slower).

Writes benchmarks/results/transformer_speed.csv (one row per library), replacing it only once
complete.
"""

import argparse
import os
import platform
import time
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"   # before NumPy and PyTorch are imported

import numpy as np  # noqa: E402
from csv_results import write_rows  # noqa: E402  (benchmarks/, the script's folder)

from nnlib import Sequential  # noqa: E402
from nnlib.attention import LayerNorm, PositionEmbedding, TransformerBlock  # noqa: E402
from nnlib.layers import Embedding, Linear  # noqa: E402
from nnlib.optim import Adam  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:
    torch = None

RESULTS = Path(__file__).parent / "results" / "transformer_speed.csv"
V, T, D, HEADS, LAYERS, BATCH = 80, 64, 64, 4, 2, 32


def nnlib_model(seed=0):
    dtype = np.float32
    return Sequential([Embedding(V, D, dtype=dtype), PositionEmbedding(T, D, dtype=dtype)]
                      + [TransformerBlock(D, HEADS, dtype=dtype) for _ in range(LAYERS)]
                      + [LayerNorm(D, dtype=dtype), Linear(D, V, init=0.02, dtype=dtype)],
                      seed=seed)


def nnlib_step(X, Y):
    model, optimizer = nnlib_model(), Adam(lr=1e-3)

    def step():
        loss, grads = model.loss_and_gradients(X, Y)
        optimizer.step(model.params, grads)
    return step


if torch is not None:
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
            self.q, self.k, self.v, self.o = (nn.Linear(D, D, bias=False) for _ in range(4))
            self.ff_in, self.ff_out = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

        def forward(self, x):
            N, T_, _ = x.shape
            a = self.ln1(x)
            q, k, v = (f(a).view(N, T_, HEADS, D // HEADS).transpose(1, 2)
                       for f in (self.q, self.k, self.v))
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.o(o.transpose(1, 2).reshape(N, T_, D))
            return x + self.ff_out(F.relu(self.ff_in(self.ln2(x))))

    class Transformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens, self.positions = nn.Embedding(V, D), nn.Embedding(T, D)
            self.blocks = nn.Sequential(*(Block() for _ in range(LAYERS)))
            self.ln, self.head = nn.LayerNorm(D), nn.Linear(D, V)

        def forward(self, x):
            h = self.tokens(x) + self.positions.weight[: x.shape[1]]
            return self.head(self.ln(self.blocks(h)))


def torch_step(X, Y):
    torch.manual_seed(0)
    model = Transformer()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    X, Y = torch.from_numpy(X), torch.from_numpy(Y)

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X).reshape(-1, V), Y.reshape(-1))
        loss.backward()
        optimizer.step()
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if torch is not None:
        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    X, Y = rng.integers(0, V, (BATCH, T)), rng.integers(0, V, (BATCH, T))
    steps = {"nnlib": nnlib_step(X, Y)}
    if torch is not None:
        steps["pytorch"] = torch_step(X, Y)
    times = {name: [] for name in steps}
    for step in steps.values():      # warm-up: first calls allocate
        for _ in range(3):
            step()
    for _ in range(args.repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    best = {name: min(t) for name, t in times.items()}
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}" + (
        f", PyTorch {torch.__version__}" if torch is not None else "")
    for name, seconds in best.items():
        print(f"{name:>8}: {1000 * seconds:6.1f} ms per training step (fastest of {args.repeats})")
    if torch is not None:
        print(f"ratio nnlib / PyTorch: {best['nnlib'] / best['pytorch']:.2f}")
    write_rows(args.output, [{"library": name, "ms_per_step": f"{1000 * s:.2f}",
                              "repeats": args.repeats, "versions": versions}
                             for name, s in best.items()])
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
