"""Reading and writing users' files: the one way the planner opens a path a user named.

Reads take regular files only (a FIFO would hang, /dev/zero never ends) and stop one byte past
the caller's limit, so the caller can refuse a file that is too large without holding it.
Writes go to a temporary file beside the destination and are renamed into place, so a full
disk or an interrupt leaves the old file, or none, never a partial one. CSV text that a
spreadsheet would run as a formula is written inert.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

import pandas as pd

from planner.inputs.errors import InputError

_KINDS = {  # what a path is, when it is not a regular file
    stat.S_ISDIR: "a folder",
    stat.S_ISFIFO: "a named pipe (FIFO)",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISSOCK: "a socket",
}


def read_file(path, limit: int, expected: str, field: str = "") -> bytes:
    """At most `limit` + 1 bytes of the regular file at `path` (more than `limit` means too large:
    the caller says so). `expected` names the file for errors: "a readable TOML file"."""
    path = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            kind = _kind(os.fstat(descriptor).st_mode)
            if kind:
                raise InputError(field, f"{expected}, a regular file", f"{path}, {kind}", str(path))
            with os.fdopen(descriptor, "rb", closefd=False) as file:
                return file.read(limit + 1)
        finally:
            os.close(descriptor)
    except OSError as error:
        raise InputError(field, expected, f"{path} ({error.strerror or error})", str(path)) from None


def _kind(mode: int) -> str:
    """'' for a regular file, else what the file is."""
    if stat.S_ISREG(mode):
        return ""
    return next((kind for test, kind in _KINDS.items() if test(mode)), "not a regular file")


def check_writable(path, flag: str) -> None:
    """Fail now if `path` cannot be written, so a long sweep or solve is not lost to a bad --out:
    its folder exists and takes a new file, and it is not a folder, a device or a pipe."""
    _remove(_temporary(_target(Path(path), flag), Path(path), flag))


def write_file(path, data: bytes, flag: str) -> None:
    """`data` into the file at `path`, all or nothing: written beside it, then renamed into place."""
    path = Path(path)
    target = _target(path, flag)
    temporary = _temporary(target, path, flag)
    try:
        with temporary.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as error:  # a full disk, Ctrl-C: no partial file stays behind
        _remove(temporary)
        if isinstance(error, OSError):
            raise _unwritable(path, flag, error) from None
        raise


def _target(path: Path, flag: str) -> Path:
    """The file `path` names, links followed (a link keeps pointing at the new file); if it exists
    it must be a regular file: renaming over /dev/null or a FIFO would replace it."""
    try:
        target = path.resolve()
        kind = _kind(target.stat().st_mode) if target.exists() else ""
    except (OSError, RuntimeError) as error:  # RuntimeError: a loop of links
        raise InputError(flag, "a writable path", f"{path} ({getattr(error, 'strerror', None) or error})") from None
    if kind:
        raise InputError(flag, "a path to a regular file or a new one", f"{path}, {kind}")
    return target


def _temporary(target: Path, path: Path, flag: str) -> Path:
    """A new, empty file beside `target` (created as the destination would be, with the umask)."""
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as error:
        raise _unwritable(path, flag, error) from None
    return temporary


def _unwritable(path: Path, flag: str, error: OSError) -> InputError:
    return InputError(flag, "a writable path", f"{path} ({error.strerror or error})")


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:  # already gone, or its folder went: nothing left to clean
        pass


# A cell beginning with one of these is a formula to a spreadsheet opening a CSV file (OWASP, CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(frame: pd.DataFrame) -> str:
    """`frame` as CSV, every text cell and header that a spreadsheet would run as a formula
    quoted with a leading apostrophe; numbers, negative ones too, stay numbers. Lines end in
    CRLF (RFC 4180), so a text holding a lone CR is quoted too, not a new row starting with
    what follows it."""
    return frame.map(_inert).rename(columns=_inert).to_csv(index=False, lineterminator="\r\n")


def _inert(value):
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
