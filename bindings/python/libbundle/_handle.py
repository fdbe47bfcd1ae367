"""The base of every wrapper: one owned C handle, freed once.

C objects keep their parents alive (a dataset keeps its context), so wrappers may be
dropped in any order; close() (or a with block) frees early and deterministically.
"""
import ctypes

from ._native import lib


class Handle:
    _free = None  # name of the C *_free function

    def __init__(self, ptr):
        self._ptr = ptr

    @property
    def ptr(self):
        if not self._ptr:
            raise ValueError("%s is closed" % type(self).__name__)
        return self._ptr

    def close(self):
        if self._ptr:
            getattr(lib, self._free)(self._ptr)
            self._ptr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone
            pass


def out_ptr():
    return ctypes.c_void_p()


def take_buffer(buf):
    """Copies a bndl_buffer's bytes out and frees it."""
    try:
        size = lib.bndl_buffer_size(buf)
        data = lib.bndl_buffer_data(buf)
        return ctypes.string_at(data, size) if size else b""
    finally:
        lib.bndl_buffer_free(buf)


def encode(text):
    return text.encode("utf-8") if isinstance(text, str) else bytes(text)
