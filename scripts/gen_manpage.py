"""Write ``man/sqlshell.1`` from the CLI itself: the options and their help are
click's (the same text ``sqlshell --help`` prints), so the page never lists a
flag the command lacks. The wheel installs it as share/man/man1/sqlshell.1.
A test fails when the file is stale:

    python scripts/gen_manpage.py          # write the file
    python scripts/gen_manpage.py --check  # exit 1 if it is stale
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import click

from sqlshell import __version__
from sqlshell.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "man" / "sqlshell.1"

ENVIRONMENT = [
    ("SQLSHELL_URL", "The database to connect to when the command line names none."),
    (
        "PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE, PGSERVICEFILE, PGPASSFILE",
        "libpq's environment: for a PostgreSQL connection, whatever the URL, connection string or flags leave out.",
    ),
    ("PAGER", "The pager for long results at the prompt (default: less -SRXF)."),
    ("EDITOR, VISUAL", "The editor \\e starts (default: vi)."),
]
EXIT_STATUS = [
    ("0", "Every statement succeeded."),
    ("1", "A statement failed, or open work was rolled back at the end of the input."),
    ("2", "Bad usage, unreadable input, or the database cannot be reached."),
]
FILES = [
    ("~/.config/sqlshell/config.toml", "Defaults for the options (skipped with -X)."),
    ("~/.local/state/sqlshell/history", "The prompt's history (mode 0600; passwords masked)."),
    ("~/.local/share/sqlshell/default.sqlite3", "The embedded database used when no database is named."),
]


def _roff(text: str) -> str:
    """Text safe in a roff paragraph: backslashes escaped, no line starting a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line.startswith((".", "'")) else line for line in text.splitlines())


def generated() -> str:
    ctx = click.Context(cli, info_name="sqlshell")
    description = inspect.cleandoc(cli.help or "").split("\n\n")
    lines = [
        f'.TH SQLSHELL 1 "" "sqlshell {__version__}" "User Commands"',
        ".SH NAME",
        "sqlshell \\- " + _roff(description[0].rstrip(".")),
        ".SH SYNOPSIS",
        ".B sqlshell",
        "[\\fIOPTIONS\\fR] [\\fIURL\\fR|\\fIDBNAME\\fR [\\fIUSERNAME\\fR]]",
        ".SH DESCRIPTION",
    ]
    for paragraph in description[1:]:
        lines += [".PP", _roff(" ".join(paragraph.split()))]
    lines.append(".SH OPTIONS")
    for param in cli.get_params(ctx):
        record = param.get_help_record(ctx) if isinstance(param, click.Option) else None
        if record is None:
            continue
        names, help_text = record
        lines += [".TP", "\\fB" + _roff(names) + "\\fR", _roff(help_text)]
    for title, rows in (("ENVIRONMENT", ENVIRONMENT), ("EXIT STATUS", EXIT_STATUS), ("FILES", FILES)):
        lines.append(f".SH {title}")
        for name, text in rows:
            lines += [".TP", "\\fB" + _roff(name) + "\\fR", _roff(text)]
    lines += [".SH SEE ALSO", "psql(1), sqlite3(1)"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = generated()
    current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else None
    if "--check" in argv:
        if current != text:
            print("man/sqlshell.1 is stale: run python scripts/gen_manpage.py", file=sys.stderr)
            return 1
        return 0
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
