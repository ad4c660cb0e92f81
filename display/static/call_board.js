// The board of latest calls on a calling screen: which calls it lists, newest
// first. A call stays at least `holdMs` on the board, so a citizen who looked
// away for half a minute still finds their number. When a new call needs a
// place, the row that gives it up is, among those held long enough, one whose
// citizen has already come (oldest first), else the oldest held one; only when
// every row is younger than the hold (more calls than rows in one hold time)
// does the oldest row go early — a new call is never kept off the board.
export const BOARD_ROWS = 16;
export const HOLD_MS = 45000;
const FORGOTTEN = 200; // calls that left the board, remembered so they do not come back

export class CallBoard {
  /** `now`: the page's clock in ms; `waiting(call)`: whether its citizen has not come yet. */
  constructor({ rows = BOARD_ROWS, holdMs = HOLD_MS, now = () => performance.now() } = {}) {
    this.size = rows;
    this.holdMs = holdMs;
    this.now = now;
    this.since = new Map(); // seq -> when the call came onto the board
    this.left = new Set(); // seqs of calls that gave their place up
  }

  /** The rows for `calls` (the screen's calls, newest first), newest first. */
  update(calls, waiting = () => true) {
    const now = this.now();
    const listed = calls.filter((call) => !this.left.has(call.seq));
    for (const call of listed) if (!this.since.has(call.seq)) this.since.set(call.seq, now);
    const rows = listed.slice();
    while (rows.length > this.size) {
      const leaving = this.leaving(rows, now, waiting);
      rows.splice(rows.indexOf(leaving), 1);
      this.left.add(leaving.seq);
    }
    this.forget(calls, rows);
    return rows;
  }

  leaving(rows, now, waiting) {
    const oldestFirst = [...rows].reverse();
    const held = oldestFirst.filter((call) => now - this.since.get(call.seq) >= this.holdMs);
    return held.find((call) => !waiting(call)) || held[0] || oldestFirst[0];
  }

  forget(calls, rows) {
    const shown = new Set(rows.map((call) => call.seq));
    for (const seq of this.since.keys()) if (!shown.has(seq)) this.since.delete(seq);
    if (this.left.size > FORGOTTEN) {
      const current = new Set(calls.map((call) => call.seq));
      for (const seq of this.left) if (!current.has(seq)) this.left.delete(seq);
    }
  }
}
