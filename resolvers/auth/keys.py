"""The JWT signing keys: Ed25519, stored in the database (so every process signs and verifies with
the same keys), private halves encrypted with a key derived from BASALT_SECRET_KEY.

Verification pins the algorithm (EdDSA) and looks the `kid` up among our keys: `alg: none`, an
HS256 token "signed" with a public key, or an unknown `kid` are all refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import datetime, timezone
from typing import Any

import jwt
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from models.auth import SigningKey
from resolvers.ids import new_id

ALGORITHM = "EdDSA"
UNKNOWN_KID_RECHECK_SECONDS = 5.0  # an unknown kid rereads the keys at most this often


class KeyRing:
    """This process's view of the signing keys; rereads the table when it meets an unknown kid."""

    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(b"basalt signing keys\0" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        mfa_digest = hashlib.sha256(b"basalt mfa secrets\0" + secret_key.encode()).digest()
        self._mfa = Fernet(base64.urlsafe_b64encode(mfa_digest))
        self._public: dict[str, Ed25519PublicKey] = {}
        self._signing: tuple[str, Ed25519PrivateKey] | None = None
        self._loaded_at = 0.0

    def seal_mfa_secret(self, secret: str) -> str:
        return self._mfa.encrypt(secret.encode()).decode()

    def open_mfa_secret(self, sealed: str) -> str:
        return self._mfa.decrypt(sealed.encode()).decode()

    async def signing_key(self) -> tuple[str, Ed25519PrivateKey]:
        if self._signing is None:
            await self._load()
        if self._signing is None:
            await self._create()
            await self._load()
        assert self._signing is not None
        return self._signing

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        if kid not in self._public and time.monotonic() - self._loaded_at > UNKNOWN_KID_RECHECK_SECONDS:
            await self._load()
        return self._public.get(kid)

    async def jwks(self) -> dict[str, Any]:
        await self.signing_key()
        rows = await SigningKey.filter(retired_at__isnull=True).order_by("created_at")
        return {"keys": [row.public_jwk for row in rows]}

    async def _load(self) -> None:
        rows = await SigningKey.filter(retired_at__isnull=True).order_by("created_at")
        self._public = {row.kid: _public_of(row.public_jwk) for row in rows}
        if rows:
            newest = rows[-1]
            private = serialization.load_pem_private_key(self._fernet.decrypt(newest.private_key.encode()), password=None)
            assert isinstance(private, Ed25519PrivateKey)
            self._signing = (newest.kid, private)
        self._loaded_at = time.monotonic()

    async def _create(self) -> None:
        """A first key; two processes racing here both create one, and both stay valid."""
        private = Ed25519PrivateKey.generate()
        kid = new_id("kid", 16)
        jwk = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
        jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        await SigningKey.create(
            kid=kid,
            algorithm=ALGORITHM,
            private_key=self._fernet.encrypt(pem).decode(),
            public_jwk=jwk,
            created_at=datetime.now(timezone.utc),
        )


def _public_of(jwk: dict[str, Any]) -> Ed25519PublicKey:
    key = OKPAlgorithm.from_jwk(json.dumps(jwk))
    assert isinstance(key, Ed25519PublicKey)
    return key


def encode(claims: dict[str, Any], kid: str, private: Ed25519PrivateKey) -> str:
    return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": kid})


def unverified_kid(token: str) -> str | None:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return None
    kid = header.get("kid")
    return kid if isinstance(kid, str) and header.get("alg") == ALGORITHM else None
