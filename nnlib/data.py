"""Datasets: MNIST (bundled, verified, with a download fallback) and small seeded toy sets.

Conventions: inputs are (N, D) with one sample per row; class labels are integers (N,) unless
one-hot encoding is asked for, which gives (N, K).
"""

import gzip
import hashlib
import math
import os
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
import requests
from tqdm import tqdm


def one_hot(y, num_classes):
    """Integer labels (N,) -> one-hot float64 matrix (N, num_classes).

    Raises ValueError when a label is not an integer in [0, num_classes).
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"labels must be a 1-D array of shape (N,); received shape {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError(f"labels must be whole numbers; received dtype {y.dtype}")
        y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"labels must lie in [0, {num_classes - 1}] for {num_classes} classes; "
            f"received values from {y.min()} to {y.max()}"
        )
    out = np.zeros((y.shape[0], num_classes))
    out[np.arange(y.shape[0]), y] = 1.0
    return out


# --------------------------------------------------------------------------------------------
# MNIST
# --------------------------------------------------------------------------------------------

MNIST_FILENAME = "mnist.npz"
MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")

# SHA-256 of the arrays inside mnist.npz (see `_arrays_sha256`), not of the zip file's bytes: a
# file rebuilt from the original IDX files, or compressed by another zlib, verifies the same way.
MNIST_SHA256 = "e5ea4841dd6fde90b155843179ce5756a4864227194eec7fb09d7cfc4cf702a5"

# Images per digit 0..9 in the official MNIST sets.
MNIST_CLASS_COUNTS = {
    "train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    "test": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}

# The download fallback: the mirrors torchvision and TensorFlow use, tried in order, and the
# published MD5 of each original IDX file.
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
MNIST_IDX_FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions (N, rows, columns)
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension (N,)
DOWNLOAD_TIMEOUT = 30  # seconds to wait for a connection, and for each chunk of the body

_REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_verified_files = set()  # (path, size, mtime) of files whose SHA-256 was checked in this process


class MnistFileError(RuntimeError):
    """mnist.npz exists but cannot be read or does not hold the expected arrays."""


class MnistDownloadError(RuntimeError):
    """An original MNIST file could not be downloaded from any mirror."""


def load_mnist(validation_size=10000, dtype=np.float32, flatten=True, one_hot_labels=False,
               data_dir=None):
    """MNIST as ((X_train, y_train), (X_val, y_val), (X_test, y_test)), pixels scaled to [0, 1].

    validation_size: images held out for validation, taken from the END of the 60000 official
        training images, so the split is the same every time and the default (10000) is the
        classic 50000/10000 split of `mnist.pkl.gz`. 0 gives empty validation arrays.
    dtype: floating type of the pixels (float32 by default: half the memory of float64 and about
        twice as fast to train on). Each pixel is the nearest float to byte / 255.
    flatten: True gives X of shape (N, 784), one image per row; False gives (N, 28, 28).
    one_hot_labels: False gives y as int64 digits (N,); True gives one-hot rows (N, 10) in `dtype`.
    data_dir: folder holding mnist.npz. By default: `data/` beside the package in a clone of the
        repository, else $NNLIB_DATA, else ~/.cache/nnlib ($XDG_CACHE_HOME/nnlib if that is set).

    Shapes with the defaults: X_train (50000, 784), X_val (10000, 784), X_test (10000, 784);
    y_train (50000,), y_val (10000,), y_test (10000,).

    The file's content is checked against MNIST_SHA256 (once per process); a damaged file raises
    MnistFileError saying how to repair it. A missing file is rebuilt from the original IDX
    files, downloaded from MNIST_MIRRORS.
    """
    _check_validation_size_type(validation_size)
    dtype = _floating_dtype(dtype)
    folder = _mnist_folder(data_dir)
    path = folder / MNIST_FILENAME
    if not path.exists():
        _download_mnist(folder)
    arrays = _read_verified(path)

    n_images = len(arrays["x_train"])
    n_train = n_images - _check_validation_size_range(validation_size, n_images)
    X = _scale_pixels(arrays["x_train"], dtype, flatten)
    X_test = _scale_pixels(arrays["x_test"], dtype, flatten)
    y = _labels(arrays["y_train"], dtype, one_hot_labels)
    y_test = _labels(arrays["y_test"], dtype, one_hot_labels)
    return (X[:n_train], y[:n_train]), (X[n_train:], y[n_train:]), (X_test, y_test)


def _check_validation_size_type(validation_size):
    if isinstance(validation_size, bool) or not isinstance(validation_size, int | np.integer):
        raise TypeError(
            f"validation_size must be an integer; received {validation_size!r} "
            f"of type {type(validation_size).__name__}"
        )


def _check_validation_size_range(validation_size, n_images):
    """Return validation_size if 0 <= validation_size < n_images, else raise ValueError."""
    if not 0 <= validation_size < n_images:
        raise ValueError(
            f"validation_size must be in [0, {n_images - 1}] (it is taken from the {n_images} "
            f"training images); received {validation_size}"
        )
    return int(validation_size)


def _floating_dtype(dtype):
    """np.dtype(dtype) if it is a floating type, else TypeError."""
    message = f"dtype must be a floating type such as np.float32 or np.float64; received {dtype!r}"
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(message) from None
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(message)
    return dtype


def _scale_pixels(images, dtype, flatten):
    """uint8 images (N, 28, 28) -> `dtype` array in [0, 1], (N, 784) if flatten else (N, 28, 28).

    Divides in place, so there is no second full-size temporary; dividing is as fast as
    multiplying by 1/255 and gives the correctly rounded byte / 255.
    """
    X = images.astype(dtype)
    X /= 255
    return X.reshape(len(X), -1) if flatten else X


def _labels(y, dtype, one_hot_labels):
    """uint8 digits (N,) -> int64 (N,), or one-hot (N, 10) in `dtype`."""
    y = y.astype(np.int64)
    return one_hot(y, 10).astype(dtype, copy=False) if one_hot_labels else y


def _mnist_folder(data_dir):
    """The folder that holds (or will hold) mnist.npz; see `load_mnist`."""
    if data_dir is not None:
        return Path(data_dir)
    if (_REPO_DATA_DIR / "README.md").is_file():  # a clone of the repository
        return _REPO_DATA_DIR
    if os.environ.get("NNLIB_DATA"):
        return Path(os.environ["NNLIB_DATA"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "nnlib"


def _read_verified(path):
    """The four arrays of mnist.npz as a dict, after checking their SHA-256 (once per process)."""
    try:
        with np.load(path) as npz:
            arrays = {key: npz[key] for key in MNIST_KEYS}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise MnistFileError(_repair_message(path, f"it cannot be read ({error})")) from error
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _verified_files:
        found = _arrays_sha256(arrays)
        if found != MNIST_SHA256:
            raise MnistFileError(_repair_message(
                path, f"its arrays have SHA-256 {found}, expected {MNIST_SHA256}"))
        _verified_files.add(key)
    return arrays


def _arrays_sha256(arrays):
    """SHA-256 of the MNIST arrays: for each key in MNIST_KEYS, a line "name dtype shape" and then
    the array's bytes in C order. The same arrays give the same hash however they were stored."""
    digest = hashlib.sha256()
    for key in MNIST_KEYS:
        array = np.ascontiguousarray(arrays[key])
        digest.update(f"{key} {array.dtype.str} {array.shape}\n".encode())
        digest.update(array.reshape(-1).data)
    return digest.hexdigest()


def _repair_message(path, problem):
    return (
        f"{path} is damaged: {problem}. To repair it, restore it (in a clone of the repository: "
        f"`git checkout -- data/{MNIST_FILENAME}`), or delete it and call load_mnist() again, "
        f"which downloads the original MNIST files and rebuilds it."
    )


def _save_npz(path, arrays):
    """Write `arrays` to `path` with np.savez_compressed, atomically: a temporary file in the same
    folder, renamed over `path` only once complete. The bytes are reproducible: NumPy stamps
    every entry with the fixed zip date 1980-01-01."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez_compressed(file, **arrays)
        os.chmod(tmp, 0o644)  # mkstemp creates files readable by their owner only
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


# ---- download fallback ---------------------------------------------------------------------

def _download_mnist(folder):
    """Download the four IDX files into `folder`, convert them to mnist.npz, remove them.

    A file already in `folder` with the right MD5 is used as it is. On failure the files that
    did verify stay, so the next attempt (or a file put there by hand) completes the set.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / name for name in MNIST_IDX_FILES}
    for name, path in paths.items():
        if not _md5_matches(path, MNIST_IDX_FILES[name]):
            _download_file(path, MNIST_IDX_FILES[name])
    arrays = {
        "x_train": _read_idx(paths["train-images-idx3-ubyte.gz"], IDX_IMAGES_MAGIC),
        "y_train": _read_idx(paths["train-labels-idx1-ubyte.gz"], IDX_LABELS_MAGIC),
        "x_test": _read_idx(paths["t10k-images-idx3-ubyte.gz"], IDX_IMAGES_MAGIC),
        "y_test": _read_idx(paths["t10k-labels-idx1-ubyte.gz"], IDX_LABELS_MAGIC),
    }
    for split in ("train", "test"):
        n_images, n_labels = len(arrays[f"x_{split}"]), len(arrays[f"y_{split}"])
        if n_images != n_labels:
            raise ValueError(f"MNIST {split} set: {n_images} images but {n_labels} labels")
    _save_npz(folder / MNIST_FILENAME, arrays)
    for path in paths.values():
        path.unlink()


def _md5_matches(path, md5):
    if not path.is_file():
        return False
    digest = hashlib.md5()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == md5


def _download_file(path, md5):
    """Fetch path.name from the first mirror in MNIST_MIRRORS that delivers it with this MD5."""
    failures = []
    for mirror in MNIST_MIRRORS:
        url = mirror + path.name
        try:
            _fetch(url, path, md5)
            return
        except (requests.RequestException, _BadDownload) as error:
            failures.append(f"  {url}: {error}")
    urls = " or ".join(mirror + path.name for mirror in MNIST_MIRRORS)
    raise MnistDownloadError(
        f"could not download {path.name} from any mirror:\n" + "\n".join(failures) + "\n"
        f"Download {urls} yourself (MD5 {md5}), put it in {path.parent}, and call "
        f"load_mnist() again. (In a clone of the repository, `git checkout -- data/"
        f"{MNIST_FILENAME}` restores the converted file instead.)"
    )


class _BadDownload(Exception):
    """A download finished but its body is incomplete or has the wrong checksum."""


def _fetch(url, path, md5):
    """Stream `url` into a temporary file beside `path`; rename it to `path` once its size and MD5
    are right. The temporary file never outlives the call."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        digest = hashlib.md5()
        received = 0
        with (
            os.fdopen(fd, "wb") as file,
            requests.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT,
                         headers={"Accept-Encoding": "identity"}) as response,
        ):
            response.raise_for_status()
            expected = response.headers.get("Content-Length")
            total = int(expected) if expected and expected.isdigit() else None
            with tqdm(total=total, unit="B", unit_scale=True, desc=path.name, leave=False) as bar:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    file.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
        if total is not None and received != total:
            raise _BadDownload(f"body truncated: received {received} of {total} bytes")
        if digest.hexdigest() != md5:
            raise _BadDownload(f"MD5 mismatch: received {digest.hexdigest()}, expected {md5}")
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _read_idx(path, magic):
    """The uint8 array in a gzipped IDX file, after checking its magic number and size."""
    with gzip.open(path, "rb") as file:
        data = file.read()
    found = struct.unpack(">I", data[:4])[0] if len(data) >= 4 else None
    if found != magic:
        raise ValueError(f"{path.name}: magic number {found}, expected {magic}")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path.name}: {len(data)} bytes, too short for its {header}-byte header")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = header + math.prod(shape)
    if len(data) != expected:
        raise ValueError(
            f"{path.name}: {len(data)} bytes, expected {expected} for an IDX array of shape {shape}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


# --------------------------------------------------------------------------------------------
# Toy datasets
# --------------------------------------------------------------------------------------------

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
    _check_count("n_per_class", n_per_class)
    _check_nonnegative("spread", spread)
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
    _check_count("n_per_class", n_per_class)
    _check_nonnegative("noise", noise)
    rng = np.random.default_rng(seed)
    t = np.tile(np.linspace(0.1, 1.0, n_per_class), 2)  # position along the arm
    y = np.repeat(np.arange(2, dtype=np.int64), n_per_class)
    angle = 3 * np.pi * t + np.pi * y + noise * rng.standard_normal(len(y))
    radius = 1.5 * t
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return _shuffled(X, y, rng)


def _step(x):
    return np.where(x >= 0, 1.0, 0.0)


REGRESSION_TARGETS = {"square": np.square, "sin": np.sin, "abs": np.abs, "step": _step}


def regression_1d(target, n=200, low=-3.0, high=3.0, noise=0.0, seed=0):
    """A 1-D function to fit: x (n, 1) float64, evenly spaced and sorted over [low, high], and
    t (n, 1) float64 = target(x) plus Gaussian noise of standard deviation `noise`.

    target: "square" (x^2), "sin" (sin x), "abs" (|x|) or "step" (0 for x < 0, 1 for x >= 0).
    """
    if target not in REGRESSION_TARGETS:
        raise ValueError(
            f"unknown target {target!r}; valid names are {', '.join(REGRESSION_TARGETS)}"
        )
    _check_count("n", n)
    _check_nonnegative("noise", noise)
    if not low < high:
        raise ValueError(f"low must be less than high; received low={low}, high={high}")
    rng = np.random.default_rng(seed)
    x = np.linspace(low, high, n).reshape(n, 1)
    t = REGRESSION_TARGETS[target](x) + noise * rng.standard_normal((n, 1))
    return x, t


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer; received {value!r}")


def _check_nonnegative(name, value):
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0; received {value!r}")


def _shuffled(X, y, rng):
    """X (N, D) and y (N,) with their rows in the same random order."""
    order = rng.permutation(len(y))
    return X[order], y[order]
