"""Pick and open the storage backend named by BASALT_STORAGE_URL (file://path or s3://bucket)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from resolvers.storage.repository import LocalDiskStorage, S3Storage
from resolvers.storage.schemas import Storage


async def open_storage(url: str, *, s3_endpoint_url: str | None = None, s3_region: str = "us-east-1",
                       s3_access_key_id: str | None = None, s3_secret_access_key: str | None = None) -> Storage:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalDiskStorage(Path(url[len("file://"):]))
    storage = S3Storage(
        parsed.netloc,
        endpoint_url=s3_endpoint_url,
        region=s3_region,
        access_key_id=s3_access_key_id,
        secret_access_key=s3_secret_access_key,
    )
    await storage.open()
    return storage
