"""Shared fixtures: a fresh in-memory database per test."""

from __future__ import annotations

import pytest

from hssk.db import connect


@pytest.fixture
def con():
    con = connect(":memory:")
    yield con
    con.close()
