"""The `lineage` command: thin typer commands over the three rooms (loaders, graph, explorer).

Each command group lives in its own module; `cli.main` puts them together.
"""
