"""Hashing of passwords, device tokens and identity numbers.

Passwords use salted PBKDF2 (slow on purpose); device and session tokens are
long random strings, so a plain SHA-256 is enough and cheap per request; ID
numbers are hashed with a keyed HMAC so the hash cannot be reversed by trying
all 10^17 numbers without the hall's key.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

PBKDF2_ROUNDS = 120_000


def hash_password(password: str, *, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), PBKDF2_ROUNDS)
    return f"pbkdf2_sha256${PBKDF2_ROUNDS}${salt}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, rounds, salt, expected = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(rounds))
    return hmac.compare_digest(digest.hex(), expected)


def hash_token(token: str) -> str:
    return "sha256$" + hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def identity_hash(id_number: str, key: bytes) -> str:
    """Keyed hash of an ID number: equal numbers match, the number is not recoverable."""
    return hmac.new(key, id_number.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(id_number: str) -> str:
    """4105**********1234: the region prefix and last four digits stay readable."""
    number = id_number.strip().upper()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """张*三 for public screens; a two-character name keeps its first: 李*."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
