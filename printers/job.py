"""A ticket as JSON: how a print job travels from the server to a kiosk's agent."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from printers.ticket import TicketPrint

_FIELDS = frozenset(f.name for f in fields(TicketPrint))


def ticket_to_json(ticket: TicketPrint) -> dict[str, Any]:
    data = asdict(ticket)
    data["issued_at"] = ticket.issued_at.isoformat()
    return data


def ticket_from_json(data: dict[str, Any]) -> TicketPrint:
    """The ticket back; unknown keys are ignored, a missing or malformed one raises ValueError."""
    try:
        values = {key: value for key, value in data.items() if key in _FIELDS}
        values["issued_at"] = datetime.fromisoformat(values["issued_at"])
        ticket = TicketPrint(**values)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a ticket: {exc}") from None
    if not isinstance(ticket.number, str) or not ticket.number.isascii():
        raise ValueError("not a ticket: the number must be ASCII text")
    return ticket
