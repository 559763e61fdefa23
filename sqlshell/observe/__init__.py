"""What the inspection meta-commands show (\\trace, \\txn, \\pool, \\locks, \\objects): read-only views
of SQLAlchemy's pool, connection, transaction and session.
"""
