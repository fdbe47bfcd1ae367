"""Library facts, the context (threads, seed, backend) and the typed config."""
import ctypes
import json

from ._handle import Handle, encode, out_ptr
from ._native import ContextDesc, lib
from .errors import check


def version():
    return lib.bndl_version_string().decode()


def build_info():
    """The library's build facts (compiler, optional dependencies found) as a dict."""
    return json.loads(lib.bndl_build_info().decode())


def backends():
    """Names of the compute backends this library knows, with whether each was built."""
    out, i = {}, 0
    while True:
        name = lib.bndl_backend_name(i)
        if name is None:
            return out
        out[name.decode()] = bool(lib.bndl_backend_available(name))
        i += 1


class Context(Handle):
    """bndl_context: worker pool, seed and compute backend shared by the objects made from it."""
    _free = "bndl_context_free"

    def __init__(self, threads=0, seed=0, backend=None):
        desc = ContextDesc(ctypes.sizeof(ContextDesc), threads, None, seed)
        ptr = out_ptr()
        check(lib.bndl_context_create(ctypes.byref(desc), ctypes.byref(ptr)))
        super().__init__(ptr)
        if backend is not None:
            self.backend = backend

    @property
    def threads(self):
        return lib.bndl_context_threads(self.ptr)

    @threads.setter
    def threads(self, n):
        check(lib.bndl_context_set_threads(self.ptr, n))

    @property
    def seed(self):
        return lib.bndl_context_seed(self.ptr)

    @seed.setter
    def seed(self, value):
        check(lib.bndl_context_set_seed(self.ptr, value))

    @property
    def backend(self):
        return lib.bndl_context_backend(self.ptr).decode()

    @backend.setter
    def backend(self, name):
        check(lib.bndl_context_set_backend(self.ptr, encode(name)))

    @property
    def backend_info(self):
        return lib.bndl_context_backend_info(self.ptr).decode()


_INT, _FLOAT, _STRING = 1, 2, 3


class Config(Handle):
    """bndl_config: options by their dotted names (bundle_types.h lists every key).

    Config({"sim.k": 20, "sim.measure": "bm25"}) or cfg["sim.k"] = 20; values are
    checked against the key's type and range by the library.
    """
    _free = "bndl_config_free"

    def __init__(self, options=None):
        ptr = out_ptr()
        check(lib.bndl_config_create(ctypes.byref(ptr)))
        super().__init__(ptr)
        for name, value in (options or {}).items():
            self[name] = value

    @staticmethod
    def _key(name):
        key = ctypes.c_int()
        check(lib.bndl_config_key_by_name(encode(name), ctypes.byref(key)))
        return key.value

    def __setitem__(self, name, value):
        check(lib.bndl_config_set(self.ptr, encode(name), encode(str(value))))

    def __getitem__(self, name):
        key = self._key(name)
        kind = lib.bndl_config_key_type(key)
        if kind == _INT:
            v = ctypes.c_int64()
            check(lib.bndl_config_get_int(self.ptr, key, ctypes.byref(v)))
            return v.value
        if kind == _FLOAT:
            v = ctypes.c_double()
            check(lib.bndl_config_get_float(self.ptr, key, ctypes.byref(v)))
            return v.value
        v = ctypes.c_char_p()
        check(lib.bndl_config_get_string(self.ptr, key, ctypes.byref(v)))
        return v.value.decode()


def config_ptr(cfg):
    """A C config for an optional Config or dict argument (None = defaults)."""
    if cfg is None:
        return None, None
    if isinstance(cfg, Config):
        return cfg.ptr, cfg
    owned = Config(cfg)
    return owned.ptr, owned
