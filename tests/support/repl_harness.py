"""A real REPL in a background thread, fed keystrokes through prompt_toolkit's
pipe input (the pattern of ``tests/test_repl.py``), with what a person would
look at made observable: the edit buffer, the bottom toolbar as drawn, the
prompts, and the output streams.

Keys sent in one burst are processed before the screen is drawn (typeahead),
so completion and Ctrl-R tests wait for the buffer to show what a person
would wait to see before typing on; ``line()`` waits for the next prompt.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from typing import Any

from prompt_toolkit.application import create_app_session
from prompt_toolkit.history import History, InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from sqlshell.commands.all import build_registry
from sqlshell.database import Database
from sqlshell.interactive.prompt import make_session
from sqlshell.interactive.repl import run_repl
from sqlshell.output.streams import Output
from sqlshell.settings import Settings
from sqlshell.state import Shell
from sqlshell.urls import resolve

TIMEOUT = 10.0


class TtyStringIO(io.StringIO):
    """Standard output that says it is a terminal (for the pager)."""

    def isatty(self) -> bool:
        return True


class Repl:
    def __init__(
        self,
        url: str,
        settings: Settings | None = None,
        stdout: io.StringIO | None = None,
        history: History | None = None,
        file_history: bool = False,
    ) -> None:
        self.stdout, self.stderr = stdout or io.StringIO(), io.StringIO()
        db = Database(resolve(url))
        self.shell = Shell(
            db, settings or Settings(interactive=True), Output(self.stdout, self.stderr), build_registry()
        )
        self.history = history or InMemoryHistory()
        self._file_history = file_history  # the real history file in the (test's) XDG state dir
        self._pipe_cm = create_pipe_input()
        self.pipe = self._pipe_cm.__enter__()
        self.toolbars: list[str] = []
        self.prompts = 0  # session.prompt() calls
        self.prompt_texts: list[str] = []  # the prompt each of them showed (mode, indicator)
        self._drawn_for = 0  # the prompt whose screen was last drawn
        self.session: Any = None
        self.code: int | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self.until(lambda: self._drawn_for >= 1, "the first prompt was never drawn")

    def _run(self) -> None:
        try:
            with create_app_session(input=self.pipe, output=DummyOutput()):
                kwargs = {} if self._file_history else {"history": self.history}
                session = make_session(self.shell, **kwargs)
                toolbar, prompt = session.bottom_toolbar, session.prompt

                def drawn_toolbar() -> str:
                    text = toolbar()
                    self.toolbars.append(text)
                    self._drawn_for = self.prompts
                    return text

                def counted_prompt(*args: Any, **kwargs: Any) -> str:
                    self.prompts += 1
                    self.prompt_texts.append(self.shell.prompt_text())
                    return prompt(*args, **kwargs)

                session.bottom_toolbar, session.prompt = drawn_toolbar, counted_prompt
                self.session = session
                self.code = run_repl(self.shell, session=session)
        except BaseException as exc:  # shown by finish()
            self.error = exc

    # -- driving ------------------------------------------------------------------

    def send(self, keys: str) -> None:
        self.pipe.send_text(keys)

    def line(self, keys: str) -> None:
        """Send input that ends the prompt, and wait until the next one is drawn."""
        before = self.prompts
        self.send(keys)
        self.until(lambda: self._drawn_for > before, f"no new prompt after {keys!r}")

    def type_until(self, keys: str, expected: str) -> None:
        """Type keys (Tab…) and wait until the edit buffer holds ``expected``."""
        self.send(keys)
        self.until(
            lambda: self.buffer == expected, lambda: f"after {keys!r} the buffer is {self.buffer!r}, not {expected!r}"
        )

    @property
    def buffer(self) -> str:
        return self.session.default_buffer.text

    def offered(self) -> list[str]:
        """The completions in the menu now (after Tab found several)."""
        self.until(lambda: self.session.default_buffer.complete_state is not None, "no completion menu")
        return [c.text for c in self.session.default_buffer.complete_state.completions]

    @property
    def toolbar(self) -> str:
        return self.toolbars[-1]

    def until(self, condition: Callable[[], bool], what: str | Callable[[], str], timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.error is not None:
                raise AssertionError(f"the REPL failed: {self.error!r}") from self.error
            if time.monotonic() > deadline:
                what = what if isinstance(what, str) else what()
                raise AssertionError(f"{what} (stderr: {self.stderr.getvalue()!r})")
            time.sleep(0.005)

    def finish(self, timeout: float = TIMEOUT) -> int | None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the REPL did not exit"
        self.close()
        if self.error is not None:
            raise self.error
        return self.code

    def close(self) -> None:
        """End the REPL however it stands (a failed test leaves it mid-way)."""
        for keys in ("\x04", "r\r", "\x04"):  # Ctrl-D; roll back if asked; Ctrl-D
            if not self._thread.is_alive():
                break
            self.send(keys)
            self._thread.join(1)
        self._pipe_cm.__exit__(None, None, None)
        self.shell.close()
