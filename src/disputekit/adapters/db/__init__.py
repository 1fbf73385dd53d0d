"""The database: tables, the Database, migrations."""
