"""Write the bash, zsh and fish completion scripts for ``sqlshell`` into ``completions/``.

The scripts come from click's own shell-completion classes, the same text
``_SQLSHELL_COMPLETE=bash_source sqlshell`` prints; they call back into
``sqlshell`` for the candidates, so options and ``--mode``/``--format`` values
stay current by themselves. Regenerate after upgrading click (a test fails
when the files are stale):

    python scripts/gen_completions.py          # write the files
    python scripts/gen_completions.py --check  # exit 1 if they are stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.shell_completion import BashComplete, FishComplete, ShellComplete, ZshComplete

from sqlshell.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PROG = "sqlshell"
COMPLETE_VAR = "_SQLSHELL_COMPLETE"
FILES: dict[str, type[ShellComplete]] = {
    "sqlshell.bash": BashComplete,
    "_sqlshell": ZshComplete,  # zsh looks for _<command> on $fpath
    "sqlshell.fish": FishComplete,
}


def generated() -> dict[str, str]:
    """File name → the script click generates for it now."""
    return {name: shell(cli, {}, PROG, COMPLETE_VAR).source() + "\n" for name, shell in FILES.items()}


def main(argv: list[str]) -> int:
    out = ROOT / "completions"
    stale = [name for name, text in generated().items() if _read(out / name) != text]
    if "--check" in argv:
        for name in stale:
            print(f"completions/{name} is stale: run python scripts/gen_completions.py", file=sys.stderr)
        return 1 if stale else 0
    out.mkdir(exist_ok=True)
    for name, text in generated().items():
        (out / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(FILES)} completion scripts to {out}")
    return 0


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
