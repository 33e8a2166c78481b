"""Field encryption for clinical text (case notes, messages, reasons), keyed from the environment.

FUCHENG_FIELD_KEYS holds comma-separated keys, newest first. New values are encrypted with the first
key; any listed key decrypts, so keys rotate without downtime (`manage.py rotate_field_keys`
re-encrypts stored values with the newest). The scheme follows the key's prefix:

- a plain Fernet key (AES-128-CBC with HMAC-SHA256): values stored as ``fernet:<token>``;
- ``sm4:<base64 of 16 bytes>``: SM4 (GB/T 32907) in GCM mode, for deployments that need a
  commercial-cryptography (商用密码) assessment: values stored as ``sm4:<key id>:<base64 nonce+ciphertext+tag>``.

Putting an SM4 key first and running `rotate_field_keys` moves every value to SM4 (and back).
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"
SM4_PREFIX = "sm4:"
PREFIXES = (PREFIX, SM4_PREFIX)
_SM4_NONCE = 12
_SM4_TAG = 16


class _Keys:
    """The parsed key list: the Fernet keys as one MultiFernet, the SM4 keys by id, and which signs."""

    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise ImproperlyConfigured("FUCHENG_FIELD_KEYS is empty: case notes cannot be encrypted.")
        fernets: list[Fernet] = []
        self.sm4: dict[str, bytes] = {}
        newest: tuple[str, str | None] | None = None
        for part in parts:
            if part.startswith(SM4_PREFIX):
                key = base64.b64decode(part[len(SM4_PREFIX) :])
                if len(key) != 16:
                    raise ImproperlyConfigured("An SM4 key in FUCHENG_FIELD_KEYS must be 16 bytes (base64).")
                key_id = hashlib.sha256(key).hexdigest()[:8]
                self.sm4[key_id] = key
                newest = newest or ("sm4", key_id)
            else:
                fernets.append(Fernet(part.encode()))
                newest = newest or ("fernet", None)
        self.newest: tuple[str, str | None] = newest or ("fernet", None)  # parts is not empty: always set
        self.fernet = MultiFernet(fernets) if fernets else None


@lru_cache(maxsize=4)
def _keys(keys: str) -> _Keys:
    return _Keys(keys)


def keys() -> _Keys:
    return _keys(settings.FUCHENG_FIELD_KEYS)


def fernet() -> MultiFernet:
    current = keys().fernet
    if current is None:
        raise ImproperlyConfigured("FUCHENG_FIELD_KEYS has no Fernet key.")
    return current


def _sm4_encrypt(key_id: str, key: bytes, value: str) -> str:
    nonce = os.urandom(_SM4_NONCE)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(key_id.encode())
    sealed = encryptor.update(value.encode()) + encryptor.finalize() + encryptor.tag
    return f"{SM4_PREFIX}{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def _sm4_decrypt(stored: str) -> str:
    key_id, _, payload = stored[len(SM4_PREFIX) :].partition(":")
    key = keys().sm4.get(key_id)
    if key is None:
        raise ValueError("value cannot be decrypted with the configured keys")
    raw = base64.b64decode(payload)
    nonce, sealed, tag = raw[:_SM4_NONCE], raw[_SM4_NONCE:-_SM4_TAG], raw[-_SM4_TAG:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(key_id.encode())
    try:
        return (decryptor.update(sealed) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise ValueError("value cannot be decrypted with the configured keys") from exc


def is_encrypted(stored: str | None) -> bool:
    return bool(stored and stored.startswith(PREFIXES))


def encrypt_text(value: str) -> str:
    current = keys()
    scheme, key_id = current.newest
    if scheme == "sm4" and key_id is not None:
        return _sm4_encrypt(key_id, current.sm4[key_id], value)
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt_text(stored: str) -> str:
    if stored.startswith(SM4_PREFIX):
        return _sm4_decrypt(stored)
    if not stored.startswith(PREFIX):
        raise ValueError("value is not encrypted")
    current = keys().fernet
    if current is None:
        raise ValueError("value cannot be decrypted with the configured keys")
    try:
        return current.decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ValueError("value cannot be decrypted with the configured keys") from exc


def rotate_text(stored: str) -> str:
    """The same text under the newest key (and its scheme)."""
    return encrypt_text(decrypt_text(stored))


class EncryptedTextField(models.TextField):
    """A TextField stored encrypted; Python code sees plain text, the database never does."""

    description = "Text encrypted at rest"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_lookup(self, lookup_name):
        # Ciphertext cannot be compared or searched; only emptiness tests make sense.
        if lookup_name not in {"isnull", "exact"}:
            return None
        return super().get_lookup(lookup_name)
