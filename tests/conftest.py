"""Shared fixtures: a fresh in-memory database per test, and the tiny world of tests/kpi_world.py.

Helpers the tests share are modules of tests/ (files.py: export files; sample.py: clean rows and scored pairs;
kpi_world.py: the KPI world), imported as `tests.<module>`: no test module imports another.
"""

from __future__ import annotations

import pytest

from hssk.db import connect
from tests.kpi_world import build_world


@pytest.fixture
def con():
    con = connect(":memory:")
    yield con
    con.close()


@pytest.fixture
def world(con):
    """The tiny world in a fresh database (for tests that change it)."""
    build_world(con)
    return con


@pytest.fixture(scope="module")
def shared_world():
    """The tiny world, built once per test module: for tests that only read."""
    con = connect(":memory:")
    build_world(con)
    yield con
    con.close()


@pytest.fixture
def reference_copy(tmp_path):
    """A copy of data/reference that the code reads inside the test (edit it freely)."""
    import shutil

    from hssk import config, reference

    directory = tmp_path / "reference"
    shutil.copytree(config.REFERENCE_DIR, directory)
    with reference.using(directory):
        yield directory
