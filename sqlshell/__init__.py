"""sqlshell: an SQL shell that shows SQLAlchemy's engine, connection and session levels."""

__version__ = "0.1.0"
