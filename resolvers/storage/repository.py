"""Storage backends: files under a local folder (embedded default) or an S3-compatible bucket."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import aioboto3
from botocore.config import Config
from botocore.exceptions import ClientError

from resolvers.storage.schemas import ObjectMissing, checked_key


class LocalDiskStorage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / checked_key(key)).resolve()
        if self.root not in path.parents:
            raise ObjectMissing()
        return path

    async def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        await asyncio.to_thread(_write_atomically, path, data)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise ObjectMissing(f"{key} not found") from None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def close(self) -> None:
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)


class S3Storage:
    """One client for the process (each client is a connection pool), opened at startup."""

    def __init__(self, bucket: str, *, endpoint_url: str | None, region: str, access_key_id: str | None, secret_access_key: str | None) -> None:
        self.bucket = bucket
        self._session = aioboto3.Session()
        self._client_options: dict[str, Any] = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
            # S3-compatible servers often reject the newer default checksums
            "config": Config(request_checksum_calculation="when_required", response_checksum_validation="when_required"),
        }
        self._context: Any = None
        self._client: Any = None

    async def open(self) -> None:
        self._context = self._session.client("s3", **self._client_options)
        self._client = await self._context.__aenter__()

    async def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        await self._client.put_object(Bucket=self.bucket, Key=checked_key(key), Body=data, ContentType=content_type)

    async def get(self, key: str) -> bytes:
        try:
            response = await self._client.get_object(Bucket=self.bucket, Key=checked_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise ObjectMissing(f"{key} not found") from None
            raise
        async with response["Body"] as stream:
            return await stream.read()

    async def delete(self, key: str) -> None:
        await self._client.delete_object(Bucket=self.bucket, Key=checked_key(key))

    async def exists(self, key: str) -> bool:
        try:
            await self._client.head_object(Bucket=self.bucket, Key=checked_key(key))
        except ClientError:
            return False
        return True

    async def close(self) -> None:
        if self._context is not None:
            await self._context.__aexit__(None, None, None)
            self._context = self._client = None
