"""What pytest must not import while it collects (``--doctest-modules`` imports every module).

The migration environment runs a migration when imported, and only Alembic can import it (it
needs Alembic's ``context``); the revisions are read by Alembic, not imported as a package.
``__main__.py`` is left out by pytest itself.
"""

collect_ignore = ["src/disputekit/adapters/db/migrations"]
