"""Data sets for the chapters: the bundled digits, and MNIST-format files.

``load_digits()`` always works: scikit-learn ships the 1,797 8×8 digit images.
``load_fashion_mnist()`` and ``load_mnist()`` read the four IDX files from a local
folder (Debian's ``dataset-fashion-mnist`` installs them under
``/usr/share/datasets/fashion-mnist``) or download them once into a cache folder,
verifying each file's SHA-256. A missing or corrupt file raises ``DataError`` naming
the file and what to do; nothing falls back to other data silently.
``load_best_available()`` is the one that falls back to digits, and says so.

Every loader returns a ``Dataset`` with float64 pixels scaled to [0, 1], one row
per image, and integer labels of shape ``(m,)``.
"""
from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "DataError",
    "Dataset",
    "read_idx",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "load_best_available",
]


class DataError(RuntimeError):
    """A data file is missing, unreadable or fails its checksum."""


@dataclass(frozen=True)
class Dataset:
    """Train / validation / test splits. ``X_*`` is ``(m, n_pixels)``, ``y_*`` is ``(m,)``."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple
    class_names: tuple

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def astype(self, dtype) -> "Dataset":
        """The same splits with pixels converted to ``dtype`` (e.g. float32 for training)."""
        cast = {k: getattr(self, k).astype(dtype, copy=False) for k in ("X_train", "X_val", "X_test")}
        return Dataset(self.name, cast["X_train"], self.y_train, cast["X_val"], self.y_val,
                       cast["X_test"], self.y_test, self.image_shape, self.class_names)

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}: train {self.X_train.shape}, val {self.X_val.shape}, "
                f"test {self.X_test.shape}, {self.n_classes} classes)")


# --------------------------------------------------------------------------- IDX files

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (``.gz`` or plain), the format of MNIST and Fashion-MNIST.

    The header is two zero bytes, a type code, the number of dimensions ``d``,
    then ``d`` big-endian 32-bit sizes; the data follows in C order.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found.")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot be read ({exc}); delete it and download it again.") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataError(f"{path}: not an IDX file (bad magic number); delete it and download it again.")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated header; delete it and download it again.")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(
            f"{path}: expected {expected} bytes of data for shape {shape}, found {len(raw) - header}; "
            "the file is truncated or corrupt: delete it and download it again."
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


# --------------------------------------------------------------------------- splitting


def _split(name, X, y, X_test, y_test, val_size, seed, image_shape, class_names) -> Dataset:
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    n_val = int(round(val_size * len(X))) if val_size < 1 else int(val_size)
    val, train = order[:n_val], order[n_val:]
    return Dataset(name, X[train], y[train], X[val], y[val], X_test, y_test,
                   tuple(image_shape), tuple(class_names))


def load_digits(*, val_size: float = 0.2, test_size: float = 0.2, seed: int = 0) -> Dataset:
    """scikit-learn's bundled 8×8 digits: 1,797 images, 64 pixels, classes 0–9.

    Pixels (0–16) are divided by 16. The test split is stratified-free but seeded:
    ``test_size`` of the images are held out, then ``val_size`` of the rest.
    """
    from sklearn.datasets import load_digits as _sk_digits

    bunch = _sk_digits()
    X = bunch.data.astype(np.float64) / 16.0
    y = bunch.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    n_test = int(round(test_size * len(X)))
    test, rest = order[:n_test], order[n_test:]
    return _split("digits", X[rest], y[rest], X[test], y[test], val_size, seed + 1,
                  (8, 8), [str(d) for d in range(10)])


# --------------------------------------------------------------------------- MNIST-format sets

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

# SHA-256 of each file's *decompressed* IDX bytes: gzip wrappers differ between mirrors
# (Debian recompresses them), the content does not. Fashion-MNIST's sums were taken from
# Debian's dataset-fashion-mnist (upstream git 55506a9). No MNIST copy was at hand to take
# sums from, so MNIST files are checked for their IDX structure and shape only.
_SOURCES = {
    "fashion-mnist": {
        "local": ["/usr/share/datasets/fashion-mnist"],
        "url": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "sha256": {
            "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
        "classes": FASHION_CLASSES,
    },
    "mnist": {
        "local": ["/usr/share/datasets/mnist"],
        "url": None,
        "sha256": None,
        "classes": tuple(str(d) for d in range(10)),
    },
}

_SHAPES = {
    "train-images-idx3-ubyte.gz": (60000, 28, 28),
    "train-labels-idx1-ubyte.gz": (60000,),
    "t10k-images-idx3-ubyte.gz": (10000, 28, 28),
    "t10k-labels-idx1-ubyte.gz": (10000,),
}


def cache_dir() -> Path:
    """Where downloads are kept: ``$BACKPROP_DATA`` or ``~/.cache/backprop-by-hand``."""
    return Path(os.environ.get("BACKPROP_DATA", Path.home() / ".cache" / "backprop-by-hand"))


def content_sha256(path) -> str:
    """SHA-256 of a file's content, decompressed first when it ends in ``.gz``."""
    import hashlib

    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    h = hashlib.sha256()
    try:
        with opener(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot be read ({exc}); delete it and download it again.") from None
    return h.hexdigest()


def verify_file(path, expected_sha: str | None) -> Path:
    """Raise ``DataError`` unless the file's content has SHA-256 ``expected_sha``."""
    path = Path(path)
    if expected_sha is None:
        return path
    actual = content_sha256(path)
    if actual != expected_sha:
        raise DataError(
            f"{path}: checksum mismatch (SHA-256 {actual[:16]}…, expected {expected_sha[:16]}…). "
            "The file is corrupt or is not the published version: delete it and download it again."
        )
    return path


def _locate(name: str, folder, download: bool) -> dict:
    spec = _SOURCES[name]
    sums = spec["sha256"] or {}
    if folder is not None:
        folders = [Path(folder)]
    else:
        env = os.environ.get(f"BACKPROP_{name.upper().replace('-', '_')}_DIR")
        folders = ([Path(env)] if env else []) + [Path(p) for p in spec["local"]] + [cache_dir() / name]
    for candidate in folders:
        if all((candidate / f).is_file() for f in _FILES):
            return {f: verify_file(candidate / f, sums.get(f)) for f in _FILES}
    if folder is not None or not download or spec["url"] is None:
        looked = ", ".join(str(p) for p in folders)
        missing = [f for f in _FILES if not (folders[0] / f).is_file()]
        how = (f"or call load_{name.replace('-', '_')}(download=True)" if spec["url"]
               else "(no checksum-verified download is offered for this set)")
        raise DataError(
            f"{name}: {', '.join(missing)} not found (looked in {looked}). Install Debian's "
            f"'dataset-{name}' package, put the four IDX files in one of those folders, {how}."
        )
    import pooch

    target = cache_dir() / name
    paths = {}
    for f in _FILES:
        try:
            path = Path(pooch.retrieve(spec["url"] + f, known_hash=None, fname=f, path=target,
                                       progressbar=True))
        except Exception as exc:  # network errors of every kind
            raise DataError(f"{name}: could not download {f} from {spec['url']} ({exc}).") from None
        try:
            paths[f] = verify_file(path, sums[f])
        except DataError:
            path.unlink(missing_ok=True)  # never keep a bad download in the cache
            raise
    return paths


def _load_idx_set(name: str, folder, download: bool, val_size: float, seed: int) -> Dataset:
    paths = _locate(name, folder, download)
    arrays = {}
    for f, path in paths.items():
        arrays[f] = read_idx(path)
        if arrays[f].shape != _SHAPES[f]:
            raise DataError(f"{path}: holds an array of shape {arrays[f].shape}, expected {_SHAPES[f]}.")
    X = arrays[_FILES[0]].reshape(-1, 784).astype(np.float64) / 255.0
    y = arrays[_FILES[1]].astype(np.int64)
    X_test = arrays[_FILES[2]].reshape(-1, 784).astype(np.float64) / 255.0
    y_test = arrays[_FILES[3]].astype(np.int64)
    return _split(name, X, y, X_test, y_test, val_size, seed, (28, 28), _SOURCES[name]["classes"])


def load_fashion_mnist(folder=None, *, download: bool = False, val_size: float = 5000,
                       seed: int = 0) -> Dataset:
    """Fashion-MNIST: 60,000 training and 10,000 test images of 28×28 pixels, 10 classes.

    ``val_size`` images (a count, or a fraction when below 1) of the training set
    are held out for validation.
    """
    return _load_idx_set("fashion-mnist", folder, download, val_size, seed)


def load_mnist(folder=None, *, download: bool = False, val_size: float = 5000,
               seed: int = 0) -> Dataset:
    """MNIST handwritten digits, 28×28 pixels, in the same layout as Fashion-MNIST."""
    return _load_idx_set("mnist", folder, download, val_size, seed)


def load_best_available(*, verbose: bool = True, seed: int = 0) -> Dataset:
    """Fashion-MNIST if it is on this machine, then MNIST, otherwise the bundled digits.

    Never downloads; prints which data set it picked and why.
    """
    for name, loader in (("fashion-mnist", load_fashion_mnist), ("mnist", load_mnist)):
        try:
            data = loader(seed=seed)
        except DataError as exc:
            if "not found" not in str(exc):
                raise
            continue
        if verbose:
            print(f"Using {name} ({len(data.X_train)} training images).")
        return data
    if verbose:
        print("Fashion-MNIST and MNIST are not on this machine: using the bundled 8×8 digits instead.")
    return load_digits(seed=seed)
