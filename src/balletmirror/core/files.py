"""Where outputs go: checked before any work, never over an input, written whole.

* :func:`check_output_dir` refuses, before anything is computed, a folder that cannot
  hold outputs: an existing file, a path under a file, the kernel's pseudo file
  systems (``/proc``, ``/sys``, ``/dev``), or a place this user cannot write.
* :func:`refuse_overwriting_inputs` refuses outputs that would land on one of the
  user's inputs, whatever ``--force`` says (``analyze out/annotated.mp4 -o out
  --force`` would otherwise read her video while writing over it).
* :func:`written_whole` gives a writer a temporary name beside the target and renames
  it into place only when the writer is done (``os.replace`` is atomic on one file
  system): an interruption (Ctrl-C, a kill, a full disk) never leaves a half-written
  file where a good one was; the temporary file is removed on an error or Ctrl-C
  (after a ``kill -9`` a ``.partial`` file may stay beside it, never in its place).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import InputError

#: Pseudo file systems no output belongs in.
SYSTEM_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))


def _existing_ancestor(path: Path) -> Path:
    """``path`` itself or its nearest existing ancestor."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or ".")


def check_output_dir(path: str | Path, *, flag: str = "-o") -> Path:
    """``path`` as a folder outputs can be written into (it need not exist yet).

    Raises
    ------
    InputError
        It is a file, lies under a file or under /proc, /sys or /dev, or the nearest
        existing folder is not writable.
    """
    path = Path(path)
    absolute = Path(os.path.realpath(path))  # a link into /proc is /proc
    if any(absolute == root or root in absolute.parents for root in SYSTEM_ROOTS):
        raise InputError(f"{path}: is a system folder; choose another {flag}")
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: exists and is not a folder; choose another {flag}")
    base = _existing_ancestor(absolute)
    if not base.is_dir():
        raise InputError(f"{path}: {base} is a file, not a folder; choose another {flag}")
    if not os.access(base, os.W_OK | os.X_OK):
        raise InputError(f"{path}: cannot write in {base} (permission denied); choose "
                         f"another {flag}")
    return path


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (the same inode when both exist)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(os.path.abspath(a)) == Path(os.path.abspath(b))


def refuse_overwriting_inputs(outputs: Iterable[Path], inputs: Iterable[Path | None]) -> None:
    """InputError when an output would be written over one of the inputs.

    Parameters
    ----------
    outputs : iterable of Path
        Every file the command may write.
    inputs : iterable of Path or None
        The files it reads (None entries are skipped).
    """
    given = [Path(p) for p in inputs if p is not None]
    for out in outputs:
        for source in given:
            if same_file(out, source):
                raise InputError(f"{source}: is an input and would be overwritten by an "
                                 f"output ({out.name}); choose another output location")


@contextlib.contextmanager
def written_whole(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` (same suffix, so writers that choose the format
    by it still do), renamed to ``path`` when the block ends without an error and
    removed when it ends with one (Ctrl-C included)."""
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.partial{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
