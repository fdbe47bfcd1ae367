"""Status codes (bndl_status) and the exception every failing call raises.

The message is the library's per-thread last-error text, read right after the failing
call on the same thread, so it names the C function, the argument and, for files, the
path, line, field and value.
"""
import enum

from ._native import lib


class Status(enum.IntEnum):
    OK = 0
    INVALID_ARGUMENT = 1
    OUT_OF_MEMORY = 2
    NOT_FOUND = 3
    IO = 4
    FORMAT = 5
    VERSION = 6
    UNSUPPORTED = 7
    BACKEND = 8
    STATE = 9
    BUFFER_TOO_SMALL = 10
    CANCELLED = 11
    BUSY = 12
    LIMIT = 13
    INTERNAL = 99


class BundleError(Exception):
    """A libbundle call failed: .status (Status) and the library's message."""

    def __init__(self, status, message):
        try:
            self.status = Status(status)
        except ValueError:
            self.status = status
        self.message = message
        super().__init__("%s: %s" % (getattr(self.status, "name", status), message))


def check(status):
    """Raises BundleError for a non-OK status, with this thread's last error message."""
    if status != 0:
        raise BundleError(status, lib.bndl_last_error_message().decode("utf-8", "replace"))
