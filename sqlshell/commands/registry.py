"""The one place meta-commands are declared.

Each command is declared once, with its arguments and one line of help, by
decorating its handler; ``\\?``, completion and the README test all read the
same declarations. A registry is built fresh from the command modules (no
global mutable table), so a test can build its own.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlshell.errors import UserError
from sqlshell.results import Outcome
from sqlshell.sqltext.metaargs import LEXES_ITS_ARGUMENTS, split_meta
from sqlshell.sqltext.variables import interpolate

if TYPE_CHECKING:
    from sqlshell.state import Shell

Handler = Callable[["Shell", "Args"], Outcome]


@dataclass(frozen=True)
class Args:
    """A meta-command's arguments: the raw text after the name, and its words
    (split like a shell would, so quoted values keep their spaces)."""

    raw: str
    words: list[str]

    @classmethod
    def parse(cls, raw: str) -> Args:
        try:
            words = shlex.split(raw, posix=True)
        except ValueError:
            words = raw.split()
        return cls(raw, words)

    def at_most(self, n: int, usage: str) -> None:
        if len(self.words) > n:
            raise UserError(f"too many arguments: {' '.join(self.words[n:])}", f"usage: {usage}")

    def switch(self, current: bool, usage: str) -> bool:
        """on/off arguments: none toggles."""
        self.at_most(1, usage)
        if not self.words:
            return not current
        word = self.words[0].lower()
        if word in ("on", "true", "yes", "1"):
            return True
        if word in ("off", "false", "no", "0"):
            return False
        raise UserError(f"expected on or off, not {self.words[0]!r}", f"usage: {usage}")


@dataclass(frozen=True)
class Command:
    name: str  # with the backslash: "\\mode"
    args: str  # usage of the arguments, e.g. "[engine|connection|session]"
    help: str  # one line
    handler: Handler
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # completion of the first argument
    group: str = "General"

    @property
    def usage(self) -> str:
        return f"{self.name} {self.args}".strip()


@dataclass
class CommandSet:
    """The commands one module declares; ``@commands.add(...)`` on each handler."""

    group: str
    commands: list[Command] = field(default_factory=list)

    def add(
        self, name: str, args: str = "", help: str = "", aliases: Iterable[str] = (), choices: Iterable[str] = ()
    ) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.commands.append(Command(name, args, help, fn, tuple(aliases), tuple(choices), self.group))
            return fn

        return register


def parse_meta(line: str) -> tuple[str, Args]:
    name, raw = split_meta(line)
    return name, Args.parse(raw)


class Registry:
    def __init__(self, sets: Iterable[CommandSet]) -> None:
        self.commands: list[Command] = []
        self._by_name: dict[str, Command] = {}
        for cs in sets:
            for cmd in cs.commands:
                self.commands.append(cmd)
                for name in (cmd.name, *cmd.aliases):
                    if name in self._by_name:
                        raise ValueError(f"meta-command {name} declared twice")
                    self._by_name[name] = cmd

    def lookup(self, name: str) -> Command | None:
        return self._by_name.get(name)

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def run(self, shell: Shell, line: str) -> Outcome:
        name, args = parse_meta(line)
        if shell.variables and name not in ("\\!", "\\copy") and name not in LEXES_ITS_ARGUMENTS:
            # psql interpolates variables in meta-command arguments too (not in \\! 's
            # command line, nor in \\copy's, which psql reads as a whole line);
            # some commands read their arguments as psql does, variables included.
            name, args = parse_meta(interpolate(line, shell.variables))
        cmd = self.lookup(name)
        if cmd is None:
            from sqlshell.commands.suggest import PSQL_ONLY, suggestion

            hint = suggestion(name, self._by_name)
            if name in PSQL_ONLY:
                raise UserError(f"psql's meta-command {name} is not supported by sqlshell", hint or "\\? lists what is")
            raise UserError(f"unknown meta-command {name}", hint or "\\? lists the meta-commands")
        return cmd.handler(shell, args)


def registry_of(shell: Shell) -> Registry:
    """The registry the shell was handed (the shell types it only as something
    that runs a meta-command line): ``\\?`` and completion read its declarations."""
    registry = shell.registry
    if not isinstance(registry, Registry):
        raise TypeError(f"the shell's meta-commands are a {type(registry).__name__}, not a Registry")
    return registry
