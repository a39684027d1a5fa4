"""Sealed tokens: JSON encrypted and authenticated with Fernet (AES-128-CBC + HMAC-SHA256), stamped with
the time they were made so they expire. Each purpose gets its own key, derived from SECRET_KEY with HKDF,
so a token made for one purpose never opens as another. Without the key a token reads as random bytes."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HKDF_SALT = b"immunomodulator-qa.tokens"


def derive_key(secret_key: str, purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=purpose.encode("utf-8"))
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode("utf-8")))


class Sealer:
    def __init__(self, secret_key: str, purpose: str, max_age: int) -> None:
        if not secret_key:
            raise ValueError("secret_key must not be empty")
        if max_age < 1:
            raise ValueError(f"max_age must be at least 1 second, got {max_age}")
        self._fernet = Fernet(derive_key(secret_key, purpose))
        self.max_age = max_age

    def seal(self, value: Any) -> str:
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode("utf-8")).decode("ascii")

    def open(self, token: str) -> Any:
        """The value sealed in ``token``; None when it is forged, damaged, for another key or too old."""
        try:
            plain = self._fernet.decrypt(token.encode("ascii"), ttl=self.max_age)
            return json.loads(plain)
        except (InvalidToken, UnicodeError, ValueError, RecursionError):
            return None
