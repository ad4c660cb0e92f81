"""Hashing of passwords, device tokens and identity numbers.

Passwords are hashed with Argon2id (argon2-cffi; slow and memory-hard on
purpose, so callers run it in a thread). PBKDF2 hashes made by earlier
releases still verify: `hallq hash-password` prints an Argon2 hash to replace
them with. Device and session tokens are long random strings, so a plain
SHA-256 is enough and cheap per request; ID numbers are hashed with a keyed
HMAC so the hash cannot be reversed by trying all 10^17 numbers without the
hall's key.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

PBKDF2_ROUNDS = 120_000
# OWASP's Argon2id setting (19 MiB, 2 passes, 1 lane): one lane keeps a check on one core,
# so the hashing thread never takes the event loop's.
_ARGON2 = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def hash_password(password: str) -> str:
    return _ARGON2.hash(password)


def hash_password_pbkdf2(password: str, *, salt: str | None = None, rounds: int = PBKDF2_ROUNDS) -> str:
    """The earlier format, still accepted in hall files."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds)
    return f"pbkdf2_sha256${rounds}${salt}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored`; slow: call it in a thread."""
    if stored.startswith("$argon2"):
        try:
            return _ARGON2.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    try:
        scheme, rounds, salt, expected = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(rounds))
    return hmac.compare_digest(digest.hex(), expected)


def cost_of(stored: str) -> str:
    """What verifying `stored` costs: its scheme and parameters, without salt and digest."""
    if stored.startswith("$argon2"):
        return "$".join(stored.split("$")[:4])  # $argon2id$v=19$m=65536,t=3,p=4
    return "$".join(stored.split("$")[:2])  # pbkdf2_sha256$120000


def default_cost() -> str:
    """The cost of a hash made by `hash_password` today."""
    return f"$argon2id$v=19$m={_ARGON2.memory_cost},t={_ARGON2.time_cost},p={_ARGON2.parallelism}"


@functools.cache
def dummy_hash(cost: str) -> str:
    """A hash of a random password at `cost`: checking an unknown account against it takes
    as long as checking a known one, so the time does not tell which staff ids exist."""
    if cost.startswith("$argon2"):
        values = dict(item.split("=") for item in cost.split("$")[-1].split(","))
        hasher = PasswordHasher(time_cost=int(values["t"]), memory_cost=int(values["m"]),
                                parallelism=int(values["p"]))
        return hasher.hash(secrets.token_hex(16))
    _, _, rounds = cost.partition("$")
    return hash_password_pbkdf2(secrets.token_hex(16), rounds=int(rounds or PBKDF2_ROUNDS))


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
