"""Where sqlshell keeps files: platformdirs gives the XDG locations on Linux
(honouring $XDG_DATA_HOME, $XDG_STATE_HOME, $XDG_CONFIG_HOME) and the native
ones elsewhere, so we never hard-code ``~/.something``."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "sqlshell"


def data_dir() -> Path:
    """The embedded default database lives here."""
    return platformdirs.user_data_path(APP)


def state_dir() -> Path:
    """History lives here."""
    return platformdirs.user_state_path(APP)


def config_dir() -> Path:
    return platformdirs.user_config_path(APP)
