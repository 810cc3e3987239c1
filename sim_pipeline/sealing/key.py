"""Secrets at rest: AES-256-GCM from `cryptography`, sealed in chunks of many cards.

One cipher call per chunk rather than per card: a per-value call costs about 1.7 us, which for
6 columns of 10M cards would eat the whole ingest budget. A chunk holds the JSON objects of its
cards' secrets back to back; each card keeps (chunk, offset, length). Reading one card decrypts
its chunk (authenticated: a wrong key or a changed byte fails, never returns garbage).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sim_pipeline.errors import SecretKeyError

KEY_ENV = "SIM_PIPELINE_KEY"


def new_key() -> str:
    """A fresh key as one line of text (url-safe base64 of 32 random bytes)."""
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")


@dataclass(frozen=True)
class SecretKey:
    raw: bytes

    @property
    def key_id(self) -> str:
        """A fingerprint that names the key without revealing it."""
        return hashlib.sha256(b"sim-pipeline key id" + self.raw).hexdigest()[:16]

    @classmethod
    def parse(cls, text: str, where: str) -> SecretKey:
        try:
            raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raw = b""
        if len(raw) != 32:
            raise SecretKeyError(f"{where}: not a sim-pipeline key (make one with `sim-pipeline keygen`)")
        return cls(raw)

    def seal(self, plaintext: bytes, associated: bytes) -> tuple[bytes, bytes]:
        nonce = os.urandom(12)
        return nonce, AESGCM(self.raw).encrypt(nonce, plaintext, associated)

    def open(self, nonce: bytes, ciphertext: bytes, associated: bytes) -> bytes:
        try:
            return AESGCM(self.raw).decrypt(nonce, ciphertext, associated)
        except InvalidTag:
            raise SecretKeyError(
                "the key does not open this inventory's secrets (wrong SIM_PIPELINE_KEY or key file?)"
            ) from None


def load_key(env_value: str | None, key_path: Path) -> SecretKey:
    """The key from SIM_PIPELINE_KEY, else from the key file. Missing is an error, never an empty key."""
    if env_value:
        return SecretKey.parse(env_value, KEY_ENV)
    try:
        text = key_path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise SecretKeyError(
            f"no key: set {KEY_ENV} or create {key_path} (`sim-pipeline init` makes one)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretKeyError(f"{key_path}: cannot read the key ({exc.__class__.__name__})") from None
    return SecretKey.parse(text, str(key_path))


def create_key_file(key_path: Path) -> bool:
    """Create the key file with mode 0600 when absent. Returns True when it was created."""
    try:
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(new_key() + "\n")
    return True
