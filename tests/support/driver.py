"""Drive the shell below the CLI: a Shell statement by statement, and the
splitter fed in chunks."""

from __future__ import annotations


class ShellDriver:
    """A Shell run in-process, statement by statement, so a test can look at
    the database from another connection between two statements."""

    def __init__(self, url: str, **settings: object) -> None:
        import io

        from sqlshell.commands.all import build_registry
        from sqlshell.database import Database
        from sqlshell.output.streams import Output
        from sqlshell.pipeline import Pipeline
        from sqlshell.settings import Settings
        from sqlshell.state import Shell
        from sqlshell.urls import resolve

        self.stdout, self.stderr = io.StringIO(), io.StringIO()
        db = Database(resolve(url))
        db.check()
        self.shell = Shell(db, Settings(**settings), Output(self.stdout, self.stderr), build_registry())  # type: ignore[arg-type]
        self.pipeline = Pipeline(self.shell)

    def run(self, text: str) -> tuple[str, str]:
        """Run input; returns what it wrote to stdout and stderr."""
        from sqlshell.sqltext.source import text_statements

        out0, err0 = self.stdout.tell(), self.stderr.tell()
        for stmt in text_statements(text, self.shell.db.nested_comments):
            self.pipeline.execute(stmt)
        return self.stdout.getvalue()[out0:], self.stderr.getvalue()[err0:]

    @property
    def prompt(self) -> str:
        return self.shell.prompt_text()

    def close(self) -> None:
        self.shell.discard_open_work()
        self.shell.close()


def fed_in_chunks(chunks: list[str], nested: bool) -> list:
    """What the splitter makes of input that arrives in these chunks."""
    from sqlshell.sqltext.split import Splitter

    splitter = Splitter(nested)
    out: list = []
    for chunk in chunks:
        out += splitter.feed(chunk)
    return out + splitter.finish()
