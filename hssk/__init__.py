"""HSSK Workbench: reconcile commune HSSK records with the population register.

The public doors used by pages, notebooks and the CLI live in the submodules; see docs/architecture.md.
"""

__version__ = "0.1.0"
