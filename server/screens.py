"""What a calling screen shows and which of those calls it speaks, from the hall's devices.

A hall screen shows the whole hall, one floor or some zones; a zone screen one
zone; a window sign its window. Each call should be spoken where its citizen
waits, once: so with `voice = "auto"` a zone screen speaks its zone's calls, a
hall screen the calls it shows of zones no speaking zone screen covers, and a
window sign nothing. `voice = "on"` speaks every call shown, `"off"` none.
"""
from __future__ import annotations

from typing import Any

from server.hall import Device, DeviceKind, Hall


def speaks(device: Device) -> bool:
    if device.voice == "auto":
        return device.screen in ("hall", "zone")
    return device.voice == "on"


def quiet_zones(hall: Hall, device: Device) -> list[str]:
    """Zones whose calls this screen shows but leaves to a zone screen's voice."""
    if device.voice != "auto" or device.screen != "hall":
        return []
    return sorted({d.zones[0] for d in hall.devices if d.screen == "zone" and d.zones and speaks(d)})


def settings(hall: Hall, device: Device) -> dict[str, Any]:
    """The device's settings as GET /api/v1/device gives them."""
    return {"id": device.id, "kind": device.kind.value, "zones": list(device.zones), "screen": device.screen,
            "window": device.window, "floor": device.floor, "voice": speaks(device),
            "quiet_zones": quiet_zones(hall, device),
            "common": list(hall.common_for(device)) if device.kind is DeviceKind.KIOSK else []}
