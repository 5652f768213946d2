"""The intake wing: a partner's untrusted file on its way in, from bytes to one all-or-nothing load.

It holds the reader (`reader/`: the file parsed in a sandboxed child into grids, tables and columns found, cells and
periods read), staging the bytes on disk (`staging`), validation into checked rows with located findings
(`validate`), the load and its undo (`ingest`), the column mappings a partner confirmed (`mappings`), the catalog
workbook's reader (`catalog_workbook`) and the partner template (`template`). It may import the base modules
(`errors`, `config`, `vocab`, `text`) and the `store` wing, never `show`: what comes in does not depend on how it is
shown.
"""
