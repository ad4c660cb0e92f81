"""The shipped demo credentials: which are still in use, for the index page and the start warning.

The shipped halls (config/) give every staff member the password `hallq-demo`
and every device the token `demo-<device id>` (config/README.md). They are
for trying hallq out; a hall that keeps them in production is open to anyone
who has read the README.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from config import SHIPPED_HALLS
from server.credentials import hash_token, verify_password
from server.hall import Device, Hall

DEMO_PASSWORD = "hallq-demo"


def is_shipped(config: Path) -> bool:
    """The halls come from the shipped folder (or a file in it), not from the hall's own config."""
    path = Path(config).resolve()
    return path == SHIPPED_HALLS or SHIPPED_HALLS in path.parents


def demo_token(device: Device) -> str:
    return f"demo-{device.id}"


def demo_devices(hall: Hall) -> list[Device]:
    """The hall's devices still on their demo token."""
    return [d for d in hall.devices if hash_token(demo_token(d)) == d.token_hash]


def demo_staff(hall: Hall) -> list[str]:
    """Staff ids whose password is still the demo one (each distinct hash is checked once: PBKDF2 is slow)."""
    verdicts: dict[str, bool] = {}
    found = []
    for member in hall.staff:
        if member.password_hash not in verdicts:
            verdicts[member.password_hash] = verify_password(DEMO_PASSWORD, member.password_hash)
        if verdicts[member.password_hash]:
            found.append(member.id)
    return found


def warnings(halls: Iterable[Hall]) -> list[str]:
    """One line per hall that still accepts a demo password or demo device token."""
    lines = []
    for hall in halls:
        staff, devices = demo_staff(hall), demo_devices(hall)
        if staff or devices:
            lines.append(f"hall {hall.id} accepts demo credentials: {len(staff)} staff with the demo password, "
                         f"{len(devices)} devices with demo tokens; set password_hash (hallq hash-password) "
                         "and token_hash in its config before real use")
    return lines
