// What in the queues needs a manager now, read from the shared hall state and
// the hall's layout (never fetched):
// - a zone whose people wait with no window open to call them: the server's
//   one rule, pushed with the figures as `unattended_since`;
// - windows idle in one zone while another zone queues: open, nobody at them,
//   nobody waiting for them.
export const UNIVERSAL = "*"; // the universal windows (无差别受理), which have no zone
export const QUEUE_HINT_MIN = 10; // a queue this long beside idle windows elsewhere is pointed out
const MAX_HINTS = 3;

/** Zone code (UNIVERSAL for universal windows) -> windows open with no ticket called or served. */
export function idleByZone(hall, hallState) {
  const idle = new Map();
  for (const info of hall.windows) {
    const w = hallState.windows.get(info.number);
    if (w?.state !== "open" || (w.current_ticket !== null && w.current_ticket !== undefined)) continue;
    const zone = info.zone || UNIVERSAL;
    idle.set(zone, (idle.get(zone) || 0) + 1);
  }
  return idle;
}

/** [{zone, waiting, since}] for each zone with people waiting and no window open for them, longest first. */
export function unattendedZones(hallState) {
  const zones = [];
  for (const figures of hallState.zones.values()) {
    if (figures.unattended_since) zones.push({ zone: figures.zone, waiting: figures.waiting, since: figures.unattended_since });
  }
  return zones.sort((a, b) => Date.parse(a.since) - Date.parse(b.since));
}

/**
 * [{idleZone, idle, queueZone, waiting}]: zones whose windows stand idle with nobody waiting
 * for them, each beside the longest queue of at least QUEUE_HINT_MIN people. Universal windows
 * are left out: they call from every zone's queue by themselves.
 */
export function idleHints(hall, hallState, idle = idleByZone(hall, hallState)) {
  let queue = null;
  for (const figures of hallState.zones.values()) {
    if (figures.waiting >= QUEUE_HINT_MIN && figures.waiting > (queue?.waiting ?? 0)) queue = figures;
  }
  if (!queue) return [];
  const hints = [];
  for (const [zone, count] of idle) {
    if (zone === UNIVERSAL || zone === queue.zone || hallState.zones.get(zone)?.waiting) continue;
    hints.push({ idleZone: zone, idle: count, queueZone: queue.zone, waiting: queue.waiting });
  }
  return hints.sort((a, b) => b.idle - a.idle).slice(0, MAX_HINTS);
}
