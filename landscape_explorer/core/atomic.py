"""Write files so that nobody ever sees half of one.

Every writer (scenario files, PNG, GIF, MP4, CSV exports) writes to a temporary name in the target
directory and renames it into place with ``os.replace``, which is atomic on POSIX and Windows when
source and target are on the same filesystem (hence the same directory). If the writer fails or
is cancelled (any exception, ``KeyboardInterrupt`` included) the temporary file is deleted and an
existing target is left untouched.

Usage::

    atomic_write("out.json", lambda f: f.write(data))            # writer gets an open binary file
    with atomic_path("movie.mp4") as tmp:                         # for libraries that want a path
        imageio.mimwrite(tmp, frames, fps=30)

The temporary name keeps the target's extension, so libraries that choose a format from the file
name (Qt's image writers, imageio) pick the right one.
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
from typing import Callable, Iterator

from .cancel import Cancelled  # noqa: F401  re-exported: writers raise it to stop, nothing is written


def _umask() -> int:
    # os.umask can only be read by setting it; set it back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path, suffix: str | None = None) -> Iterator[str]:
    """Yield a temporary path next to ``path``; on a clean exit it is renamed to ``path``.

    Raises ``OSError`` (before anything is written) if the directory does not exist or is not
    writable. ``suffix`` defaults to the target's extension.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    if suffix is None:
        suffix = os.path.splitext(base)[1]
    remove_stale_parts(directory, base, suffix)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.pid{os.getpid()}.", suffix=f".part{suffix}",
                               dir=directory)
    os.close(fd)
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


def remove_stale_parts(directory: str, base: str, suffix: str) -> list[str]:
    """Remove temporary files of our own naming (``.BASE.pidPID.XXXX.partSUFFIX``) for this
    target whose writing process no longer runs (killed mid-write, by SIGKILL or a power cut,
    where no handler could clean up). Returns the paths removed."""
    pattern = re.compile(re.escape(f".{base}.pid") + r"(\d+)\.[^/]*" +
                         re.escape(f".part{suffix}") + "$")
    removed: list[str] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        m = pattern.match(name)
        if m and not _pid_alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, name))
                removed.append(os.path.join(directory, name))
    return removed


def atomic_write(path, writer: Callable, mode: str = "wb", encoding: str | None = None) -> None:
    """Call ``writer(f)`` with a temporary file opened in ``mode``; rename it to ``path`` after.

    ``mode`` is ``"wb"`` or ``"w"`` (text, UTF-8 unless ``encoding`` says otherwise).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"invalid mode {mode!r}: use 'w' or 'wb'")
    if mode == "w" and encoding is None:
        encoding = "utf-8"
    with atomic_path(path) as tmp:
        with open(tmp, mode, encoding=encoding, newline="" if mode == "w" else None) as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())


def atomic_write_text(path, text: str, encoding: str = "utf-8") -> None:
    atomic_write(path, lambda f: f.write(text), mode="w", encoding=encoding)


def atomic_write_bytes(path, data: bytes) -> None:
    atomic_write(path, lambda f: f.write(data), mode="wb")


def check_writable(path) -> None:
    """Raise ``OSError`` with a plain message if ``path`` cannot be written (its directory is
    missing or read-only, or it names a directory), without creating anything. Use it to fail
    before minutes of rendering rather than after."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path}: is a directory")
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{path}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(f"{path}: directory {directory} is not writable")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise PermissionError(f"{path}: file is read-only")
