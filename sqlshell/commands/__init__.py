"""Meta-commands (backslash commands), declared once in ``registry`` form:
``core`` (quit, help, modes, status, output settings) and ``transaction``
(begin/commit/rollback/savepoints/isolation)."""
