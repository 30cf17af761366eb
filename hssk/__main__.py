"""`python -m hssk`: the command line as a process. Everything it writes — the database and its write-ahead log,
worklists, reports, record exports — holds personal data, so the process creates files owner-only (umask 077)."""

import os

from hssk.cli import main

os.umask(0o077)
raise SystemExit(main())
