"""The progress line for long scripts on a terminal: shown on a tty, never
in a pipe or with -q, erased before messages."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from sqlshell.output.progress import Progress


def test_progress_text_and_clearing() -> None:
    out = io.StringIO()
    p = Progress(out, total_bytes=2000, interval=0)
    p.read(1000)
    p.statement_done()
    assert out.getvalue().endswith("[############............]  50% 1 statements, 1.0 kB of 2.0 kB")
    p.clear()
    assert out.getvalue().endswith("\r\x1b[K")


def test_progress_on_a_terminal_not_in_a_pipe(tmp_path: Path) -> None:
    script = tmp_path / "s.sql"
    script.write_text("".join(f"select {i};\n" for i in range(3000)) + "select * from no_such_table_p;\n")
    db = f"sqlite:///{tmp_path}/p.sqlite3"
    main, secondary = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "sqlshell", db, "--format", "csv", "-f", str(script)],
        stdout=subprocess.DEVNULL,
        stderr=secondary,
        timeout=120,
    )
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(main)
    assert proc.returncode == 1
    assert b"statements" in seen and b"%" in seen
    erased = b"\r\x1b[K" + str(script).encode() + b":3001: ERROR: no such table"
    assert erased in seen  # the line is erased before the error
    piped = subprocess.run([sys.executable, "-m", "sqlshell", db, "-f", str(script)], capture_output=True, timeout=120)
    assert b"statements" not in piped.stderr and b"\x1b[K" not in piped.stderr
