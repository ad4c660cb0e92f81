"""Who is calling: a signed-in staff member, a registered device, or nobody.

Staff sign in with a password (`server.sign_in`) and get a bearer token
(stored hashed, with an expiry); devices carry a token whose hash is in the
`hall_devices` table (server.directory). Both are looked up in the database on
every request, so a revoked device or staff member is refused at once by every
server process. A request acts in its caller's hall, or in the hall its
`?hall=` names when the caller may act there (a manager of several halls).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from server import credentials
from server.context import HallContext
from server.directory import Directory
from server.errors import BadRequest, Forbidden, NotFound, Unauthorized
from server.hall import DeviceKind, StaffRole
from server.inputs import INT64_MAX
from server.model import Ticket
from server.store import directory as directory_store
from server.store import tickets, windows


class Access(str, Enum):
    """What an endpoint requires of its caller."""

    PUBLIC = "public"  # read-only, no credential
    ANY = "any"  # any staff member or device
    STAFF = "staff"
    MANAGER = "manager"  # a manager or an admin of the hall
    ADMIN = "admin"
    ISSUER = "issuer"  # a kiosk, or staff issuing on a citizen's behalf
    KIOSK = "kiosk"  # a kiosk's own device token: its device agent
    EVALUATOR = "evaluator"  # a window's evaluation tablet (评价器)
    DEVICE = "device"  # any device's own token: its heartbeat


@dataclass(frozen=True)
class Principal:
    hall: str  # the hall this request acts in
    kind: str  # "staff" or "device"
    id: str
    role: StaffRole | DeviceKind
    home: str = ""  # the hall whose file lists the caller ("" = hall)
    halls: frozenset[str] = frozenset()  # more halls a manager or admin may act in

    def __post_init__(self) -> None:
        if not self.home:
            object.__setattr__(self, "home", self.hall)

    @property
    def is_manager(self) -> bool:
        """Managers and admins: an admin may do everything a manager may."""
        return self.role in (StaffRole.MANAGER, StaffRole.ADMIN)

    def acting_in(self, hall: str | None) -> Principal:
        """The caller acting in `hall` (its own when None), if it may."""
        if hall is None or hall == self.hall:
            return self
        if hall in self.halls:
            return replace(self, hall=hall)
        raise Forbidden(f"您无权操作 {hall} 大厅 (you may not act in hall {hall!r})", code="other_hall")


def permits(access: Access, principal: Principal | None) -> bool:
    if access is Access.PUBLIC:
        return True
    if principal is None:
        return False
    return {
        Access.ANY: True,
        Access.STAFF: principal.kind == "staff",
        Access.MANAGER: principal.is_manager,
        Access.ADMIN: principal.role is StaffRole.ADMIN,
        Access.ISSUER: principal.kind == "staff" or principal.role is DeviceKind.KIOSK,
        Access.KIOSK: principal.kind == "device" and principal.role is DeviceKind.KIOSK,
        Access.EVALUATOR: principal.kind == "device" and principal.role is DeviceKind.EVALUATOR,
        Access.DEVICE: principal.kind == "device",
    }[access]


_NEEDS = {Access.ANY: "登录", Access.STAFF: "工作人员", Access.MANAGER: "管理人员", Access.ADMIN: "系统管理员",
          Access.ISSUER: "取号", Access.KIOSK: "取号机设备", Access.EVALUATOR: "评价器设备", Access.DEVICE: "设备"}


DEVICE_REVOKED = "device_revoked"  # the error code, and the close reason of a revoked device's sockets


@dataclass(frozen=True)
class LiveAccess:
    """What one live socket may follow: topics of a hall, or one ticket by its secret link."""

    hall: str
    topics: frozenset[str]
    follows: Ticket | None = None
    holder: tuple[str, str] | None = None  # ("device" or "staff", id): whose socket, to close when revoked


class Authenticator:
    def __init__(self, ctx: HallContext, directory: Directory) -> None:
        self.ctx, self.directory = ctx, directory

    async def principal(self, token: str | None) -> Principal | None:
        """The caller a token names; a revoked device's token is refused with `device_revoked`."""
        if not token:
            return None
        token_hash = credentials.hash_token(token)
        async with self.ctx.pool.acquire() as con:
            device = await directory_store.device_by_token(con, token_hash)
            found = None if device else await directory_store.session_member(con, token_hash, self.ctx.clock.now())
        if device is not None and device["hall"] in self.ctx.halls:
            if device["revoked_at"] is not None:
                raise Unauthorized("此设备已停用 (this device has been revoked)", code=DEVICE_REVOKED)
            await self.directory.device_known(device["hall"], device)
            return Principal(device["hall"], "device", device["id"], DeviceKind(device["kind"]))
        if found is None or found["hall"] not in self.ctx.halls:  # no session, or its member was revoked
            return None
        member = await self.directory.member_known(found["hall"], found)
        return Principal(found["hall"], "staff", member.id, member.role, halls=frozenset(member.halls))

    async def require(self, access: Access, token: str | None, hall: str | None = None) -> Principal | None:
        """The caller, acting in `hall` when given; refused unless `access` permits it."""
        principal = await self.principal(token)
        if access is not Access.PUBLIC and principal is None:
            raise Unauthorized("请先登录或使用设备令牌 (sign in, or send the device token)")
        if not permits(access, principal):
            raise Forbidden(f"需要{_NEEDS[access]}权限 (this needs {access.value} access)")
        if principal is None or access is Access.PUBLIC:  # a public answer is the same for every hall
            return principal
        return principal.acting_in(hall)

    # -- live sockets -------------------------------------------------------------

    async def live_access(self, principal: Principal | None, ticket_link: str | None, topics: str,
                          hall: str | None = None) -> LiveAccess:
        """The hall and topics a live socket may follow; raises before the upgrade."""
        if ticket_link:  # the citizen's phone follows one ticket, and nothing else
            async with self.ctx.pool.acquire() as con:
                ticket = await tickets.by_status_token(con, ticket_link)
            if ticket is None:
                raise NotFound("no such ticket")
            return LiveAccess(ticket.hall, frozenset({f"ticket:{ticket.id}"}), ticket)
        if principal is None:
            raise Unauthorized("websocket needs ?token= (device token or staff session)")
        principal = principal.acting_in(hall)
        wanted = frozenset(t.strip() for t in topics.split(",") if t.strip())
        for topic in wanted:
            await self._check_topic(topic, principal)
        return LiveAccess(principal.hall, wanted, holder=(principal.kind, principal.id))

    async def _check_topic(self, topic: str, principal: Principal) -> None:
        kind, _, arg = topic.partition(":")
        hall = self.ctx.hall(principal.hall)
        if kind == "hall" and not arg:
            return
        if kind == "zone" and hall.zone(arg):
            return
        number = _topic_number(arg)
        if kind in ("window", "staff") and number is not None and hall.window(number):
            if kind == "window" or principal.is_manager or await self._holds(principal, number):
                return
            raise Forbidden(f"topic {topic}: only the staff of window {arg} may follow it")
        if kind == "managers" and not arg:
            if principal.is_manager:
                return
            raise Forbidden("topic managers: managers only")
        if kind == "ticket" and number is not None and principal.kind == "staff":
            return
        department = hall.summons.department(arg) if kind == "department" else None
        if department is not None:  # a summoned department's officers (事进人不进), and managers
            if principal.is_manager or (principal.kind == "staff" and principal.id in department.officers):
                return
            raise Forbidden(f"topic {topic}: only the officers of department {arg} may follow it")
        device = hall.device(arg) if kind == "kiosk" else None
        if device is not None and device.kind is DeviceKind.KIOSK:
            # card reads and print outcomes of one kiosk: for that kiosk itself (and managers)
            if (principal.kind == "device" and principal.id == arg) or principal.is_manager:
                return
            raise Forbidden(f"topic {topic}: only kiosk {arg} may follow it")
        raise BadRequest(f"unknown topic {topic!r}; use hall, zone:<code>, window:<n>, staff:<n>, managers,"
                         " kiosk:<own device id>, department:<own department id>")

    async def _holds(self, principal: Principal, window_no: int) -> bool:
        if principal.kind != "staff":
            return False
        async with self.ctx.pool.acquire() as con:
            held = await windows.held_by(con, principal.hall, principal.id)
        return held is not None and held.number == window_no


def _topic_number(arg: str) -> int | None:
    """The <n> of window:<n>, staff:<n> or ticket:<n>, None when it is not a positive int64."""
    if not (arg.isascii() and arg.isdigit()):  # "²".isdigit() is true, and int("²") fails
        return None
    number = int(arg)
    return number if 0 < number <= INT64_MAX else None
