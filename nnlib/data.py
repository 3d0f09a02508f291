"""Datasets: MNIST (see `nnlib.mnist`) and small seeded toy sets.

Conventions: inputs are (N, D) with one sample per row; class labels are integers (N,) unless
one-hot encoding is asked for, which gives (N, K).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import integer, number, positive_int
from .activations import step
from .labels import one_hot
from .mnist import MnistDownloadError, MnistFileError, load_mnist

__all__ = ["MnistDownloadError", "MnistFileError", "blobs", "load_mnist", "one_hot",
           "random_affine", "random_shifts", "regression_1d", "spirals", "xor"]


def xor():
    """The four XOR points: X (4, 2) float64, rows [0,0], [0,1], [1,0], [1,1]; y (4,) int64
    [0, 1, 1, 0]. No straight line separates the 1s from the 0s."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def blobs(n_per_class=100, seed=0, spread=1.0):
    """Three Gaussian blobs: X (3 * n_per_class, 2) float64, y (3 * n_per_class,) int64 in 0..2.

    The centres sit on a circle of radius 3 (at 90, 210 and 330 degrees) and `spread` is each
    blob's standard deviation: at 1.0 the classes are well separated with a little overlap.
    Exactly n_per_class points per class, in shuffled order.
    """
    n_per_class = positive_int(n_per_class, "n_per_class")
    spread = number(spread, "spread")
    rng = np.random.default_rng(seed)
    angles = np.pi / 2 + 2 * np.pi * np.arange(3) / 3
    centres = 3.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    y = np.repeat(np.arange(3, dtype=np.int64), n_per_class)
    X = centres[y] + spread * rng.standard_normal((len(y), 2))
    return _shuffled(X, y, rng)


def spirals(n_per_class=100, noise=0.2, seed=0):
    """Two interleaved spirals: X (2 * n_per_class, 2) float64, y (2 * n_per_class,) int64 in 0..1.

    Each arm makes 1.5 turns while its radius grows from 0.15 to 1.5, so the points lie roughly
    within [-1.5, 1.5]; arm 1 is arm 0 turned by half a turn. `noise` is the standard deviation,
    in radians, of Gaussian noise added to each point's angle. Shuffled order.
    """
    n_per_class = positive_int(n_per_class, "n_per_class")
    noise = number(noise, "noise")
    rng = np.random.default_rng(seed)
    t = np.tile(np.linspace(0.1, 1.0, n_per_class), 2)  # position along the arm
    y = np.repeat(np.arange(2, dtype=np.int64), n_per_class)
    angle = 3 * np.pi * t + np.pi * y + noise * rng.standard_normal(len(y))
    radius = 1.5 * t
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return _shuffled(X, y, rng)


REGRESSION_TARGETS = {"square": np.square, "sin": np.sin, "abs": np.abs, "step": step}


def regression_1d(target, n=200, low=-3.0, high=3.0, noise=0.0, seed=0):
    """A 1-D function to fit: x (n, 1) float64, evenly spaced and sorted over [low, high], and
    t (n, 1) float64 = target(x) plus Gaussian noise of standard deviation `noise`.

    target: "square" (x^2), "sin" (sin x), "abs" (|x|) or "step" (0 for x < 0, 1 for x >= 0).
    """
    if target not in REGRESSION_TARGETS:
        raise ValueError(
            f"unknown target {target!r}; valid names are {', '.join(REGRESSION_TARGETS)}"
        )
    n = positive_int(n, "n")
    noise = number(noise, "noise")
    if not low < high:
        raise ValueError(f"low must be less than high; received low={low}, high={high}")
    rng = np.random.default_rng(seed)
    x = np.linspace(low, high, n).reshape(n, 1)
    t = REGRESSION_TARGETS[target](x) + noise * rng.standard_normal((n, 1))
    return x, t


def _shuffled(X, y, rng):
    """X (N, D) and y (N,) with their rows in the same random order."""
    order = rng.permutation(len(y))
    return X[order], y[order]


def random_shifts(pixels):
    """Data augmentation for `fit(..., augment=random_shifts(pixels))`: a function (X, rng) that
    moves each image of a batch X (N, C, H, W) by its own random number of rows and of columns,
    each drawn from -pixels..pixels, with zeros (blank paper) coming in at the edges."""
    pixels = integer(pixels, "pixels")

    def shift(X, rng):
        if X.ndim != 4:
            raise ValueError(f"random_shifts expects images (N, C, H, W); received shape {X.shape}")
        N, _, H, W = X.shape
        p = pixels
        padded = np.pad(X, ((0, 0), (0, 0), (p, p), (p, p)))
        windows = sliding_window_view(padded, (H, W), axis=(2, 3))  # (N, C, 2p+1, 2p+1, H, W)
        top, left = rng.integers(0, 2 * p + 1, size=(2, N))        # window (p, p): no shift
        return windows[np.arange(N), :, top, left]
    return shift


def random_affine(degrees=10.0, scale=0.1, pixels=2.0):
    """Data augmentation for `fit(..., augment=random_affine())`: a function (X, rng) that turns
    each image of a batch X (N, C, H, W) about its centre by its own random angle in
    [-degrees, degrees], scales it by a factor in [1 - scale, 1 + scale] and moves it by up to
    `pixels` rows and columns (not necessarily whole ones), all drawn uniformly. Each output pixel
    is read from the input by bilinear interpolation between its four nearest pixels, with zeros
    (blank paper) outside the image."""
    degrees, scale = number(degrees, "degrees"), number(scale, "scale", below=1)
    pixels = number(pixels, "pixels")

    def transform(X, rng):
        if X.ndim != 4:
            raise ValueError(f"random_affine expects images (N, C, H, W); received shape "
                             f"{X.shape}")
        N, C, H, W = X.shape
        angle = np.radians(rng.uniform(-degrees, degrees, N))
        factor = rng.uniform(1 - scale, 1 + scale, N)
        shift = rng.uniform(-pixels, pixels, (2, N))
        # Where each output pixel comes from: the inverse map, p_in = R(-angle) (p_out - c - t) /
        # factor + c, for the pixel centres p = (row, column) and the image's centre c.
        cos, sin = np.cos(angle) / factor, np.sin(angle) / factor
        rows, cols = np.mgrid[:H, :W].reshape(2, 1, H * W).astype(float)
        r = rows - (H - 1) / 2 - shift[0][:, None]
        c = cols - (W - 1) / 2 - shift[1][:, None]
        src_r = cos[:, None] * r - sin[:, None] * c + (H - 1) / 2       # (N, H W)
        src_c = sin[:, None] * r + cos[:, None] * c + (W - 1) / 2
        # A zero border of one pixel stands for everything outside the image.
        padded = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1))).reshape(N, C, -1)
        src_r, src_c = np.clip(src_r, -1, H) + 1, np.clip(src_c, -1, W) + 1
        r0 = np.minimum(np.floor(src_r), H).astype(np.intp)
        c0 = np.minimum(np.floor(src_c), W).astype(np.intp)
        fr, fc = (src_r - r0).astype(X.dtype), (src_c - c0).astype(X.dtype)
        out = np.zeros((N, C, H * W), X.dtype)
        for dr, wr in ((0, 1 - fr), (1, fr)):
            for dc, wc in ((0, 1 - fc), (1, fc)):
                index = ((r0 + dr) * (W + 2) + c0 + dc)[:, None, :]
                out += (wr * wc)[:, None, :] * np.take_along_axis(padded, index, axis=2)
        return out.reshape(X.shape)
    return transform
