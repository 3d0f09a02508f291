"""Lesson 11's convolutional network: nnlib against PyTorch CPU, per layer and per training step.

Run by hand (never part of the tests). PyTorch is not a dependency of the project: install it in
a separate environment that also has NumPy, and run this file from the repository's root with
that environment's Python, nnlib found through PYTHONPATH:

    python -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install numpy tqdm torch
    PYTHONPATH=. /tmp/torchenv/bin/python benchmarks/conv_speed.py [--rounds 5] [--repeats 20]

Without PyTorch it times nnlib alone. The shapes are the lesson's: a batch of 64 float32 images
(64, 1, 28, 28); Conv(1 -> 16, 5x5), ReLU, MaxPool 2, Conv(16 -> 32, 5x5), ReLU, MaxPool 2,
Flatten, Linear(512 -> 10). Each layer's forward and backward pass are timed separately (the first
convolution computes no input gradient, in either library, as in training), on the input and
gradient it receives in a training step (for nnlib, in the memory layout its neighbours hand over;
for PyTorch, its usual contiguous layout), then a whole training step: forward, softmax
cross-entropy, backward and a momentum update. For each convolution, "products alone" times just
the matrix products nnlib's passes make, on operands of the same shapes and memory layouts (each
block of patches in the processor's cache, as in the layer), in NumPy's BLAS library and in
PyTorch's: how much of a pass they take, and how the two BLAS libraries compare on them. nnlib and
PyTorch run in turns, repetition by repetition, so that a change in the machine's load affects both
alike, and each case is timed by the fastest of its repetitions (on a shared machine the median
mostly measures the other programs). That is done in several rounds, a few seconds apart: the
machine's speed drifts from minute to minute (on a virtual machine, with what its neighbours run),
so each round gives a ratio nnlib / PyTorch (above 1: nnlib is slower), and the report gives the
median of the rounds' ratios with their range, and the median of each library's fastest times. All
of it is written to benchmarks/results/conv_speed.csv (section 9 of lesson 11 shows it), which
keeps the last run on each processor (and versions), as the comparison depends on them.

Then where nnlib's training step spends its time: each layer's share of the step (forward and
backward), and the speed of its arithmetic in GFLOP/s against the machine's measured peak, the
fastest float32 matrix product of one BLAS call (1024 x 1024 by 1024 x 1024; PyTorch's too, when
installed), so that the distance to the physical limit is on the page. Max-pooling does no
multiply-adds: its cost is memory traffic, shown as the share only.
"""

import argparse
import os
import sys
import time
from pathlib import Path

# BLAS threads are fixed before NumPy is imported (the environment variables are read then).
THREADS = next((int(a.split("=")[1]) for a in sys.argv if a.startswith("--threads=")), None)
if THREADS is None and "--threads" in sys.argv:
    THREADS = int(sys.argv[sys.argv.index("--threads") + 1])
THREADS = THREADS or 1
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(THREADS)

# cnn_seeds (this script's folder is on sys.path) holds the lesson's network.
import numpy as np  # noqa: E402
from cnn_seeds import cnn  # noqa: E402
from csv_results import update_rows  # noqa: E402
from machine import describe  # noqa: E402

from nnlib.optim import Momentum  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None

BATCH = 64
RESULTS = Path(__file__).parent / "results" / "conv_speed.csv"  # lesson 11 shows it
# Multiply-adds of each layer's forward pass, counted as 2 FLOP each: a convolution computes
# N C_out H_out W_out output values, each a dot product of length C_in k k. Its backward pass costs
# the same again for dW, and again for dX where the input's gradient is computed (not conv1).
CONV_FLOP = {"conv1 (1->16, 5x5)": 2 * BATCH * 16 * 24 * 24 * 1 * 5 * 5,
             "conv2 (16->32, 5x5)": 2 * BATCH * 32 * 8 * 8 * 16 * 5 * 5}
BACKWARD_PASSES = {"conv1 (1->16, 5x5)": 1, "conv2 (16->32, 5x5)": 2}


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def nnlib_cases(X, y):
    """name -> (forward, backward) callables on the lesson's shapes, for nnlib, and the operands
    of its convolutions' matrix products (product_operands). Each layer runs
    on the input and the gradient it receives in a training step of the lesson's network, laid
    out in memory as the layers around it hand them over (a channels-last view from a convolution;
    NumPy's elementwise operations are several times slower on arrays of mixed layouts)."""
    layers = cnn().layers
    A, inputs, upstream = X, [], []
    for layer in layers:
        inputs.append(A)
        A = layer.forward(A, training=True)
    dA = np.random.default_rng(1).standard_normal(A.shape, dtype=np.float32)
    for layer in layers[::-1]:
        upstream.insert(0, dA)
        dA = layer.backward(dA) if layer is not layers[0] else None

    def case(i, **options):
        return (lambda: layers[i].forward(inputs[i], training=True),
                lambda: layers[i].backward(upstream[i], **options))
    model = cnn()
    optimizer = Momentum(lr=0.01)
    Xc, Yc, _ = model.check_data(X, y)

    def step():
        _, grads, _ = model.loss_gradients_labels(Xc, Yc)
        optimizer.step(model.params, grads)

    operands = product_operands(layers, upstream)
    cases = {"conv1 (1->16, 5x5)": case(0, input_grad=False),
             "conv1 products alone": numpy_products(operands["conv1 products alone"]),
             "pool1 (2x2)": case(2), "conv2 (16->32, 5x5)": case(3),
             "conv2 products alone": numpy_products(operands["conv2 products alone"]),
             "conv2 copies alone": copies_alone(layers[3]),
             "pool2 (2x2)": case(5), "training step": (step, None)}
    return cases, operands


def product_operands(layers, upstream):
    """The matrix products each convolution's passes make, on operands laid out in memory as
    nnlib's Conv2D multiplies them in a training step: {case: (forward pairs, backward pairs)},
    each pair (A, B) for one product A @ B. Timed alone in NumPy and in PyTorch, they show how
    much of a pass's time is the BLAS library's work, and how PyTorch's own library does on
    exactly the same products. Conv2D multiplies `cols` a block at a time, each block right after
    it is copied, while it is in the processor's cache; here every block's product reads the
    first block (the last one fewer of its rows), so that it is in the cache as well."""
    operands = {}
    for i, name, input_grad in [(0, "conv1 products alone", False),
                                (3, "conv2 products alone", True)]:
        conv, dY = layers[i], upstream[i]
        k, C_out = conv.k, conv.C_out
        K_cols = np.concatenate([conv.params["W"].transpose(2, 3, 1, 0).reshape(-1, C_out),
                                 conv.params["b"][None]])
        first = next(conv._blocks_of_cols())[1].copy(order="K")
        blocks = [(rows, first[:rows.stop - rows.start]) for rows, _ in conv._blocks_of_cols()]
        # as Conv2D.backward computes them: dK block by block, in the orientation that reads
        # the block as stored, with dY's rows in the order of cols' rows; the patch gradients
        # one kernel offset at a time, from dY's rows in the order (H_out, W_out, N)
        dY_rows = dY.transpose(conv.positions).reshape(-1, C_out)
        backward = [(block.T, dY_rows[rows]) if block.flags.f_contiguous else
                    (dY_rows[rows].T, block) for rows, block in blocks]
        if input_grad:
            K_offsets = np.ascontiguousarray(conv.params["W"].transpose(2, 3, 0, 1))
            dY_positions = np.ascontiguousarray(dY.transpose(2, 3, 0, 1)).reshape(-1, C_out)
            backward += [(dY_positions, K_offsets[u, v]) for u in range(k) for v in range(k)]
        operands[name] = ([(block, K_cols) for _, block in blocks], backward)
    return operands


def multiply(pairs):
    """A @ B for each pair, each product dropped before the next, as Conv2D uses and drops it
    (keeping them all would time the allocation of fresh memory as well)."""
    for A, B in pairs:
        A @ B


def copies_alone(conv):
    """The copying a Conv2D's passes do around their matrix products, timed without them (nnlib
    only): forward, the layer's own copy of its input, in the layout the patches are cut from (it
    keeps one for the backward pass), and the patches into the blocks of `cols`; backward, the
    patches again, and the k*k patch gradients (here one array of ones) added onto the input's
    gradient, which is then put in X's memory layout, as Conv2D.backward does (for stride 1 and
    no padding)."""
    N, C, H_in, W_in = conv.X.shape
    H_out, W_out = conv.output_size(H_in, W_in)
    d_patches = np.ones((H_out * W_out * N, C), dtype=np.float32)

    def patches():
        for _ in conv._blocks_of_cols():
            pass

    def forward():
        conv.X_pad = conv._padded_copy(conv.X)
        patches()

    def backward():
        patches()
        dX_pad = np.zeros((H_in, W_in, N, C), dtype=np.float32)
        for u in range(conv.k):
            for v in range(conv.k):
                dX_pad[u:u + H_out, v:v + W_out] += d_patches.reshape(H_out, W_out, N, C)
        dX = np.empty_like(conv.X)
        dX[...] = dX_pad.transpose(2, 3, 0, 1)
    return forward, backward


def numpy_products(operands):
    forward, backward = operands
    return (lambda: multiply(forward), lambda: multiply(backward))


def torch_cases(X, y, operands):
    """The same as nnlib_cases, for PyTorch (autograd for the backward passes); `operands` are
    nnlib's matrix products (product_operands), multiplied here by PyTorch's library."""
    torch.manual_seed(0)
    x = torch.from_numpy(X)
    w1 = torch.randn(16, 1, 5, 5, requires_grad=True)
    b1 = torch.zeros(16, requires_grad=True)
    w2 = torch.randn(32, 16, 5, 5, requires_grad=True)
    b2 = torch.zeros(32, requires_grad=True)
    with torch.no_grad():
        a1 = F.relu(F.conv2d(x, w1, b1))
        p1 = F.max_pool2d(a1, 2)
        a2 = F.relu(F.conv2d(p1, w2, b2))
    a1, p1, a2 = (t.clone().requires_grad_(True) for t in (a1, p1, a2))
    rng = np.random.default_rng(1)

    def grad_of(shape):
        return torch.from_numpy(rng.standard_normal(shape, dtype=np.float32))

    dy = {s: grad_of(s) for s in [(BATCH, 16, 24, 24), (BATCH, 16, 12, 12), (BATCH, 32, 8, 8),
                                  (BATCH, 32, 4, 4)]}
    kept = {}

    def forward(name, fn):
        def run():
            kept[name] = fn()
        return run

    def backward(name, inputs, shape):
        return lambda: torch.autograd.grad(kept[name], inputs, dy[shape])

    net = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Conv2d(16, 32, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Flatten(), torch.nn.Linear(512, 10))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    labels = torch.from_numpy(y)

    def step():
        optimizer.zero_grad()
        F.cross_entropy(net(x), labels).backward()
        optimizer.step()

    def products(operands):
        forward, backward = ([(torch.from_numpy(A), torch.from_numpy(B)) for A, B in pairs]
                             for pairs in operands)
        return (lambda: multiply(forward), lambda: multiply(backward))

    return {
        "conv1 (1->16, 5x5)": (forward("c1", lambda: F.conv2d(x, w1, b1)),
                               backward("c1", [w1, b1], (BATCH, 16, 24, 24))),
        "conv1 products alone": products(operands["conv1 products alone"]),
        "pool1 (2x2)": (forward("p1", lambda: F.max_pool2d(a1, 2)),
                        backward("p1", [a1], (BATCH, 16, 12, 12))),
        "conv2 (16->32, 5x5)": (forward("c2", lambda: F.conv2d(p1, w2, b2)),
                                backward("c2", [p1, w2, b2], (BATCH, 32, 8, 8))),
        "conv2 products alone": products(operands["conv2 products alone"]),
        "pool2 (2x2)": (forward("p2", lambda: F.max_pool2d(a2, 2)),
                        backward("p2", [a2], (BATCH, 32, 4, 4))),
        "training step": (step, None),
    }


def measure(libraries, repeats):
    """{library: {(case, 'forward'|'backward'): [seconds, ...]}}, libraries taking turns."""
    times = {lib: {} for lib in libraries}
    for repeat in range(repeats + 3):  # the first 3 rounds warm up caches and allocators
        for lib, cases in libraries.items():
            for name, (forward, backward) in cases.items():
                t_forward = timed(forward)
                t_backward = timed(backward) if backward else None
                if repeat >= 3:
                    times[lib].setdefault((name, "forward"), []).append(t_forward)
                    if backward:
                        times[lib].setdefault((name, "backward"), []).append(t_backward)
    return times


def matmul_peak(repeats=20, n=1024, library=np.asarray):
    """GFLOP/s of the fastest float32 n x n matrix product: what one BLAS call reaches here,
    in NumPy's BLAS library or (library=torch.from_numpy) in PyTorch's."""
    rng = np.random.default_rng(0)
    A, B = (library(rng.standard_normal((n, n), dtype=np.float32)) for _ in range(2))
    A @ B
    return 2 * n**3 / min(timed(lambda: A @ B) for _ in range(repeats)) / 1e9


def where_the_time_goes(ours, peak, torch_peak=None):
    """Print each layer's share of nnlib's training step and its GFLOP/s against NumPy's peak
    (and PyTorch's, when installed); `ours` maps (case, pass) to seconds."""
    step = ours[("training step", "forward")]
    print(f"\nwhere nnlib's training step ({step * 1e3:.2f} ms) goes; matrix-product peak "
          f"{peak:.1f} GFLOP/s (one thread, float32, 1024 x 1024, NumPy"
          + (f"; PyTorch's: {torch_peak:.1f})" if torch_peak else ")"))
    print(f"{'layer':24}{'forward ms':>11}{'backward ms':>12}{'share':>7}{'GFLOP/s':>9}"
          f"{'of peak':>9}")
    counted = 0.0
    for name in [key[0] for key in ours if key[1] == "forward" and key[0] != "training step"
                 and not key[0].endswith(("products alone", "copies alone"))]:
        forward, backward = ours[(name, "forward")], ours[(name, "backward")]
        counted += forward + backward
        line = f"{name:24}{forward * 1e3:11.2f}{backward * 1e3:12.2f}" \
               f"{(forward + backward) / step:7.0%}"
        if name in CONV_FLOP:
            flop = CONV_FLOP[name] * (1 + BACKWARD_PASSES[name])
            speed = flop / (forward + backward) / 1e9
            line += f"{speed:9.1f}{speed / peak:9.0%}"
        print(line)
    print(f"{'the rest':24}{'':23}{(step - counted) / step:7.0%}"
          "  (ReLU, flatten, linear, loss, update, Python)")


def machine():
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{describe()}, load average {load:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20, help="repetitions per round")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/PyTorch threads (default 1)")
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help="where the comparison is written when PyTorch is installed")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.random((BATCH, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, BATCH)
    cases, operands = nnlib_cases(X, y)
    libraries = {"nnlib": cases}
    if torch is not None:
        torch.set_num_threads(args.threads)
        libraries["PyTorch"] = torch_cases(X, y, operands)
    print(machine()
          + (f", PyTorch {torch.__version__}" if torch else ", PyTorch not installed")
          + f"; {args.threads} thread(s); batch {BATCH}, float32; {args.rounds} rounds of "
          f"{args.repeats} repetitions")
    # fastest[lib][key]: the fastest time of each round
    fastest = {lib: {} for lib in libraries}
    for _ in range(args.rounds):
        for lib, times in measure(libraries, args.repeats).items():
            for key, t in times.items():
                fastest[lib].setdefault(key, []).append(min(t))
    print(f"{'median of the rounds':30}{'nnlib ms':>10}" + (
        f"{'PyTorch ms':>12}{'ratio':>8}{'range':>12}" if torch else ""))
    rows = []
    for key, ours in fastest["nnlib"].items():
        label = key[0] if key[0] == "training step" else f"{key[0]} {key[1]}"
        line = f"{label:30}{np.median(ours) * 1e3:10.2f}"
        if torch is not None and key in fastest["PyTorch"]:
            theirs = fastest["PyTorch"][key]
            ratios = np.array(ours) / np.array(theirs)
            line += (f"{np.median(theirs) * 1e3:12.2f}{np.median(ratios):8.2f}"
                     f"{ratios.min():7.2f}-{ratios.max():.2f}")
            rows.append({"case": label, "nnlib_ms": f"{np.median(ours) * 1e3:.2f}",
                         "pytorch_ms": f"{np.median(theirs) * 1e3:.2f}",
                         "ratio": f"{np.median(ratios):.2f}", "ratio_low": f"{ratios.min():.2f}",
                         "ratio_high": f"{ratios.max():.2f}", "rounds": args.rounds,
                         "repeats": args.repeats,
                         "machine": f"{describe()}, PyTorch {torch.__version__}"})
        elif torch is not None:  # timed in nnlib only
            rows.append({"case": label, "nnlib_ms": f"{np.median(ours) * 1e3:.2f}",
                         "rounds": args.rounds, "repeats": args.repeats,
                         "machine": f"{describe()}, PyTorch {torch.__version__}"})
        print(line)
    where_the_time_goes({key: np.median(t) for key, t in fastest["nnlib"].items()},
                        matmul_peak(), torch and matmul_peak(library=torch.from_numpy))
    if rows and args.output:
        update_rows(args.output, rows, key_columns=("machine",))  # the last run on each
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
