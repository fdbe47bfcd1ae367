"""C arrays to Python: numpy arrays when numpy is installed, else lists.

Results are copied out, so they outlive the object they came from and never alias
memory the library may free. LIBBUNDLE_NUMPY=0 in the environment gives lists always.
"""
import ctypes
import os

_np = None
if os.environ.get("LIBBUNDLE_NUMPY", "1") != "0":  # "0": plain lists even with numpy installed
    try:
        import numpy as _np
    except ImportError:  # numpy is optional
        _np = None


def vector(ptr, n, ctype):
    if n == 0 or not ptr:
        return _np.zeros(0, dtype=_np.dtype(ctype)) if _np is not None else []
    arr = (ctype * n).from_address(ctypes.addressof(ptr.contents))
    if _np is not None:
        return _np.ctypeslib.as_array(arr).copy()
    return list(arr)


def matrix(ptr, rows, cols, ctype):
    flat = vector(ptr, rows * cols, ctype)
    if _np is not None:
        return flat.reshape(rows, cols)
    return [flat[r * cols:(r + 1) * cols] for r in range(rows)]


def int32_array(values):
    """A C int32 array from a sequence (numpy or list) and its length."""
    values = list(int(v) for v in values)
    return (ctypes.c_int32 * max(len(values), 1))(*values), len(values)


def float32_matrix(data):
    """(ctypes buffer, rows, cols) of a 2-D float32 array, C order."""
    if _np is not None:
        a = _np.ascontiguousarray(data, dtype=_np.float32)
        if a.ndim != 2:
            raise ValueError("need a 2-D array, got %d dimensions" % a.ndim)
        return a, a.shape[0], a.shape[1]
    rows = [list(map(float, r)) for r in data]
    cols = len(rows[0]) if rows else 0
    if any(len(r) != cols for r in rows):
        raise ValueError("rows of different lengths")
    flat = (ctypes.c_float * max(len(rows) * cols, 1))(*[v for r in rows for v in r])
    return flat, len(rows), cols


def address(buf):
    if _np is not None and isinstance(buf, _np.ndarray):
        return buf.ctypes.data
    return ctypes.addressof(buf)
