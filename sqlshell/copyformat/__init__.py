"""PostgreSQL's COPY text and CSV formats, for the databases that have no COPY.

On PostgreSQL the server reads and writes ``\\copy``'s data; elsewhere the
shell does, and it does so byte for byte as PostgreSQL's ``copyto.c``
(``writer``) and ``copyfrom.c`` (``reader``) would for the same values and the
same options (``options``): the same escaping, quoting, NULL marker and
header, so a file moves between backends unchanged. No database here: text in,
values out, and back.
"""
