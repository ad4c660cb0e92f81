// What the window's state allows at the desk: the same rules the server
// applies, so a button is enabled exactly when pressing it can work. For an
// action not allowed now, the dictionary key of the reason (a button's title,
// and the hint a shortcut key shows).
const NEEDS_TICKET = new Set(["recall", "noshow", "start", "finish", "transfer"]);
const ONLY_CALLED = new Set(["recall", "noshow", "start"]); // a ticket being served is past these
const ONLY_IDLE = new Set(["number"]); // nothing at the window

/** null when `action` may be done now, else the key of why not. */
export function refusal(action, window, ticket) {
  const paused = window?.state === "paused";
  if (action === "pause") return ticket ? "whyFinishFirst" : null; // pause, or resume when paused
  if (paused) return "whyPaused";
  if (action === "next") return null; // finishes what is at the window, then calls
  if (NEEDS_TICKET.has(action) && !ticket) return "whyNoTicket";
  if (ONLY_CALLED.has(action) && ticket.status !== "called") return "whyServing";
  if (ONLY_IDLE.has(action) && ticket) return "whyFinishFirst";
  return null;
}
