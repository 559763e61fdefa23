"""Process exit codes, fixed by the core issue and close to psql's."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0  # every statement succeeded
    STATEMENT_FAILED = 1  # a statement (or meta-command) failed, or work was discarded at end of input
    BAD_USAGE = 2  # bad arguments, unreadable input, or the database cannot be reached
