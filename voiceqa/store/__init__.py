"""Storage of scored calls (SQLAlchemy 2): embedded SQLite by default, PostgreSQL by URL."""
