"""Data loaders: the bundled digits, the IDX reader, checksum and missing-file errors."""
import gzip
import struct

import numpy as np
import pytest

from autograder import data as D


def write_idx(path, array, code=0x08, compress=True):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    with (gzip.open if compress else open)(path, "wb") as fh:
        fh.write(payload)


def test_digits_splits():
    d = D.load_digits(seed=0)
    total = len(d.X_train) + len(d.X_val) + len(d.X_test)
    assert total == 1797 and d.X_train.shape[1] == 64 and d.image_shape == (8, 8)
    assert d.X_train.min() >= 0 and d.X_train.max() <= 1 and d.y_train.dtype == np.int64
    assert D.load_digits(seed=0).X_train.tobytes() == d.X_train.tobytes()


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_roundtrip(tmp_path, compress):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / ("x.idx.gz" if compress else "x.idx")
    write_idx(path, images, compress=compress)
    np.testing.assert_array_equal(D.read_idx(path), images)
    floats = np.array([[1.5, -2.0]], dtype=np.float32)
    write_idx(tmp_path / "f.gz", floats, code=0x0D)
    np.testing.assert_array_equal(D.read_idx(tmp_path / "f.gz"), floats)


def test_read_idx_errors_name_the_file(tmp_path):
    with pytest.raises(D.DataError, match="missing.gz: file not found"):
        D.read_idx(tmp_path / "missing.gz")
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as fh:
        fh.write(b"\x01\x02\x03\x04hello")
    with pytest.raises(D.DataError, match="bad.gz: not an IDX file"):
        D.read_idx(bad)
    short = tmp_path / "short.gz"
    with gzip.open(short, "wb") as fh:
        fh.write(bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + b"abc")
    with pytest.raises(D.DataError, match="short.gz: expected 10 bytes"):
        D.read_idx(short)


def fake_set(folder, n_train=60000, n_test=10000):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    write_idx(folder / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte.gz", rng.integers(0, 10, n_train, dtype=np.uint8))
    write_idx(folder / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, n_test, dtype=np.uint8))


def test_checksum_mismatch_is_an_error(tmp_path):
    fake_set(tmp_path / "fm", n_train=10, n_test=5)
    with pytest.raises(D.DataError, match="checksum mismatch.*delete it and download it again"):
        D.load_fashion_mnist(tmp_path / "fm")


def test_missing_folder_names_the_files_and_the_fix(tmp_path):
    with pytest.raises(D.DataError, match="train-images-idx3-ubyte.gz.*dataset-fashion-mnist"):
        D.load_fashion_mnist(tmp_path / "nowhere")


def test_wrong_shape_is_an_error(tmp_path):
    fake_set(tmp_path / "mn", n_train=10, n_test=5)  # MNIST: structure is checked, not sums
    with pytest.raises(D.DataError, match=r"shape \(10, 28, 28\), expected \(60000, 28, 28\)"):
        D.load_mnist(tmp_path / "mn")


def test_mnist_from_a_local_folder(tmp_path):
    fake_set(tmp_path / "mn")
    d = D.load_mnist(tmp_path / "mn", val_size=1000)
    assert d.X_train.shape == (59000, 784) and d.X_val.shape == (1000, 784)
    assert d.X_test.shape == (10000, 784) and 0 <= d.X_train.min() and d.X_train.max() <= 1


def test_fashion_mnist_when_installed():
    try:
        d = D.load_fashion_mnist()
    except D.DataError as exc:
        pytest.skip(f"Fashion-MNIST is not on this machine: {exc}")
    assert d.X_train.shape == (55000, 784) and d.n_classes == 10


def test_best_available_says_what_it_picked(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(D, "_SOURCES", {k: {**v, "local": [str(tmp_path / "none")]} for k, v in D._SOURCES.items()})
    monkeypatch.setenv("BACKPROP_DATA", str(tmp_path / "cache"))
    d = D.load_best_available()
    assert d.name == "digits"
    assert "using the bundled 8×8 digits" in capsys.readouterr().out
