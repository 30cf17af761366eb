"""Every named query in queries/*.sql: `-- name:` equals the file name, title and grain are present, and every
`$param` of the body is listed under `-- params:`."""

from __future__ import annotations

import re

import pytest

from hssk.config import QUERIES_DIR

QUERY_FILES = sorted(QUERIES_DIR.glob("*.sql"))
_KEY = re.compile(r"^--\s*(\w+):\s*(.*)$")
_CONTINUATION = re.compile(r"^--\s{2,}(\S.*)$")


def header(text: str) -> dict[str, str]:
    """The leading comment block: `-- key: value` lines; indented comment lines continue the previous key."""
    found: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        if match := _KEY.match(line):
            key = match.group(1)
            found[key] = match.group(2).strip()
        elif key and (match := _CONTINUATION.match(line)):
            found[key] += " " + match.group(1)
    return found


def test_there_are_queries():
    assert len(QUERY_FILES) >= 10


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.name for p in QUERY_FILES])
def test_query_header(path):
    text = path.read_text(encoding="utf-8")
    head = header(text)
    assert head.get("name") == path.stem
    assert head.get("title"), "title missing"
    assert head.get("grain"), "grain missing"
    used = set(re.findall(r"\$([A-Za-z_]\w*)", text))
    listed = set(re.findall(r"\$([A-Za-z_]\w*)", head.get("params", "")))
    assert used <= listed, f"$params not listed under -- params: {sorted(used - listed)}"


def test_header_parser_reads_continuation_lines():
    text = "-- name:   q\n-- params: $a INT -- first\n--         $b INT -- second\nselect $a, $b"
    assert header(text)["params"] == "$a INT -- first $b INT -- second"
