// The calls a screen still has to speak, in order. Speaking takes about six
// seconds (chime and speech) and a big hall calls faster than that, so a
// call that would be spoken more than `maxLateMs` after it was made is dropped:
// by then its citizen has seen it on the board, and speaking it would only
// delay the calls after it. A recall is always spoken, before the first calls
// still queued (the clerk is waiting for that citizen now), and a newer call of
// the same ticket replaces the one still queued.
export const MAX_LATE_MS = 30000;

export class AnnouncementQueue {
  /** `now`: the page's clock in ms. */
  constructor({ maxLateMs = MAX_LATE_MS, now = () => performance.now() } = {}) {
    this.maxLateMs = maxLateMs;
    this.now = now;
    this.items = [];
    this.onDrop = () => {};
  }

  get length() {
    return this.items.length;
  }

  /** Queue `item` ({ticket, recall, ...}) for a call made `lateMs` before it reached the page. */
  add(item, lateMs = 0) {
    item.madeAt = this.now() - Math.max(0, lateMs);
    for (const old of this.items.filter((queued) => item.ticket != null && queued.ticket === item.ticket)) {
      this.drop(old, "replaced");
    }
    const firstCall = this.items.findIndex((queued) => !queued.recall);
    if (item.recall && firstCall >= 0) this.items.splice(firstCall, 0, item);
    else this.items.push(item);
    this.prune();
  }

  /** The next item to speak, or null; stale ones are dropped first. */
  take() {
    this.prune();
    return this.items.shift() ?? null;
  }

  /** How long ago the oldest queued call was made, in ms (0 when empty). */
  oldestAge() {
    return this.items.length ? this.now() - Math.min(...this.items.map((item) => item.madeAt)) : 0;
  }

  prune() {
    const now = this.now();
    for (const item of this.items.filter((queued) => !queued.recall && now - queued.madeAt > this.maxLateMs)) {
      this.drop(item, "stale");
    }
  }

  drop(item, why) {
    this.items.splice(this.items.indexOf(item), 1);
    this.onDrop(item, why);
  }
}
