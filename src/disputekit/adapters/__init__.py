"""I/O at the edge: the platform, 17TRACK, the database, files."""
