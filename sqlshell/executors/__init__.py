"""The three ways to run SQL, one module each: ``engine`` (one-shot pooled
calls), ``connection`` (a held Connection with manual transactions) and
``session`` (an ORM Session). ``common.run_statement`` is what they share: run
one user statement on a SQLAlchemy Connection and describe its result
(``pgstream`` and ``pgcopy`` are its PostgreSQL paths)."""
