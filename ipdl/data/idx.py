"""Read IDX files, the format of LeCun's original MNIST release (train-images-idx3-ubyte and friends).

An IDX file is: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, one
big-endian int32 size per dimension, then the values in row-major order. Files may be gzipped.
"""

import gzip
import struct
from pathlib import Path

import numpy as np

UNSIGNED_BYTE = 0x08


def read_idx(path: Path) -> np.ndarray:
    """The uint8 array stored in one IDX file (optionally .gz), e.g. (60000, 28, 28) images or (60000,) labels."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as file:
            data = file.read()
    except (OSError, EOFError) as error:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"cannot read {path}: {error}") from error
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != UNSIGNED_BYTE or data[3] == 0:
        raise ValueError(
            f"{path} is not an IDX file of unsigned bytes: it should start with 00 00 08 <ndim>, "
            f"starts with {data[:4].hex(' ') or 'nothing'}"
        )
    ndim = data[3]
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(f"{path} is truncated: its header lists {ndim} dimensions but the file ends early")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    expected = int(np.prod(shape))
    if len(data) - header_size != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: its header says shape {shape} ({expected} bytes of data), "
            f"the file holds {len(data) - header_size}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape).copy()  # writable
