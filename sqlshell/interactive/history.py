"""The REPL's history file: private, bounded, and free of passwords.

prompt_toolkit's FileHistory appends every accepted input to a file. Two
things are added here: what goes to disk has the password of every URL
masked (``\\connect postgresql://u:secret@h/db`` is stored as ``u:***@``),
and the file keeps only the newest ``max_entries`` inputs. The file is created
with mode 0600 before anything is written to it, as statements can hold
other secrets too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from prompt_toolkit.history import FileHistory, History, InMemoryHistory

from sqlshell.paths import state_dir
from sqlshell.urls import mask_text

# A URL with credentials: scheme://user:password@ (the password may hold ':' but no '@' or blank).
_URL_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\S*@\S*")
# libpq's key=value form and URL query parameters: password=secret.
_PASSWORD_PARAM = re.compile(r"(\bpassword\s*=\s*)('[^']*'|[^\s&'\"]+)", re.IGNORECASE)


def mask_urls(text: str) -> str:
    """The input with every URL's password replaced by ``***``."""
    text = _URL_TOKEN.sub(lambda m: mask_text(m.group(0)), text)
    return _PASSWORD_PARAM.sub(r"\1***", text)


class PrivateFileHistory(FileHistory):
    """FileHistory that masks URL passwords and keeps at most ``max_entries``."""

    def __init__(self, filename: str | Path, max_entries: int = 10000) -> None:
        self.max_entries = max(1, max_entries)
        _create_private(Path(filename))
        super().__init__(str(filename))

    def store_string(self, string: str) -> None:
        super().store_string(mask_urls(string))

    def load_history_strings(self) -> Iterable[str]:
        strings = list(super().load_history_strings())  # newest first
        if len(strings) > self.max_entries + self.max_entries // 10:  # trim now and then, not every start
            self._rewrite(strings[: self.max_entries])
        return strings[: self.max_entries]

    def _rewrite(self, newest_first: list[str]) -> None:
        """Keep only these entries: written to a private temporary file, then
        renamed over the history, so a crash never leaves half a file."""
        path = Path(os.fsdecode(self.filename))  # str or bytes, as FileHistory was given it
        tmp = path.with_name(path.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for entry in reversed(newest_first):
                    f.write("\n# kept\n" + "".join(f"+{line}\n" for line in entry.split("\n")))
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)


def _create_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # an older file may have been created with the umask's mode


def history_path() -> Path:
    return state_dir() / "history"


def open_history(max_entries: int = 10000) -> History:
    """The user's history file, or an in-memory one when it cannot be written."""
    try:
        return PrivateFileHistory(history_path(), max_entries)
    except OSError:
        return InMemoryHistory()
