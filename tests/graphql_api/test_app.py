"""What the app does to the process when it starts serving (its lifespan calls `_freeze_startup_objects`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from graphql_api.app import GC_YOUNG_THRESHOLD, _freeze_startup_objects


@pytest.fixture
def collector_settings() -> Iterator[None]:
    """The collector's thresholds are the process's: put them back for the tests after this one."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()


def test_startup_freezes_its_objects_and_collects_the_young_less_often(collector_settings: None) -> None:
    _freeze_startup_objects()
    assert gc.get_freeze_count() > 0  # the schema, the routes and the modules are out of the collector's walks
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, 10, 10)  # the older generations keep theirs
