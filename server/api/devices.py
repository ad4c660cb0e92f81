"""The hall's devices and staff, managed by an admin without a restart; device heartbeats.

See docs/devices.md#managing-devices-and-staff. Adding a device answers its token once.
"""
from __future__ import annotations

from typing import Any

from server.api.endpoint import Api, Call
from server.api.schemas import DeviceSettings, HeartbeatBody, NewDevice, NewStaff, StaffChange
from server.auth import Access

api = Api("devices")


@api.get("/api/v1/devices", access=Access.ANY,
         summary="Every device of the hall (a device sees itself): settings, last heartbeat (last seen, page version,"
                 " resolution), a kiosk's agent, reader and printer status, and the alarms of each")
async def device_list(call: Call) -> dict[str, Any]:
    principal = call.principal
    assert principal is not None
    only = principal.id if principal.kind == "device" else None
    return {"devices": await call.services.device_health.devices(call.hall_id, only)}


@api.post("/api/v1/devices", access=Access.ADMIN, body=NewDevice, status=201, no_store=True,
          summary="Register a kiosk, screen or evaluation tablet (admins): checked as the hall file is; answers"
                  " its device token, once (only its hash is kept)")
async def add_device(call: Call[NewDevice]) -> dict[str, Any]:
    assert call.principal is not None
    device, token = await call.services.device_admin.add_device(call.principal, call.body.entry(), call.address)
    return {"device": device, "token": token}


@api.patch("/api/v1/devices/{device_id}", access=Access.ADMIN, body=DeviceSettings,
           summary="Change a device's settings (admins): only the keys given; its requests follow them at once, its"
                   " page on its next load")
async def change_device(call: Call[DeviceSettings]) -> dict[str, Any]:
    assert call.principal is not None
    device_id = call.text_param("device_id")
    return {"device": await call.services.device_admin.change_device(call.principal, device_id, call.body.entry(),
                                                                     call.address)}


@api.post("/api/v1/devices/{device_id}/revoke", access=Access.ADMIN,
          summary="Revoke a device (admins): its token is refused at once (401 device_revoked) and its live"
                  " sockets are closed with that reason")
async def revoke_device(call: Call) -> dict[str, Any]:
    assert call.principal is not None
    device_id = call.text_param("device_id")
    return {"device": await call.services.device_admin.revoke_device(call.principal, device_id, call.address)}


@api.post("/api/v1/device/heartbeat", access=Access.DEVICE, body=HeartbeatBody,
          summary="A device page's heartbeat (every 30 s): its page version and resolution; a silent one raises"
                  " an alarm after the hall's [alarms] device_silent_minutes")
async def heartbeat(call: Call[HeartbeatBody]) -> dict[str, Any]:
    assert call.principal is not None
    await call.services.device_health.heartbeat(call.principal, call.body.version, call.body.resolution)
    return {"ok": True}


@api.get("/api/v1/staff", access=Access.ADMIN, summary="Every staff member of the hall, revoked ones too (admins)")
async def staff_list(call: Call) -> dict[str, Any]:
    return {"staff": await call.services.device_admin.staff(call.hall_id)}


@api.post("/api/v1/staff", access=Access.ADMIN, body=NewStaff, status=201,
          summary="Add a staff member with their password (admins): checked as the hall file is; they may sign in"
                  " at once")
async def add_staff(call: Call[NewStaff]) -> dict[str, Any]:
    assert call.principal is not None
    body = call.body
    return {"staff": await call.services.device_admin.add_staff(call.principal, body.entry(), body.password,
                                                                call.address)}


@api.patch("/api/v1/staff/{staff_id}", access=Access.ADMIN, body=StaffChange,
           summary="Change a staff member's name, role, windows, halls or password (admins): only the keys given")
async def change_staff(call: Call[StaffChange]) -> dict[str, Any]:
    assert call.principal is not None
    staff_id = call.text_param("staff_id")
    return {"staff": await call.services.device_admin.change_staff(call.principal, staff_id, call.body.entry(),
                                                                   call.body.password, call.address)}


@api.post("/api/v1/staff/{staff_id}/revoke", access=Access.ADMIN,
          summary="Revoke a staff member (admins): their sessions end at once and they can no longer sign in")
async def revoke_staff(call: Call) -> dict[str, Any]:
    assert call.principal is not None
    staff_id = call.text_param("staff_id")
    return {"staff": await call.services.device_admin.revoke_staff(call.principal, staff_id, call.address)}
