"""The one object that holds the running hall services, stored on the aiohttp app."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from display.voice import Voice
from server.agent_status import AgentStatus
from server.audit import Audit
from server.audit_query import AuditQuery
from server.auth import Authenticator
from server.bookings import Bookings
from server.card_reads import CardReads
from server.central import Central
from server.check_in import CheckIns
from server.context import HallContext
from server.device_admin import DeviceAdmin
from server.device_health import DeviceHealth
from server.directory import Directory
from server.duty import Duty
from server.follow_ups import FollowUps
from server.hub import Hub
from server.issuing import Issuer
from server.lifecycle import Lifecycle
from server.live_feed import LiveFeed
from server.metrics import LiveGauges, Metrics, Scrape
from server.outbox import Outbox
from server.print_jobs import PrintJobs
from server.ratings import Ratings
from server.reload import HallReload
from server.reports.entries import AssessmentEntries
from server.reports.service import Reports
from server.sign_in import SignIns
from server.staffing_advice import StaffingAdvice
from server.summons import Summons
from server.ticket_mobiles import TicketMobiles
from server.ticket_reads import TicketReads


@dataclass
class Services:
    ctx: HallContext
    hub: Hub
    auth: Authenticator
    sign_ins: SignIns
    audit: Audit
    audit_query: AuditQuery
    issuer: Issuer
    lifecycle: Lifecycle
    duty: Duty
    tickets: TicketReads
    live: LiveFeed
    card_reads: CardReads
    print_jobs: PrintJobs
    agents: AgentStatus
    voice: Voice
    scrape: Scrape
    outbox: Outbox
    bookings: Bookings
    check_ins: CheckIns
    mobiles: TicketMobiles
    summons: Summons
    ratings: Ratings
    follow_ups: FollowUps
    staffing: StaffingAdvice
    reports: Reports
    assessment: AssessmentEntries
    central: Central
    reload: HallReload
    directory: Directory
    device_admin: DeviceAdmin
    device_health: DeviceHealth

    @classmethod
    def build(cls, ctx: HallContext, hub: Hub, directory: Directory, voice: Voice,
              metrics: Metrics | None = None, metrics_token: str | None = None,
              config: Path | None = None) -> Services:
        card_reads, print_jobs, audit = CardReads(ctx), PrintJobs(ctx, hub), Audit(ctx)
        auth, agents = Authenticator(ctx, directory), AgentStatus(ctx)
        issuer = Issuer(ctx, hub, card_reads, print_jobs)
        follow_ups, summons, health = FollowUps(ctx, audit), Summons(ctx), DeviceHealth(ctx)
        return cls(
            ctx=ctx, hub=hub, auth=auth, sign_ins=SignIns(ctx, audit, directory), audit=audit,
            audit_query=AuditQuery(ctx),
            issuer=issuer, lifecycle=Lifecycle(ctx), duty=Duty(ctx, audit),
            tickets=TicketReads(ctx, hub), live=LiveFeed(ctx, hub),
            card_reads=card_reads, print_jobs=print_jobs, agents=agents, voice=voice,
            scrape=Scrape(metrics or Metrics(), LiveGauges(ctx, hub), auth, agents, metrics_token),
            outbox=Outbox(ctx), bookings=Bookings(ctx), check_ins=CheckIns(ctx, issuer, card_reads),
            mobiles=TicketMobiles(ctx, hub),
            summons=summons,
            ratings=Ratings(ctx, follow_ups), follow_ups=follow_ups, staffing=StaffingAdvice(ctx, hub),
            reports=Reports(ctx, summons), assessment=AssessmentEntries(ctx, audit),
            central=Central(ctx, hub, agents),
            reload=HallReload(ctx, hub, audit, directory, config),
            directory=directory, device_admin=DeviceAdmin(ctx, audit, health), device_health=health,
        )


SERVICES = web.AppKey("services", Services)
