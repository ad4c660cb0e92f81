// The day's bookings for staff and managers (GET /api/v1/bookings): per service how many are in
// each state, and one service's bookings by slot. The console shows its window's services, the
// dashboard the whole hall. Names and ID numbers arrive masked; texts are set with textContent only.
import { el } from "/static/common/dom.js";

export const BOOKING_STATES = ["booked", "checked_in", "called", "served", "no_show", "cancelled", "unserved"];
const COMING = new Set(["booked", "checked_in"]); // still to be served: listed first

export const BOOKING_TEXTS = {
  bookingsTitle: { zh: "今日预约", en: "Today's bookings" },
  bookingsNone: { zh: "今日暂无预约", en: "No bookings today" },
  bookingsService: { zh: "事项", en: "Service" },
  bookingsTotal: { zh: "合计", en: "Total" },
  bookingsSlot: { zh: "时段", en: "Slot" },
  bookingsHolder: { zh: "预约人", en: "Booked by" },
  bookingsNumber: { zh: "预约号", en: "Booking no." },
  bookingsTicket: { zh: "排队号", en: "Ticket" },
  bookingsState: { zh: "状态", en: "State" },
  bookingsLate: { zh: "迟到", en: "late" },
  bookingsPick: { zh: "点击事项查看预约名单", en: "Pick a service to see its bookings" },
  bookingsUpdated: { zh: "更新于 {time}", en: "Updated {time}" },
  state_booked: { zh: "已预约", en: "Booked" },
  state_checked_in: { zh: "已签到", en: "Checked in" },
  state_called: { zh: "已叫号", en: "Called" },
  state_served: { zh: "已办结", en: "Served" },
  state_no_show: { zh: "爽约", en: "No-show" },
  state_cancelled: { zh: "已取消", en: "Cancelled" },
  state_unserved: { zh: "未办理", en: "Not served" },
};

/** "10:00" of an ISO time in the hall's offset, as the server sends it. */
const hallClock = (iso) => iso.slice(11, 16);

export class BookingsView {
  /**
   * root: an empty element; t: the page's translator (its dictionary includes BOOKING_TEXTS);
   * fetch(path): the page's authorised GET; names(code): the service's name;
   * services(): the codes shown (null: all).
   */
  constructor(root, { t, fetch, names, services = () => null }) {
    Object.assign(this, { root, t, fetch, names, services });
    this.answer = null;
    this.picked = null;
    this.busy = false;
  }

  async refresh() {
    if (this.busy) return;
    this.busy = true;
    try {
      this.answer = await this.fetch("/api/v1/bookings");
      this.render();
    } finally {
      this.busy = false;
    }
  }

  /** The shown bookings grouped by service, in the hall's order of the codes. */
  groups() {
    const wanted = this.services();
    const byService = new Map();
    for (const booking of this.answer?.bookings ?? []) {
      if (wanted && !wanted.includes(booking.service)) continue;
      if (!byService.has(booking.service)) byService.set(booking.service, []);
      byService.get(booking.service).push(booking);
    }
    return [...byService.entries()].sort(([a], [b]) => a.localeCompare(b));
  }

  render() {
    if (!this.answer) return;
    const groups = this.groups();
    if (!groups.length) {
      this.root.replaceChildren(el("p", "bookings-none muted", this.t("bookingsNone")));
      return;
    }
    if (!groups.some(([code]) => code === this.picked)) this.picked = groups.length === 1 ? groups[0][0] : null;
    const list = this.picked ? this.list(groups.find(([code]) => code === this.picked)[1])
      : el("p", "bookings-pick muted", this.t("bookingsPick"));
    this.root.replaceChildren(this.summary(groups), list);
  }

  summary(groups) {
    const table = el("table", "bookings-summary");
    const head = el("tr");
    head.append(el("th", "", this.t("bookingsService")),
      ...BOOKING_STATES.map((s) => el("th", `num state-${s}`, this.t(`state_${s}`))));
    const body = el("tbody");
    const totals = Object.fromEntries(BOOKING_STATES.map((s) => [s, 0]));
    for (const [code, bookings] of groups) {
      const row = el("tr", code === this.picked ? "picked" : "");
      row.dataset.service = code;
      row.tabIndex = 0;
      const name = el("th");
      name.append(el("b", "", code), document.createTextNode(` ${this.names(code)}`));
      row.append(name, ...BOOKING_STATES.map((s) => {
        const n = bookings.filter((b) => b.state === s).length;
        totals[s] += n;
        return el("td", `num ${n ? `state-${s}` : "zero"}`, String(n));
      }));
      const pick = () => { this.picked = code; this.render(); };
      row.addEventListener("click", pick);
      row.addEventListener("keydown", (event) => event.key === "Enter" && pick());
      body.append(row);
    }
    if (groups.length > 1) {
      const total = el("tr", "total");
      total.append(el("th", "", this.t("bookingsTotal")), ...BOOKING_STATES.map((s) => el("td", "num", String(totals[s]))));
      body.append(total);
    }
    const thead = el("thead");
    thead.append(head);
    table.append(thead, body);
    return table;
  }

  list(bookings) {
    const ordered = [...bookings].sort((a, b) =>
      (COMING.has(b.state) - COMING.has(a.state)) || a.starts_at.localeCompare(b.starts_at));
    const items = el("ol", "bookings-list");
    items.dataset.service = this.picked;
    for (const b of ordered) {
      const item = el("li", `state-${b.state}`);
      item.dataset.number = b.number;
      const state = el("span", `chip state-${b.state}`, this.t(`state_${b.state}`));
      if (b.late) state.textContent += ` · ${this.t("bookingsLate")}`;
      const holder = el("span", "b-holder", b.holder);
      holder.append(el("span", "b-identity", b.identity));
      item.append(
        el("span", "b-slot num", `${hallClock(b.starts_at)}–${hallClock(b.ends_at)}`),
        holder,
        el("span", "b-number num", b.ticket ? `${this.t("bookingsTicket")} ${b.ticket}` : `${this.t("bookingsNumber")} ${b.number}`),
        state,
      );
      items.append(item);
    }
    return items;
  }
}
