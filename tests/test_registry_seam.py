"""The meta-command registry through its public interface: declarations go in
as ``CommandSet``s, a meta-command line comes out as the handler's ``Outcome``.
No database: the registry needs none (a shell is only handed through, and read
for its variables)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from sqlshell.commands.all import build_registry
from sqlshell.commands.registry import Args, CommandSet, Registry
from sqlshell.errors import UserError
from sqlshell.results import Outcome


def _registry() -> tuple[Registry, list[tuple[str, list[str]]]]:
    calls: list[tuple[str, list[str]]] = []
    first, second = CommandSet("Demo"), CommandSet("Other")

    @first.add("\\greet", "[NAME]", "say hello", aliases=("\\hi",))
    def greet(shell: Any, args: Args) -> Outcome:
        calls.append(("greet", list(args.words)))
        return Outcome.answered(f"hello {' '.join(args.words) or 'you'}")

    @second.add("\\count", "", "count")
    def count(shell: Any, args: Args) -> Outcome:
        calls.append(("count", list(args.words)))
        return Outcome.message("1")

    return Registry([first, second]), calls


def _shell(**variables: str) -> Any:
    return SimpleNamespace(variables=variables)


def test_a_line_runs_its_handler_by_name_or_alias() -> None:
    registry, calls = _registry()
    assert registry.run(_shell(), "\\greet Ada  Lovelace").answer == ["hello Ada Lovelace"]
    assert registry.run(_shell(), "\\hi").answer == ["hello you"]
    assert calls == [("greet", ["Ada", "Lovelace"]), ("greet", [])]
    assert registry.lookup("\\hi") is registry.lookup("\\greet")
    assert registry.names() == ["\\count", "\\greet", "\\hi"]
    assert [c.group for c in registry.commands] == ["Demo", "Other"]


def test_arguments_are_read_as_psql_reads_them_with_variables() -> None:
    registry, calls = _registry()
    registry.run(_shell(who="Grace"), "\\greet :who 'two words'")
    assert calls == [("greet", ["Grace", "two words"])]


def test_a_name_declared_twice_is_refused_when_the_registry_is_built() -> None:
    one, two = CommandSet("A"), CommandSet("B")
    one.add("\\x1", help="one")(lambda shell, args: Outcome())
    two.add("\\x2", help="two", aliases=("\\x1",))(lambda shell, args: Outcome())
    with pytest.raises(ValueError, match=r"meta-command \\x1 declared twice"):
        Registry([one, two])


def test_an_unknown_command_is_one_line_with_a_hint() -> None:
    registry, calls = _registry()
    with pytest.raises(UserError) as err:
        registry.run(_shell(), "\\gret")
    assert str(err.value).startswith("unknown meta-command \\gret")
    assert calls == []


def test_a_psql_command_sqlshell_lacks_is_named_as_psqls() -> None:
    registry = build_registry()
    with pytest.raises(UserError, match=r"psql's meta-command \\lo_import is not supported by sqlshell"):
        registry.run(_shell(), "\\lo_import f")


def test_the_real_registry_declares_each_command_once_with_help() -> None:
    """Help, completion and the README table are generated from these fields."""
    registry = build_registry()
    names = [c.name for c in registry.commands]
    assert len(names) == len(set(names)) and len(names) > 40
    for command in registry.commands:
        assert command.name.startswith("\\") and command.help and command.group, command
        assert command.usage.startswith(command.name)
    assert registry.lookup("\\c") is registry.lookup("\\connect")
