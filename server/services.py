"""The one object that holds the running hall services, stored on the aiohttp app."""
from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from server.auth import Authenticator
from server.context import HallContext
from server.devices import DeviceService
from server.duty import Duty
from server.hub import Hub
from server.issuing import Issuer
from server.lifecycle import Lifecycle


@dataclass
class Services:
    ctx: HallContext
    auth: Authenticator
    issuer: Issuer
    lifecycle: Lifecycle
    duty: Duty
    hub: Hub
    devices: DeviceService

    @classmethod
    def build(cls, ctx: HallContext, hub: Hub) -> "Services":
        return cls(ctx, Authenticator(ctx), Issuer(ctx), Lifecycle(ctx), Duty(ctx), hub, DeviceService(ctx))


SERVICES = web.AppKey("services", Services)
