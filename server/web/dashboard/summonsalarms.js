// Open summons of 事进人不进 departments on the dashboard's alarm strip: each
// with its department, window and ticket, yellow from warn_at and red after
// due_at on the hall's clock, until its officer arrives or it is cancelled.
// Read from GET /api/v1/summons?state=open when the board opens (and every
// 30 s), kept live from the summons events of the managers topic.
import { el } from "/static/common/dom.js";
import { summonsCountdown, summonsLight } from "/static/common/summons.js";

export const SUMMONS_ALARM_TEXTS = {
  summonsAlarm: { zh: "部门通知 {n}", en: "Department summons: {n}" },
  summonsItem: { zh: "{department} → {n} 号窗口 {number}", en: "{department} → window {n}, {number}" },
};

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 30 * 1000;

export class SummonsAlarms {
  /** authed(path): the dashboard's API call; now(): the hall's time (ms), null before the server told it. */
  constructor({ t, authed, now, onError }) {
    Object.assign(this, { t, authed, now, onError });
    this.open = new Map(); // id -> open summons
    this.at = null; // {hall: the listing's hall time (ms), local: Date.now() then}: until the figures tell the time
    this.timer = null;
  }

  start() {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.open.clear();
  }

  async refresh() {
    try {
      const listing = await this.authed("/api/v1/summons?state=open");
      this.at = { hall: Date.parse(listing.at), local: Date.now() };
      this.open = new Map(listing.summons.map((s) => [s.id, s]));
      this.render();
    } catch (err) {
      this.onError(err);
    }
  }

  /** A summons event: kept while open, gone once arrived or cancelled. */
  follow(event) {
    const summons = event.summons;
    if (!summons) return false;
    if (summons.status === "arrived" || summons.status === "cancelled") this.open.delete(summons.id);
    else this.open.set(summons.id, summons);
    this.render();
    return true;
  }

  hallNow() {
    return this.now() ?? (this.at ? this.at.hall + (Date.now() - this.at.local) : Date.now());
  }

  render() {
    const box = $("summons-alarms");
    const now = this.hallNow();
    const items = [...this.open.values()].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at)).map((s) => {
      const light = summonsLight(s, now);
      const item = el("li", `alarm ${light === "green" ? "hint" : light}`);
      item.dataset.summons = String(s.id);
      item.dataset.light = light;
      item.append(el("b", "", this.t("summonsItem", { department: s.department_name, n: s.window, number: s.number })),
        el("small", "", summonsCountdown(this.t, s, now)));
      return item;
    });
    box.hidden = !items.length;
    $("summons-alarm-list").replaceChildren(...items);
    const worst = items.some((i) => i.dataset.light === "red") ? "red"
      : items.some((i) => i.dataset.light === "yellow") ? "yellow" : "hint";
    box.className = `alarms ${worst}`;
    $("summons-alarms-title").textContent = this.t("summonsAlarm", { n: items.length });
  }
}
