"""The store wing: everything that keeps the partnership's numbers and says who may see them.

It holds opening the store (`database`: a DuckDB file, or a DuckLake through `lake`), the tables (`schema.sql`), the
metric catalog and its one updating transaction (`catalog`), accounts and the permission check every read and write
passes (`auth`), signed-in sessions checked at every page run (`sessions`) and the sign-in record (`sign_in_record`),
small-cell suppression and the public rows (`privacy`), the named reads the pages and exports use
(`queries`), backup / restore / export (`export`) and milestone edits (`milestones`). It may import the base modules
at the package's top (`errors`, `config`, `vocab`, `text`) and its own modules, never `intake` or `show`: both of
those build on the store, so an arrow back would tie the store to how files are read or how charts are drawn.
"""
