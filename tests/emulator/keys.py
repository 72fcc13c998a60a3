"""RSA key pairs and JWTs for test apps (generation is slow, so keys are cached per process)."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class AppKeys:
    private_pem: str
    public_pem: str


@functools.cache
def app_keys(name: str = "perfbot") -> AppKeys:
    """A 2048-bit key pair, one per `name` per process (use another name for a rogue key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return AppKeys(private.decode(), public.decode())


def app_jwt(app_id: int | str, private_pem: str, *, iat: float | None = None,
            lifetime: int = 540) -> str:
    """An app JWT the way GitHub documents it: RS256, iss = app id, backdated 60 s."""
    issued = int(time.time() - 60 if iat is None else iat)
    return jwt.encode({"iat": issued, "exp": issued + lifetime, "iss": str(app_id)},
                      private_pem, algorithm="RS256")
