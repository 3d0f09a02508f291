"""Lesson 12's bridge, measured: lesson 6's network trained with nnlib.autograd and with PyTorch
from the same starting weights on the same batches; the two losses at every step. Lesson 12 loads
and shows the results. PyTorch is needed here only, never by the lessons or the tests.

Run by hand, with PyTorch and nnlib importable (about ten seconds), for instance:

    python -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch==2.13.0 numpy tqdm matplotlib requests
    PYTHONPATH=. /tmp/torchenv/bin/python benchmarks/torch_bridge.py

The run: [784, 30, 10] with ReLU, softmax cross-entropy, MLP([784, 30, 10], seed=0)'s starting
weights, 100 steps of plain gradient descent (learning rate 0.1) on batches of 64 of the first
50,000 training images drawn with seed 2, in float64 and in float32 (pixels, weights and
arithmetic). Writes benchmarks/results/torch_bridge.csv (dtype, step, loss_nnlib, loss_torch,
versions), replacing it only once complete.
"""

import platform
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from csv_results import write_rows  # benchmarks/, the script's folder

from nnlib import MLP
from nnlib.autograd import Tensor, cross_entropy, no_grad
from nnlib.data import load_mnist

RESULTS = Path(__file__).parent / "results" / "torch_bridge.csv"
STEPS, BATCH, LR = 100, 64, 0.1


def forward_nnlib(P, X):
    return (Tensor(X) @ P["W1"] + P["b1"]).relu() @ P["W2"] + P["b2"]


def train(dtype, X, y, batches):
    start = {k: v.astype(dtype) for k, v in MLP([784, 30, 10], seed=0).params.items()}
    ours = {k: Tensor(v, requires_grad=True) for k, v in start.items()}
    theirs = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in start.items()}
    losses = []
    for batch in batches:
        loss = cross_entropy(forward_nnlib(ours, X[batch]), y[batch])
        loss.backward()
        with no_grad():
            for p in ours.values():
                p -= LR * p.grad
                p.grad = None
        logits = F.relu(torch.tensor(X[batch]) @ theirs["W1"] + theirs["b1"]) @ theirs["W2"] \
            + theirs["b2"]
        their_loss = F.cross_entropy(logits, torch.tensor(y[batch]))
        their_loss.backward()
        with torch.no_grad():
            for p in theirs.values():
                p -= LR * p.grad
                p.grad = None
        losses.append((loss.item(), their_loss.item()))
    return losses


def main():
    torch.set_num_threads(1)
    (X_train, y_train), _, _ = load_mnist()
    batches = np.random.default_rng(2).integers(0, len(X_train), size=(STEPS, BATCH))
    versions = (f"Python {platform.python_version()}, NumPy {np.__version__}, "
                f"PyTorch {torch.__version__}")
    rows = []
    for dtype in (np.float64, np.float32):
        for step, (ours, theirs) in enumerate(train(dtype, X_train.astype(dtype), y_train,
                                                    batches), start=1):
            rows.append({"dtype": np.dtype(dtype).name, "step": step, "loss_nnlib": repr(ours),
                         "loss_torch": repr(theirs), "versions": versions})
        last = rows[-1]
        print(f"{last['dtype']}: after {STEPS} steps nnlib {float(last['loss_nnlib']):.6f}, "
              f"PyTorch {float(last['loss_torch']):.6f}")
    write_rows(RESULTS, rows)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
