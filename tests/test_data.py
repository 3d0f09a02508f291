"""Tests for nnlib.data: the committed MNIST file, load_mnist, its download fallback (against a
local HTTP server; nothing here touches the internet), and the toy datasets."""

import gzip
import hashlib
import http.server
import shutil
import socket
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nnlib import data
from nnlib import mnist as mnist_files

COMMITTED = Path(__file__).resolve().parent.parent / "data" / "mnist.npz"
COMMITTED_SHA256 = "e5ea4841dd6fde90b155843179ce5756a4864227194eec7fb09d7cfc4cf702a5"
OFFICIAL_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
OFFICIAL_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
IDX_NAMES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]


# ---- small stand-ins for MNIST ---------------------------------------------------------------

def make_toy_arrays():
    """12 training and 5 test images of 28 x 28 random bytes (0 and 255 included), digits 0-9."""
    rng = np.random.default_rng(7)
    x_train = rng.integers(0, 256, size=(12, 28, 28), dtype=np.uint8)
    x_train[0, 0, :2] = [0, 255]
    return {
        "x_train": x_train,
        "y_train": (np.arange(12) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8),
        "y_test": np.array([3, 1, 4, 1, 5], dtype=np.uint8),
    }


def idx_gz(array, magic):
    """A gzipped IDX file holding a uint8 array, written here independently of nnlib's reader."""
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", n) for n in array.shape)
    return gzip.compress(header + array.tobytes(), mtime=0)


def make_idx_files(arrays):
    """{file name: gzipped IDX bytes} for the four MNIST files."""
    return {
        "train-images-idx3-ubyte.gz": idx_gz(arrays["x_train"], 2051),
        "train-labels-idx1-ubyte.gz": idx_gz(arrays["y_train"], 2049),
        "t10k-images-idx3-ubyte.gz": idx_gz(arrays["x_test"], 2051),
        "t10k-labels-idx1-ubyte.gz": idx_gz(arrays["y_test"], 2049),
    }


TOY = make_toy_arrays()
TOY_FILES = make_idx_files(TOY)


def files_in(folder):
    return sorted(path.name for path in Path(folder).iterdir())


@pytest.fixture
def toy_checksums(monkeypatch):
    """Point nnlib.data's checksums at the toy files; forget which files were verified."""
    monkeypatch.setattr(mnist_files, "MNIST_SHA256", mnist_files._arrays_sha256(TOY))
    monkeypatch.setattr(mnist_files, "MNIST_IDX_FILES",
                        {name: hashlib.md5(body).hexdigest() for name, body in TOY_FILES.items()})
    monkeypatch.setattr(mnist_files, "_verified_files", set())


@pytest.fixture
def toy_npz(tmp_path, toy_checksums):
    """A folder holding a toy mnist.npz that load_mnist accepts."""
    mnist_files._save_npz(tmp_path / "mnist.npz", TOY)
    return tmp_path


# ---- a local HTTP server -------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    """Serves self.server.routes: path -> (status, body, content_length, delay_seconds)."""

    def do_GET(self):
        self.server.requests.append(self.path)
        status, body, length, delay = self.server.routes.get(self.path, (404, b"", None, 0))
        time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (timeout test)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.routes, httpd.requests = {}, []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def mirror(server, name):
    return f"http://127.0.0.1:{server.server_address[1]}/{name}/"


def serve(server, name, files=TOY_FILES, status=200, length=None, delay=0):
    """Serve `files` under /name/, each with this status, Content-Length and delay."""
    for file_name, body in files.items():
        server.routes[f"/{name}/{file_name}"] = (status, body, length, delay)


def dead_mirror():
    """The URL of a port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture
def mirrors(server, monkeypatch, toy_checksums):
    """Set the mirror list: mirrors(url1, url2, ...)."""
    monkeypatch.setattr(mnist_files, "DOWNLOAD_TIMEOUT", 2)
    return lambda *urls: monkeypatch.setattr(mnist_files, "MNIST_MIRRORS", urls)


def assert_loads_toy(folder):
    (X_train, y_train), (X_val, y_val), (X_test, y_test) = mnist_files.load_mnist(
        validation_size=2, data_dir=folder)
    np.testing.assert_array_equal(np.rint(X_train * 255), TOY["x_train"][:10].reshape(10, -1))
    np.testing.assert_array_equal(np.rint(X_val * 255), TOY["x_train"][10:].reshape(2, -1))
    np.testing.assert_array_equal(np.rint(X_test * 255), TOY["x_test"].reshape(5, -1))
    np.testing.assert_array_equal(y_train, TOY["y_train"][:10])
    np.testing.assert_array_equal(y_val, TOY["y_train"][10:])
    np.testing.assert_array_equal(y_test, TOY["y_test"])


# ---- download fallback ---------------------------------------------------------------------

def test_download_builds_the_file_and_leaves_nothing_else(tmp_path, server, mirrors):
    serve(server, "a")
    mirrors(mirror(server, "a"), mirror(server, "b"))
    assert_loads_toy(tmp_path)
    assert files_in(tmp_path) == ["mnist.npz"]
    assert sorted(server.requests) == sorted(f"/a/{name}" for name in IDX_NAMES)


def test_download_reads_the_idx_files_exactly(tmp_path, server, mirrors):
    serve(server, "a")
    mirrors(mirror(server, "a"))
    mnist_files._download_mnist(tmp_path)
    with np.load(tmp_path / "mnist.npz") as npz:
        for key in mnist_files.MNIST_KEYS:
            assert npz[key].dtype == np.uint8
            np.testing.assert_array_equal(npz[key], TOY[key])


def corrupted(body):
    flipped = bytearray(body)
    flipped[len(flipped) // 2] ^= 0xFF
    return bytes(flipped)


@pytest.mark.parametrize("failure", ["checksum", "http 500", "content-length", "cut gzip",
                                     "timeout", "dead port"])
def test_a_failing_first_mirror_falls_through_to_the_second(tmp_path, server, mirrors, failure,
                                                            monkeypatch):
    if failure == "checksum":
        serve(server, "a", {name: corrupted(body) for name, body in TOY_FILES.items()})
    elif failure == "http 500":
        serve(server, "a", status=500)
    elif failure == "content-length":  # the body stops before the announced length
        for name, body in TOY_FILES.items():
            serve(server, "a", {name: body}, length=len(body) + 100)
    elif failure == "cut gzip":
        serve(server, "a", {name: body[: len(body) // 2] for name, body in TOY_FILES.items()})
    elif failure == "timeout":
        serve(server, "a", delay=1.0)
        monkeypatch.setattr(mnist_files, "DOWNLOAD_TIMEOUT", 0.2)
    serve(server, "b")
    first = dead_mirror() if failure == "dead port" else mirror(server, "a")
    mirrors(first, mirror(server, "b"))
    assert_loads_toy(tmp_path)
    assert files_in(tmp_path) == ["mnist.npz"]
    assert sorted(server.requests)[-4:] == sorted(f"/b/{name}" for name in IDX_NAMES)


@pytest.mark.parametrize("second", ["dead port", "content-length"])
def test_every_mirror_failing_gives_a_clear_error_and_no_files(tmp_path, server, mirrors, second):
    serve(server, "a", status=500)
    if second == "content-length":
        for name, body in TOY_FILES.items():
            serve(server, "b", {name: body}, length=len(body) + 100)
    urls = (mirror(server, "a"), dead_mirror() if second == "dead port" else mirror(server, "b"))
    mirrors(*urls)
    with pytest.raises(mnist_files.MnistDownloadError) as error:
        mnist_files.load_mnist(data_dir=tmp_path)
    message = str(error.value)
    assert "could not download 4 MNIST file(s)" in message  # every missing file, in one message
    for name in TOY_FILES:
        for url in urls:
            assert url + name in message
    assert str(tmp_path) in message
    assert "copy mnist.npz" in message and "NNLIB_DATA" in message  # the ways to fix it by hand
    assert files_in(tmp_path) == []


def test_verified_files_already_there_are_used_without_downloading(tmp_path, mirrors):
    mirrors(dead_mirror())
    for name, body in TOY_FILES.items():
        (tmp_path / name).write_bytes(body)
    assert_loads_toy(tmp_path)
    assert files_in(tmp_path) == ["mnist.npz"]


def test_read_idx_checks_magic_number_and_size(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(TOY_FILES["train-labels-idx1-ubyte.gz"])
    np.testing.assert_array_equal(mnist_files._read_idx(path, 2049), TOY["y_train"])
    with pytest.raises(ValueError, match="magic number 2049, expected 2051"):
        mnist_files._read_idx(path, 2051)
    path.write_bytes(gzip.compress(struct.pack(">II", 2049, 13) + bytes(12)))
    with pytest.raises(ValueError, match="20 bytes, expected 21"):
        mnist_files._read_idx(path, 2049)
    path.write_bytes(gzip.compress(struct.pack(">III", 2051, 2, 2)))
    with pytest.raises(ValueError, match="too short"):
        mnist_files._read_idx(path, 2051)


# ---- the committed file --------------------------------------------------------------------

def test_committed_file_holds_mnist():
    with np.load(COMMITTED) as npz:
        arrays = {key: npz[key] for key in npz.files}
    assert sorted(arrays) == sorted(mnist_files.MNIST_KEYS)
    assert arrays["x_train"].shape == (60000, 28, 28)
    assert arrays["y_train"].shape == (60000,)
    assert arrays["x_test"].shape == (10000, 28, 28)
    assert arrays["y_test"].shape == (10000,)
    assert all(array.dtype == np.uint8 for array in arrays.values())
    assert mnist_files._arrays_sha256(arrays) == COMMITTED_SHA256 == mnist_files.MNIST_SHA256
    assert np.bincount(arrays["y_train"]).tolist() == OFFICIAL_TRAIN_COUNTS
    assert np.bincount(arrays["y_test"]).tolist() == OFFICIAL_TEST_COUNTS
    assert arrays["y_train"][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert arrays["y_test"][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


@pytest.fixture(scope="module")
def mnist():
    with np.load(COMMITTED) as npz:
        raw = {key: npz[key] for key in npz.files}
    return raw, mnist_files.load_mnist()


def test_load_mnist_defaults(mnist):
    raw, ((X_train, y_train), (X_val, y_val), (X_test, y_test)) = mnist
    assert (X_train.shape, X_val.shape, X_test.shape) == ((50000, 784), (10000, 784), (10000, 784))
    assert (y_train.shape, y_val.shape, y_test.shape) == ((50000,), (10000,), (10000,))
    assert X_train.dtype == X_val.dtype == X_test.dtype == np.float32
    assert y_train.dtype == y_val.dtype == y_test.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    # The validation set is the last 10000 training images, the training set the first 50000
    # (every 25th compared, to keep the test fast).
    def pixels(images):
        return images.reshape(len(images), -1) / np.float32(255)

    np.testing.assert_array_equal(X_val, pixels(raw["x_train"][50000:]))
    np.testing.assert_array_equal(X_train[::25], pixels(raw["x_train"][:50000:25]))
    np.testing.assert_array_equal(X_test, pixels(raw["x_test"]))
    np.testing.assert_array_equal(np.concatenate([y_train, y_val]), raw["y_train"])
    np.testing.assert_array_equal(y_test, raw["y_test"])


def test_load_mnist_options_on_the_real_file(mnist):
    raw, ((X_train, _), _, _) = mnist
    (images, Y_train), (X_val, Y_val), (_, Y_test) = mnist_files.load_mnist(
        validation_size=0, flatten=False, one_hot_labels=True)
    assert images.shape == (60000, 28, 28) and X_val.shape == (0, 28, 28)
    assert Y_train.shape == (60000, 10) and Y_val.shape == (0, 10) and Y_test.shape == (10000, 10)
    np.testing.assert_array_equal(images[:50000:25].reshape(-1, 784), X_train[::25])
    np.testing.assert_array_equal(Y_train.argmax(axis=1), raw["y_train"])
    np.testing.assert_array_equal(Y_test.sum(axis=1), 1)


def test_the_validation_split_is_the_same_every_time(toy_npz):
    first = mnist_files.load_mnist(validation_size=4, data_dir=toy_npz)
    second = mnist_files.load_mnist(validation_size=4, data_dir=toy_npz)
    for (X1, y1), (X2, y2) in zip(first, second):
        np.testing.assert_array_equal(X1, X2)
        np.testing.assert_array_equal(y1, y2)
    (X_train, _), (X_val, _), _ = first
    assert len(X_train) == 8 and len(X_val) == 4
    np.testing.assert_array_equal(np.rint(X_val * 255), TOY["x_train"][8:].reshape(4, -1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("flatten", [True, False])
def test_dtype_and_flatten_options(toy_npz, dtype, flatten):
    (X_train, _), (X_val, _), (X_test, _) = mnist_files.load_mnist(
        validation_size=3, dtype=dtype, flatten=flatten, data_dir=toy_npz)
    shape = (784,) if flatten else (28, 28)
    assert X_train.shape == (9, *shape) and X_val.shape == (3, *shape)
    assert X_test.shape == (5, *shape)
    assert X_train.dtype == X_val.dtype == X_test.dtype == dtype
    expected = (TOY["x_train"][:9] / 255).astype(dtype).reshape(9, *shape)
    np.testing.assert_array_equal(X_train, expected)
    assert X_train.min() == 0 and X_train.max() == 1


def test_one_hot_option(toy_npz):
    (_, Y_train), (_, Y_val), (_, Y_test) = mnist_files.load_mnist(
        validation_size=2, one_hot_labels=True, data_dir=toy_npz)
    assert Y_train.shape == (10, 10) and Y_val.shape == (2, 10) and Y_test.shape == (5, 10)
    assert Y_train.dtype == np.float32
    np.testing.assert_array_equal(Y_train, np.eye(10, dtype=np.float32)[TOY["y_train"][:10]])
    np.testing.assert_array_equal(Y_test.argmax(axis=1), TOY["y_test"])


def test_the_checksum_is_computed_once_per_file(toy_npz, monkeypatch):
    calls = []
    original = mnist_files._arrays_sha256
    monkeypatch.setattr(mnist_files, "_arrays_sha256",
                        lambda arrays: calls.append(1) or original(arrays))
    mnist_files.load_mnist(validation_size=2, data_dir=toy_npz)
    mnist_files.load_mnist(validation_size=2, data_dir=toy_npz)
    assert len(calls) == 1


# ---- damaged files -------------------------------------------------------------------------

def assert_repair_message(path):
    with pytest.raises(mnist_files.MnistFileError) as error:
        mnist_files.load_mnist(data_dir=path.parent)
    message = str(error.value)
    assert str(path) in message
    assert "git checkout -- data/mnist.npz" in message and "delete it" in message


def test_a_corrupted_copy_of_the_committed_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(mnist_files, "_verified_files", set())
    path = tmp_path / "mnist.npz"
    shutil.copyfile(COMMITTED, path)
    body = bytearray(path.read_bytes())
    for offset in range(len(body) // 2, len(body) // 2 + 64):
        body[offset] ^= 0xFF
    path.write_bytes(body)
    assert_repair_message(path)


def test_different_arrays_are_refused_by_their_sha256(toy_npz):
    changed = dict(TOY, x_train=TOY["x_train"].copy())
    changed["x_train"][3, 14, 14] ^= 1
    mnist_files._save_npz(toy_npz / "mnist.npz", changed)
    assert_repair_message(toy_npz / "mnist.npz")


@pytest.mark.parametrize("content", [b"not a zip file", b""])
def test_an_unreadable_file_is_refused(toy_npz, content):
    (toy_npz / "mnist.npz").write_bytes(content)
    assert_repair_message(toy_npz / "mnist.npz")


def test_a_file_missing_an_array_is_refused(toy_npz):
    mnist_files._save_npz(toy_npz / "mnist.npz", {k: v for k, v in TOY.items() if k != "y_test"})
    assert_repair_message(toy_npz / "mnist.npz")


def test_save_npz_is_reproducible_and_leaves_no_temporary_file(tmp_path):
    mnist_files._save_npz(tmp_path / "a.npz", TOY)
    mnist_files._save_npz(tmp_path / "b.npz", TOY)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert files_in(tmp_path) == ["a.npz", "b.npz"]


class Unsavable:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("cannot be converted")


def test_save_npz_cleans_up_when_writing_fails(tmp_path):
    with pytest.raises(RuntimeError, match="cannot be converted"):
        mnist_files._save_npz(tmp_path / "a.npz",
                              {"x_train": TOY["x_train"], "y_train": Unsavable()})
    assert files_in(tmp_path) == []


# ---- arguments and the data folder ---------------------------------------------------------

@pytest.mark.parametrize("bad", [2.5, "10", True, None])
def test_validation_size_must_be_an_integer(bad):
    with pytest.raises(TypeError, match=rf"validation_size must be an integer; received {bad!r}"):
        mnist_files.load_mnist(validation_size=bad)


@pytest.mark.parametrize("bad", [-1, 12, 100])
def test_validation_size_must_leave_training_images(toy_npz, bad):
    with pytest.raises(ValueError, match=rf"in \[0, 11\].*12 training images.*received {bad}"):
        mnist_files.load_mnist(validation_size=bad, data_dir=toy_npz)


@pytest.mark.parametrize("bad", [np.int32, "uint8", bool, "no such type", np.float16])
def test_dtype_must_be_floating(bad):
    with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64; received"):
        mnist_files.load_mnist(dtype=bad)


def test_data_folder_lookup(tmp_path, monkeypatch):
    assert mnist_files._mnist_folder(tmp_path) == tmp_path
    monkeypatch.delenv("NNLIB_DATA", raising=False)
    assert mnist_files._mnist_folder(None) == COMMITTED.parent  # in this clone
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path / "env"))
    assert mnist_files._mnist_folder(None) == tmp_path / "env"  # an explicit setting wins
    monkeypatch.setattr(mnist_files, "_REPO_DATA_DIR", tmp_path / "not a clone")
    assert mnist_files._mnist_folder(None) == tmp_path / "env"
    monkeypatch.delenv("NNLIB_DATA")
    # nnlib installed from a wheel, the lessons run from a clone: its data/ folder is found
    monkeypatch.chdir(COMMITTED.parent.parent / "notebooks")
    assert mnist_files._mnist_folder(None) == COMMITTED.parent
    handout = tmp_path / "handout"                    # tools/make_handout.py's layout
    (handout / "lessons").mkdir(parents=True)
    (handout / "data").mkdir()
    (handout / "data" / "mnist.npz").write_bytes(b"")
    monkeypatch.chdir(handout / "lessons")
    assert mnist_files._mnist_folder(None) == handout / "data"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert mnist_files._mnist_folder(None) == tmp_path / "cache" / "nnlib"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert mnist_files._mnist_folder(None) == Path.home() / ".cache" / "nnlib"


# ---- toy datasets --------------------------------------------------------------------------

def test_xor():
    X, y = data.xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == np.float64 and y.dtype == np.int64


CLASSIFICATION = [(data.blobs, 3), (data.spirals, 2)]


@pytest.mark.parametrize("make, n_classes", CLASSIFICATION)
def test_toy_classification_shapes_labels_and_balance(make, n_classes):
    X, y = make(n_per_class=50)
    assert X.shape == (50 * n_classes, 2) and X.dtype == np.float64
    assert y.shape == (50 * n_classes,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50] * n_classes
    assert not np.all(np.diff(y) >= 0)  # shuffled, not sorted by class
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("make, n_classes", CLASSIFICATION)
def test_toy_classification_is_seeded(make, n_classes):
    X1, y1 = make(seed=3)
    X2, y2 = make(seed=3)
    X3, y3 = make(seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_blobs_are_well_separated_with_a_little_overlap():
    X, y = data.blobs(n_per_class=1000)
    centres = np.array([X[y == k].mean(axis=0) for k in range(3)])
    nearest = np.argmin(((X[:, None, :] - centres) ** 2).sum(axis=2), axis=1)
    accuracy = np.mean(nearest == y)
    assert 0.97 < accuracy < 1.0
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 3.0, atol=0.15)
    assert np.mean(data.blobs(spread=0.3)[0] ** 2) < np.mean(data.blobs(spread=1.0)[0] ** 2)


def test_spirals_fit_the_advertised_box_and_interleave():
    X, y = data.spirals(noise=0.2)
    assert np.abs(X).max() <= 1.5 + 1e-12
    X, y = data.spirals(noise=0.0)
    # Without noise, arm 1 is arm 0 turned by half a turn.
    np.testing.assert_allclose(np.sort(np.linalg.norm(X[y == 0], axis=1)),
                               np.sort(np.linalg.norm(X[y == 1], axis=1)))
    np.testing.assert_allclose(np.sort(X[y == 0][:, 0]), np.sort(-X[y == 1][:, 0]), atol=1e-12)


@pytest.mark.parametrize("target, f", [
    ("square", lambda x: x ** 2), ("sin", np.sin), ("abs", np.abs),
    ("step", lambda x: (x >= 0).astype(float)),
])
def test_regression_1d_targets(target, f):
    x, t = data.regression_1d(target, n=101)
    assert x.shape == t.shape == (101, 1)
    assert x.dtype == t.dtype == np.float64
    np.testing.assert_array_equal(x[:, 0], np.linspace(-3.0, 3.0, 101))
    np.testing.assert_allclose(t, f(x), rtol=0, atol=1e-15)


def test_regression_1d_step_is_one_from_zero_on():
    x, t = data.regression_1d("step", n=3, low=-1.0, high=1.0)
    np.testing.assert_array_equal(t[:, 0], [0.0, 1.0, 1.0])


def test_regression_1d_noise_is_seeded():
    x, clean = data.regression_1d("sin", low=0.0, high=2.0, n=50)
    _, t1 = data.regression_1d("sin", low=0.0, high=2.0, n=50, noise=0.1, seed=1)
    _, t2 = data.regression_1d("sin", low=0.0, high=2.0, n=50, noise=0.1, seed=1)
    _, t3 = data.regression_1d("sin", low=0.0, high=2.0, n=50, noise=0.1, seed=2)
    np.testing.assert_array_equal(t1, t2)
    assert not np.array_equal(t1, t3)
    assert 0.05 < np.std(t1 - clean) < 0.15
    assert x.min() == 0.0 and x.max() == 2.0


def test_regression_1d_unknown_target_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown target 'cube'.*square, sin, abs, step"):
        data.regression_1d("cube")


@pytest.mark.parametrize("call, error, match", [
    (lambda: data.blobs(n_per_class=0), ValueError, "n_per_class must be a positive integer"),
    (lambda: data.spirals(n_per_class=2.5), TypeError, "n_per_class must be a positive integer"),
    (lambda: data.spirals(noise=-0.1), ValueError, "noise must be a finite number >= 0"),
    (lambda: data.blobs(spread=float("nan")), ValueError, "spread must be a finite number >= 0"),
    (lambda: data.blobs(spread="1"), TypeError, "spread must be a finite number >= 0"),
    (lambda: data.regression_1d("sin", n=0), ValueError, "n must be a positive integer"),
    (lambda: data.regression_1d("sin", low=1.0, high=1.0), ValueError,
     "low must be less than high"),
])
def test_toy_datasets_reject_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_importing_nnlib_does_not_import_requests():
    """Only the download fallback needs the network: the core never imports requests."""
    import subprocess
    import sys
    code = ("import sys, nnlib, nnlib.data, nnlib.training, nnlib.mnist; "
            "print('requests' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_random_shifts_move_each_image_by_at_most_the_given_pixels():
    rng = np.random.default_rng(0)
    X = rng.random((200, 2, 5, 6))
    moved = data.random_shifts(1)(X, np.random.default_rng(1))
    assert moved.shape == X.shape and moved.dtype == X.dtype
    seen = set()
    for x, m in zip(X, moved):
        # the one shift (down, right) in -1..1 that explains the moved image, zeros coming in
        matches = []
        for down in (-1, 0, 1):
            for right in (-1, 0, 1):
                expected = np.zeros_like(x)
                expected[:, max(down, 0):5 + min(down, 0), max(right, 0):6 + min(right, 0)] = \
                    x[:, max(-down, 0):5 - max(down, 0), max(-right, 0):6 - max(right, 0)]
                if np.array_equal(m, expected):
                    matches.append((down, right))
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) == 9                                       # every shift occurs
    again = data.random_shifts(1)(X, np.random.default_rng(1))
    assert np.array_equal(again, moved)                         # the generator decides
    assert np.array_equal(data.random_shifts(0)(X, rng), X)


@pytest.mark.parametrize("pixels, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_random_shifts_refuse_a_bad_number_of_pixels(pixels, error):
    with pytest.raises(error, match="pixels must be an integer >= 0"):
        data.random_shifts(pixels)


def test_random_shifts_refuse_flat_images():
    with pytest.raises(ValueError, match=r"expects images \(N, C, H, W\)"):
        data.random_shifts(1)(np.zeros((3, 784)), np.random.default_rng(0))


class _Draws:
    """A stand-in for a generator whose uniform draws are given: angles, factors, shifts."""

    def __init__(self, *draws):
        self.draws = list(draws)

    def uniform(self, low, high, size):
        value = np.broadcast_to(np.asarray(self.draws.pop(0), dtype=float), size)
        assert np.all((low <= value) & (value <= high))
        return value


def test_random_affine_turns_scales_and_moves_as_documented():
    X = np.random.default_rng(0).random((2, 3, 5, 5))
    assert np.array_equal(data.random_affine(0, 0, 0)(X, np.random.default_rng(1)), X)
    turned = data.random_affine(90, 0, 0)(X, _Draws(90, 1, 0))
    np.testing.assert_allclose(turned, np.rot90(X, k=-1, axes=(2, 3)), atol=1e-12)
    moved = data.random_affine(0, 0, 2)(X, _Draws(0, 1, [[1], [-2]]))  # 1 row down, 2 left
    expected = np.zeros_like(X)
    expected[:, :, 1:, :3] = X[:, :, :4, 2:]
    np.testing.assert_allclose(moved, expected, atol=1e-12)
    half = data.random_affine(0, 0, 1)(X, _Draws(0, 1, [[0], [0.5]]))  # half a pixel right
    np.testing.assert_allclose(half[..., 1:], (X[..., 1:] + X[..., :-1]) / 2, atol=1e-12)
    np.testing.assert_allclose(half[..., 0], X[..., 0] / 2, atol=1e-12)  # zeros come in
    dot = np.zeros((1, 1, 5, 5))
    dot[0, 0, 2, 3] = 1                                    # one pixel right of the centre
    bigger = data.random_affine(0, 0.5, 0)(dot, _Draws(0, 1.5, 0))
    np.testing.assert_allclose(bigger[0, 0, 2, 3:], [2 / 3, 2 / 3], atol=1e-12)  # 1.5 from it
    smaller = data.random_affine(0, 0.5, 0)(np.ones((1, 1, 5, 5)), _Draws(0, 0.5, 0))
    assert smaller[0, 0, 2, 2] == 1 and smaller[0, 0, 0, 0] == 0   # the corners read outside


def test_random_affine_gives_each_image_its_own_draw_from_the_generator():
    X = np.tile(np.random.default_rng(0).random((1, 1, 8, 8)), (50, 1, 1, 1)).astype(np.float32)
    out = data.random_affine()(X, np.random.default_rng(1))
    assert out.shape == X.shape and out.dtype == np.float32
    assert len({o.tobytes() for o in out}) == 50                   # 50 different transforms
    assert out.min() >= 0 and out.max() <= X.max() + 1e-6         # weighted averages, zeros
    assert np.array_equal(data.random_affine()(X, np.random.default_rng(1)), out)


@pytest.mark.parametrize("options, error, message", [
    ({"degrees": -1}, ValueError, "degrees must be"), ({"scale": 1}, ValueError, "scale must be"),
    ({"pixels": "2"}, TypeError, "pixels must be")])
def test_random_affine_refuses_bad_settings(options, error, message):
    with pytest.raises(error, match=message):
        data.random_affine(**options)


def test_random_affine_refuses_flat_images():
    with pytest.raises(ValueError, match=r"random_affine expects images \(N, C, H, W\)"):
        data.random_affine()(np.zeros((3, 784)), np.random.default_rng(0))
