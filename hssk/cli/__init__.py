"""`python -m hssk …`: a thin skin over the library, one module per command group.

    data      import, demo
    exports   export records, export clusters
    linkage   link, evaluate
    review    review, decide, lookup
    figures   kpi, worklist, report
    villages  villages, villages map
    audit     audit verify

Each group adds its sub-commands with `add_commands(sub)` (static imports: `parser.py` lists them); the helpers they
share are in `common.py`. Errors print in Vietnamese, never as a traceback.
"""

from hssk.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
