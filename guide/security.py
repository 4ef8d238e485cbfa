"""Secrets and hashes: random codes and tokens, keyed hashes for what must be looked up, argon2 for passwords."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password: used to spend the same time on unknown accounts")


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 with the app's secret: the database alone cannot reverse a code, token or phone number."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    """Six random digits from the operating system's CSPRNG."""
    return f"{secrets.randbelow(10**6):06d}"


def new_token() -> str:
    """A URL-safe random token: 128 bits in 22 characters, short enough to leave room in a 160-character SMS."""
    return secrets.token_urlsafe(16)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """Argon2 check; an unknown account is checked against a dummy hash so it takes the same time."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
