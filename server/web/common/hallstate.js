// The hall as the live socket tells it, kept in one place for every page: the
// snapshot, then each event, then the queue figures the server pushes. Pages
// never change it; they read it and re-render when it says it changed.
//
//   const hall = new HallState();
//   hall.subscribe((change) => render(change));
//   const feed = hall.follow({ token, topics: ["hall"], onStatus, onEnded });
//
// A change is {type: "snapshot"}, {type: "event", event, replayed} (replayed:
// it happened while the page was away) or {type: "queues"}.
import { CALL_KINDS, LEAVES_WINDOW } from "/static/common/events.js";
import { LiveFeed } from "/static/common/live.js";

const KEPT_TICKETS = 2000; // screens run for days: the oldest tickets are forgotten
const KEPT_CALLS = 40;

export class HallState {
  constructor() {
    this.windows = new Map(); // number -> public window state; current_ticket is the id at it
    this.tickets = new Map(); // ticket id -> latest public ticket seen, least recent first
    this.calls = []; // the latest call event of each ticket, newest first
    // code -> {zone, waiting, open_windows, waiting_since, longest_wait_seconds,
    //         estimated_wait_minutes (null: no window that may serve it is signed in, 暂无开放窗口),
    //         unattended_since: people wait and no window serving them is open (null: not so)}
    this.services = new Map();
    this.zones = new Map(); // code -> {waiting, open_windows, estimated_wait_minutes, unattended_since}
    this.figuresAsOf = null; // the event seq the figures reflect
    this.hallClock = null; // {at: the hall's time of the latest figures (ms), received: performance.now() then}
    this.listeners = new Set();
  }

  /** Call `listener(change)` after every change; returns the way to stop. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Keep this state live from the socket: returns the started LiveFeed (stop() it to end). */
  follow({ token, topics, onStatus, onEnded, hall = null }) {
    const feed = new LiveFeed({
      token, topics, onStatus, onEnded, hall,
      onSnapshot: (snapshot) => this.applySnapshot(snapshot),
      onEvent: (event, replayed) => this.applyEvent(event, replayed),
      onQueues: (figures) => this.applyQueues(figures),
    });
    feed.start();
    return feed;
  }

  applySnapshot(snapshot) {
    this.windows = new Map(snapshot.windows.map((w) => [w.number, w]));
    for (const w of snapshot.windows) this.remember(w.ticket);
    const calls = [...snapshot.recent_calls].sort((a, b) => b.seq - a.seq);
    for (const call of [...calls].reverse()) this.remember(call.ticket);
    const seen = new Set(); // a recalled ticket is listed once, at its latest call
    this.calls = calls.filter((call) => !seen.has(call.ticket.id) && seen.add(call.ticket.id));
    this.setFigures(snapshot.queues, snapshot.seq);
    this.notify({ type: "snapshot" });
  }

  applyEvent(event, replayed = false) {
    this.remember(event.ticket);
    if (event.window_state) this.windows.set(event.window_state.number, event.window_state);
    const at = this.windows.get(event.window);
    if (CALL_KINDS.has(event.kind)) {
      if (at) at.current_ticket = event.ticket.id;
      this.calls = [event, ...this.calls.filter((c) => c.ticket.id !== event.ticket.id)].slice(0, KEPT_CALLS);
    } else if (LEAVES_WINDOW.has(event.kind) && at && at.current_ticket === event.ticket?.id) {
      at.current_ticket = null;
    }
    this.notify({ type: "event", event, replayed });
  }

  applyQueues(figures) {
    // a push computed before the snapshot or push already shown would turn the figures back
    if (this.figuresAsOf !== null && figures.as_of < this.figuresAsOf) return;
    if (figures.full === false) this.mergeFigures(figures, figures.as_of);
    else this.setFigures(figures, figures.as_of);
    this.notify({ type: "queues" });
  }

  /** The ticket called or served at window `number`, or null. */
  ticketAt(number) {
    const id = this.windows.get(number)?.current_ticket;
    return id === null || id === undefined ? null : this.tickets.get(id) ?? null;
  }

  /** The hall's time by now (ms since the epoch): the server's clock of the latest figures, counted on; null before any. */
  now() {
    return this.hallClock ? this.hallClock.at + (performance.now() - this.hallClock.received) : null;
  }

  /** The hall's time by now (ms), or this device's clock until the server has told the time: for a clock face. */
  clockNow() {
    return this.now() ?? Date.now();
  }

  /** The server's time `at` (ISO) from an answer that is not figures (GET /api/v1/device), counted on from now. */
  setClock(at) {
    this.hallClock = { at: Date.parse(at), received: performance.now() };
  }

  /** How long the longest-waiting ticket of `service` has waited by now, in seconds; null when nobody waits. */
  longestWait(service) {
    const figures = this.services.get(service);
    if (!figures?.waiting) return null;
    return Math.max(0, (this.now() - Date.parse(figures.waiting_since)) / 1000);
  }

  /** The longest wait by now among the services of `zone` (null: of the whole hall), in seconds; null when nobody waits there. */
  zoneLongestWait(zone = null) {
    let longest = null;
    for (const figures of this.services.values()) {
      if ((zone === null || figures.zone === zone) && figures.waiting) {
        longest = Math.max(longest ?? 0, this.longestWait(figures.service));
      }
    }
    return longest;
  }

  /** The hall's totals: people waiting, windows open and paused, windows with a ticket called or served. */
  totals() {
    const totals = { waiting: 0, open: 0, paused: 0, busy: 0 };
    for (const queue of this.zones.values()) totals.waiting += queue.waiting;
    for (const w of this.windows.values()) {
      if (w.state === "open") totals.open += 1;
      if (w.state === "paused") totals.paused += 1;
      if (w.current_ticket !== null && w.current_ticket !== undefined) totals.busy += 1;
    }
    return totals;
  }

  remember(ticket) {
    if (!ticket || ticket.id === undefined) return;
    this.tickets.delete(ticket.id);
    this.tickets.set(ticket.id, ticket);
    if (this.tickets.size > KEPT_TICKETS) this.tickets.delete(this.tickets.keys().next().value);
  }

  setFigures(figures = {}, asOf) {
    this.services = new Map();
    this.zones = new Map();
    this.mergeFigures(figures, asOf);
  }

  /** Take the entries pushed (a push that is not `full` carries only those that changed). */
  mergeFigures({ at, services = [], zones = [] } = {}, asOf) {
    if (at) this.hallClock = { at: Date.parse(at), received: performance.now() };
    for (const s of services) this.services.set(s.service, s);
    for (const z of zones) this.zones.set(z.zone, z);
    this.figuresAsOf = asOf;
  }

  notify(change) {
    for (const listener of this.listeners) listener(change);
  }
}
