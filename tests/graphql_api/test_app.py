"""What the app does to the process when it starts serving."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette

from graphql_api.app import GC_YOUNG_THRESHOLD


@pytest.fixture
def collector_settings() -> Iterator[None]:
    """The collector's thresholds are the process's: put them back for the tests after this one."""
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()


async def test_startup_freezes_its_objects_and_collects_the_young_less_often(app: Starlette, collector_settings: None) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 0  # the schema, the routes and the modules are out of the collector's walks
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, 10, 10)  # the older generations keep theirs
