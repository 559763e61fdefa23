"""The three ways to run SQL. Start at ``contract``: the modes (``Mode``), the
``Executor`` and ``Transactional`` protocols they satisfy, the transaction
state they report (``TxnSnapshot``, ``TxnStatus``); then ``factory``'s
``executor_for``, the one place a mode becomes an executor.

``engine`` (one-shot pooled calls), ``connection`` (a held Connection with
manual transactions; ``connfollow`` follows the server) and ``session`` (an
ORM Session; ``sessionfollow`` follows the server, ``sessiontxn`` ends and
nests its transaction). ``transactional`` holds the savepoint and
failed-transaction rules the two holders share, ``ended`` says why the server
ended a transaction, ``serverstate`` reads where it stands.
``common.run_statement`` runs one user statement on a SQLAlchemy Connection
(``pgstream`` and ``pgcopy`` are its PostgreSQL paths)."""
