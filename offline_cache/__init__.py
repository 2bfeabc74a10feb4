"""Everything the console keeps on local disk: SQLite cache (journal, snapshot tables,
outbox, dead letters, blobs).  Imports only the standard library and sqlite-utils."""
