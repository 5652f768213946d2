"""The show wing: the store's numbers made into what people read, look at and take away.

It holds charts (`charts`: pure functions from a DataFrame to an Altair chart, one palette), rendering on the server
(`render`: PNG / SVG), number and status words (`formatting`), sentences (`story`), decks and what each slide shows
(`slides`), PowerPoint (`deck_export`) and the report card PDF (`report_card`). It may import the base modules
(`errors`, `config`, `vocab`, `text`) and the `store` wing (reads go through `store.queries`, always the public twin
unless a director asks), never `intake`.
"""
