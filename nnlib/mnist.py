"""MNIST: the bundled file, verified by its checksum, with a download fallback.

`load_mnist` reads data/mnist.npz (committed to the repository) or a copy in a data folder; when
there is none it downloads the four original IDX files from the mirrors torchvision and TensorFlow
use, checks them against their published MD5 sums, and converts them. Only that fallback needs the
network, so `requests` is imported there and nowhere else.
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

from ._checks import floating_dtype, integer
from .labels import one_hot

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
    data_dir: folder holding mnist.npz. By default: $NNLIB_DATA if that is set, else `data/`
        beside the package in a clone of the repository (an editable install), else a `data/`
        folder holding mnist.npz in the current folder or one of its parents (nnlib installed
        from a wheel, the lessons run from a clone or from tools/make_handout.py's folder),
        else ~/.cache/nnlib ($XDG_CACHE_HOME/nnlib if that is set). Copying mnist.npz into that
        folder works too.

    Shapes with the defaults: X_train (50000, 784), X_val (10000, 784), X_test (10000, 784);
    y_train (50000,), y_val (10000,), y_test (10000,).

    The file's content is checked against MNIST_SHA256 (once per process); a damaged file raises
    MnistFileError saying how to repair it. A missing file is rebuilt from the original IDX
    files, downloaded from MNIST_MIRRORS.
    """
    validation_size = integer(validation_size, "validation_size", minimum=None)
    dtype = floating_dtype(dtype)
    folder = _mnist_folder(data_dir)
    path = folder / MNIST_FILENAME
    if not path.exists():
        _download_mnist(folder)
    arrays = _read_verified(path)

    n_images = len(arrays["x_train"])
    n_train = n_images - _check_validation_size_range(validation_size, n_images)
    X = _scale_pixels(arrays["x_train"], dtype, flatten)
    X_test = _scale_pixels(arrays["x_test"], dtype, flatten)
    y = _digit_labels(arrays["y_train"], dtype, one_hot_labels)
    y_test = _digit_labels(arrays["y_test"], dtype, one_hot_labels)
    return (X[:n_train], y[:n_train]), (X[n_train:], y[n_train:]), (X_test, y_test)


def _check_validation_size_range(validation_size, n_images):
    """Return validation_size if 0 <= validation_size < n_images, else raise ValueError."""
    if not 0 <= validation_size < n_images:
        raise ValueError(
            f"validation_size must be in [0, {n_images - 1}] (it is taken from the {n_images} "
            f"training images); received {validation_size}"
        )
    return int(validation_size)


def _scale_pixels(images, dtype, flatten):
    """uint8 images (N, 28, 28) -> `dtype` array in [0, 1], (N, 784) if flatten else (N, 28, 28).

    Divides in place, so there is no second full-size temporary; dividing is as fast as
    multiplying by 1/255 and gives the correctly rounded byte / 255.
    """
    X = images.astype(dtype)
    X /= 255
    return X.reshape(len(X), -1) if flatten else X


def _digit_labels(y, dtype, one_hot_labels):
    """uint8 digits (N,) -> int64 (N,), or one-hot (N, 10) in `dtype`."""
    y = y.astype(np.int64)
    return one_hot(y, 10, dtype=dtype) if one_hot_labels else y


def _mnist_folder(data_dir):
    """The folder that holds (or will hold) mnist.npz; see `load_mnist`."""
    if data_dir is not None:
        return Path(data_dir)
    if os.environ.get("NNLIB_DATA"):
        return Path(os.environ["NNLIB_DATA"])
    if (_REPO_DATA_DIR / "README.md").is_file():  # nnlib imported from a clone (pip install -e)
        return _REPO_DATA_DIR
    for folder in (Path.cwd(), *Path.cwd().parents):  # a clone's or a hand-out's data/ folder
        if (folder / "data" / MNIST_FILENAME).is_file():
            return folder / "data"
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
    failures = {}
    for name, path in paths.items():
        if not _md5_matches(path, MNIST_IDX_FILES[name]):
            try:
                _download_file(path, MNIST_IDX_FILES[name])
            except _BadDownload as error:
                failures[name] = str(error)
    if failures:
        raise MnistDownloadError(_download_help(folder, failures))
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
    """Fetch path.name from the first mirror in MNIST_MIRRORS that delivers it with this MD5;
    raise _BadDownload listing every mirror's failure if none does."""
    import requests  # only the download fallback needs the network

    failures = []
    for mirror in MNIST_MIRRORS:
        url = mirror + path.name
        try:
            _fetch(url, path, md5)
            return
        except (requests.RequestException, _BadDownload) as error:
            failures.append(f"    {url}: {error}")
    raise _BadDownload("\n".join(failures))


def _download_help(folder, failures):
    """The message for MnistDownloadError: what failed, and every way to fix it by hand."""
    lines = [f"could not download {len(failures)} MNIST file(s) into {folder}:"]
    for name, why in failures.items():
        lines.append(f"  {name} (MD5 {MNIST_IDX_FILES[name]}):\n{why}")
    lines += [
        "To fix it, do one of these and call load_mnist() again:",
        f"  - copy {MNIST_FILENAME} (the repository's data/{MNIST_FILENAME}) into {folder}, or set "
        f"the environment variable NNLIB_DATA to a folder that holds it;",
        f"  - download the file(s) above from {' or '.join(MNIST_MIRRORS)} and put them in "
        f"{folder};",
        f"  - in a clone of the repository, `git checkout -- data/{MNIST_FILENAME}` restores "
        f"the file.",
    ]
    return "\n".join(lines)


class _BadDownload(Exception):
    """A download finished but its body is incomplete or has the wrong checksum."""


def _fetch(url, path, md5):
    """Stream `url` into a temporary file beside `path`; rename it to `path` once its size and MD5
    are right. The temporary file never outlives the call."""
    import requests
    from tqdm import tqdm

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
