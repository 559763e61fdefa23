"""The user's configuration file: ``config.toml`` in the XDG config directory.

Read with the standard library's tomllib, so scripts pay nothing for it. The
file is validated as a whole: one bad key and the shell says so in one line
and starts with the defaults, rather than half-applying a file the user is
still editing. Command-line options win over the file (the CLI applies a
value here only where its own option was left at its default).

Keys (all optional)::

    mode = "connection"          # engine | connection | session
    format = "table"             # any --format name
    null = "∅"                   # how NULL is shown in tables
    expanded = "auto"            # on | off | auto (or true / false)
    pager = true                 # true | false | a command such as "less -S"
    key_bindings = "vi"          # emacs | vi
    destructive_warning = true   # confirm DROP, TRUNCATE, DELETE/UPDATE without WHERE
    history_size = 5000          # history entries kept
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlshell.paths import config_dir

if TYPE_CHECKING:
    from sqlshell.settings import Settings

CONFIG_NAME = "config.toml"


class ConfigError(ValueError):
    """The file cannot be used; the message names the key."""


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in allowed:
            raise ConfigError(f"{value!r} is not one of {', '.join(allowed)}")
        return value.lower()

    return check


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{value!r} is not true or false")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{value!r} is not a string")
    return value


def _format(value: Any) -> str:
    from sqlshell.output.render import is_format

    if not isinstance(value, str) or not is_format(value.lower()):
        raise ConfigError(f"{value!r} is not an output format (table, csv, tsv, json or a tabulate format)")
    return value.lower()


def _expanded(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return _choice("on", "off", "auto")(value)


def _pager(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ConfigError(f"{value!r} is not true, false or a pager command")


def _history_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{value!r} is not a whole number above 0")
    return int(value)  # an int already: int() only tells older mypy so


_KEYS: dict[str, Callable[[Any], Any]] = {
    "mode": _choice("engine", "connection", "session"),
    "format": _format,
    "null": _string,
    "expanded": _expanded,
    "pager": _pager,
    "key_bindings": _choice("emacs", "vi"),
    "destructive_warning": _bool,
    "history_size": _history_size,
}


@dataclass(frozen=True)
class Config:
    """The valid values the file sets (keys it leaves out are absent)."""

    values: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def config_path() -> Path:
    return config_dir() / CONFIG_NAME


def parse(text: str) -> dict[str, Any]:
    """The file's settings, validated; raises ConfigError naming the bad key."""
    import tomllib  # only when there is a file: a run without one does not pay for it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}") from exc
    values: dict[str, Any] = {}
    for key, raw in data.items():
        check = _KEYS.get(key)
        if check is None:
            raise ConfigError(f"unknown key {key!r} (known: {', '.join(_KEYS)})")
        try:
            values[key] = check(raw)
        except ConfigError as exc:
            raise ConfigError(f"bad value for {key!r}: {exc}") from None
    return values


def load(path: Path | None = None) -> tuple[Config, str | None]:
    """The configuration and, if the file is unusable, the one line to show.
    A missing file is not an error: it is the defaults."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(), None
    except (OSError, UnicodeDecodeError) as exc:
        return Config(), f"sqlshell: cannot read {path}: {getattr(exc, 'strerror', None) or exc}; using defaults"
    try:
        return Config(parse(text), path), None
    except ConfigError as exc:
        return Config(), f"sqlshell: {path}: {exc}; using defaults"


def apply(config: Config, settings: Settings, skip: Collection[str] = ()) -> None:
    """Copy the file's values onto Settings, except the keys in ``skip`` (given
    on the command line)."""
    for key, value in config.values.items():
        if key in skip or key == "mode":
            continue  # the mode is not a setting: the CLI switches to it
        if key == "expanded":
            settings.expanded = value == "on"
            settings.expanded_auto = value == "auto"
        elif key == "pager":
            settings.pager = bool(value)
            if isinstance(value, str):
                settings.pager_command = value
        else:
            setattr(settings, key, value)
