// The live-event contract as the browser sees it: every event kind the server
// emits (declared once on the server in server/events.py; a test keeps the two
// sets equal) and the non-event messages of the live socket.
export const EVENT_KINDS = Object.freeze({
  TICKET_ISSUED: "ticket.issued",
  TICKET_CALLED: "ticket.called",
  TICKET_RECALLED: "ticket.recalled",
  TICKET_STARTED: "ticket.started",
  TICKET_FINISHED: "ticket.finished",
  TICKET_NO_SHOW: "ticket.no_show",
  TICKET_NO_SHOW_UNDONE: "ticket.no_show_undone", // back at its window as called; carries window_state
  TICKET_TRANSFERRED: "ticket.transferred",
  TICKET_CANCELLED: "ticket.cancelled",
  TICKET_REJOINED: "ticket.rejoined",
  TICKET_UNSERVED: "ticket.unserved", // left unserved: still waiting when the hall's day closed
  WINDOW_SIGNED_IN: "window.signed_in",
  WINDOW_SIGNED_OUT: "window.signed_out",
  WINDOW_PAUSED: "window.paused",
  WINDOW_RESUMED: "window.resumed",
  KIOSK_IDENTITY: "kiosk.identity",
  KIOSK_CARD_ERROR: "kiosk.card_error",
  KIOSK_PRINTED: "kiosk.printed",
  KIOSK_PRINT_FAILED: "kiosk.print_failed",
  PRINT_REQUESTED: "print.requested",
  DEVICE_STATUS: "device.status",
  DEVICE_CHANGED: "device.changed", // added, changed or revoked by an admin
  STAFF_CHANGED: "staff.changed", // added, changed or revoked by an admin (managers only)
  BOOKING_BOOKED: "booking.booked", // managers only, like the two below
  BOOKING_CANCELLED: "booking.cancelled", // by its holder or by the hall closing its slot (cancelled_by)
  BOOKING_CHECKED_IN: "booking.checked_in", // at a kiosk; late: a walk-in
  SUMMONS_CREATED: "summons.created", // a 事进人不进 department summoned for the ticket at a window
  SUMMONS_ACKNOWLEDGED: "summons.acknowledged",
  SUMMONS_ARRIVED: "summons.arrived", // its officer is at the window
  SUMMONS_CANCELLED: "summons.cancelled",
  RATING_GIVEN: "rating.given", // 好差评 of one finished stay: to its window, its ticket and the managers
  FOLLOW_UP_OPENED: "follow_up.opened", // 差评整改: a bad rating's case, with its deadline (managers only)
  FOLLOW_UP_CALLED_BACK: "follow_up.called_back", // one callback attempt (回访), reached or not
  FOLLOW_UP_FIXED: "follow_up.fixed", // the fix (整改) recorded
  FOLLOW_UP_CLOSED: "follow_up.closed", // callback and fix both done: on time or late
  HALL_RELOADED: "hall.reloaded", // the hall's definition changed (hallq reload): pages load again
});

// Messages of the live socket besides "event".
export const MESSAGE_TYPES = Object.freeze({
  HELLO: "hello",
  PONG: "pong",
  SNAPSHOT: "snapshot", // hall state with the seq it matches (a ticket follower: its own ticket's status)
  EVENT: "event",
  QUEUES: "queues", // waiting figures per service and zone, pushed at most once a second
  TICKET_STATUS: "ticket_status", // a ticket follower's own status, pushed when it changes
});

// Pause reason codes (server.model.PauseReason) with the label pages show for each:
// a screen says why a window is paused with this label, never with staff free text.
export const PAUSE_REASONS = Object.freeze({
  break: { zh: "临时离岗", en: "Short break" },
  meal: { zh: "用餐", en: "Meal" },
  meeting: { zh: "业务培训/会议", en: "Training / meeting" },
  system: { zh: "系统故障", en: "System failure" },
  other: { zh: "其他", en: "Other" },
});

/** A paused window as the public sees it: the reason's label, then the message for citizens (masked by the server). */
export function pauseText(win, lang) {
  const label = PAUSE_REASONS[win.pause_reason]?.[lang] ?? PAUSE_REASONS.other[lang];
  return win.pause_message ? `${label}${lang === "en" ? ": " : "："}${win.pause_message}` : label;
}

// Kinds that announce a call at a window (screens show and speak them).
export const CALL_KINDS = new Set([EVENT_KINDS.TICKET_CALLED, EVENT_KINDS.TICKET_RECALLED]);
// Kinds after which a window no longer holds its ticket.
export const LEAVES_WINDOW = new Set([
  EVENT_KINDS.TICKET_FINISHED, EVENT_KINDS.TICKET_NO_SHOW,
  EVENT_KINDS.TICKET_TRANSFERRED, EVENT_KINDS.TICKET_CANCELLED,
]);
