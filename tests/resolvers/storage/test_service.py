"""Both storage backends behave the same: local disk, and a real S3-compatible server (moto)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import boto3
import pytest

from resolvers.errors import NotFound, ValidationError
from resolvers.storage.schemas import Storage
from resolvers.storage.service import open_storage

S3_ENDPOINT = os.environ.get("BASALT_TEST_S3_ENDPOINT", "")


@pytest.fixture(params=["file", pytest.param("s3", marks=pytest.mark.skipif(not S3_ENDPOINT, reason="needs the S3 server of make test"))])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "file":
        backend = await open_storage(f"file://{tmp_path}/files")
    else:
        bucket = f"basalt-test-{uuid.uuid4().hex[:8]}"
        credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
        boto3.client("s3", endpoint_url=S3_ENDPOINT, **credentials).create_bucket(Bucket=bucket)
        backend = await open_storage(
            f"s3://{bucket}", s3_endpoint_url=S3_ENDPOINT, s3_access_key_id="test", s3_secret_access_key="test"
        )
    yield backend
    await backend.close()


async def test_put_get_delete_round_trip(storage: Storage) -> None:
    key = "tn_abc/files/report.pdf"
    await storage.put(key, b"%PDF-1.7 content", "application/pdf")
    assert await storage.exists(key)
    assert await storage.get(key) == b"%PDF-1.7 content"
    await storage.put(key, b"replaced")
    assert await storage.get(key) == b"replaced"
    await storage.delete(key)
    assert not await storage.exists(key)
    with pytest.raises(NotFound):
        await storage.get(key)


@pytest.mark.parametrize("key", ["../etc/passwd", "tn_a/../../x", "/abs", "a//b", ""])
async def test_keys_cannot_escape(storage: Storage, key: str) -> None:
    with pytest.raises(ValidationError):
        await storage.put(key, b"x")
