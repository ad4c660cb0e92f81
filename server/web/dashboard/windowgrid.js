// The hall's windows, grouped as the hall is walked: floor by floor, each
// zone's windows under "1楼 · A区 …", the universal windows of a floor as a
// group of their own. Each cell shows the window's number, who holds it and
// the ticket at it, coloured by state (serving green, called blue, idle
// outlined, paused striped, closed grey).
import { el } from "/static/common/dom.js";
import { pauseText } from "/static/common/events.js";
import { UNIVERSAL } from "/static/dashboard/trouble.js";

/** [{floor, zone, windows}] in floor order, zones in the hall's order, universal windows last on each floor. */
export function windowGroups(hall) {
  const order = new Map(hall.zones.map((z, i) => [z.code, i]));
  const groups = new Map();
  for (const info of hall.windows) {
    const zone = info.zone || UNIVERSAL;
    const key = `${info.floor}/${zone}`;
    if (!groups.has(key)) groups.set(key, { floor: info.floor, zone, windows: [] });
    groups.get(key).windows.push(info);
  }
  const rank = (g) => [g.floor, g.zone === UNIVERSAL ? Infinity : order.get(g.zone) ?? Infinity];
  return [...groups.values()].sort((a, b) => {
    const [fa, za] = rank(a);
    const [fb, zb] = rank(b);
    return fa - fb || za - zb;
  });
}

export class WindowGrid {
  constructor(box, t) {
    this.box = box;
    this.t = t;
    this.cells = new Map(); // window number -> its cell's elements
    this.headings = []; // [{node, group}]
  }

  build(hall) {
    this.hall = hall;
    this.cells = new Map();
    this.headings = [];
    this.box.replaceChildren(...windowGroups(hall).map((group) => {
      const section = el("section", "w-group");
      section.dataset.zone = group.zone;
      section.dataset.floor = String(group.floor);
      const heading = el("h4", "w-group-head");
      this.headings.push({ node: heading, group });
      const cells = el("div", "w-cells");
      cells.append(...group.windows.map((info) => this.cell(info)));
      section.append(heading, cells);
      return section;
    }));
  }

  cell(info) {
    const node = el("div", "w closed");
    node.dataset.window = String(info.number);
    const head = el("div", "w-head");
    const staff = el("span", "w-staff");
    head.append(el("b", "w-no", String(info.number)), staff);
    const ticket = el("div", "w-ticket");
    const note = el("div", "w-note");
    node.append(head, ticket, note);
    this.cells.set(info.number, { node, staff, ticket, note, info });
    return node;
  }

  /** Paint every cell from the hall state; `focus` is a zone code whose windows stand out, or null. */
  render(hallState, focus) {
    const t = this.t;
    for (const { node, group } of this.headings) {
      const zone = this.hall.zones.find((z) => z.code === group.zone);
      node.textContent = group.zone === UNIVERSAL ? t("groupUniversal", { floor: group.floor })
        : t("groupZone", { floor: group.floor, code: group.zone, name: zone?.name || "" });
    }
    for (const [number, cell] of this.cells) this.paint(cell, hallState.windows.get(number) || { state: "closed" },
      hallState.ticketAt(number), focus);
  }

  paint(cell, w, ticket, focus) {
    const t = this.t;
    let look = w.state;
    let line = t("wClosed");
    let note = "";
    if (w.state === "paused") {
      line = ticket ? ticket.number : t("wPaused");
      note = pauseText(w, t.lang());
    } else if (w.state === "open" && ticket) {
      look = ticket.status === "serving" ? "serving" : "called";
      line = ticket.number;
      note = t(look === "serving" ? "wServing" : "wCalled");
    } else if (w.state === "open") {
      look = "idle";
      line = t("wIdle");
    }
    cell.node.className = `w ${look}`;
    cell.node.classList.toggle("dim", focus !== null && (cell.info.zone || UNIVERSAL) !== focus);
    cell.staff.textContent = w.staff_id || "";
    cell.ticket.textContent = line;
    cell.note.textContent = note;
    const details = [t("windowTitle", { n: cell.info.number }), cell.info.label || ""];
    if (w.staff_id) details.push(t("staffOn", { staff: w.staff_id, post: w.post || "A" }));
    if (ticket) details.push(`${ticket.number} · ${t(look === "serving" ? "wServing" : "wCalled")}`);
    if (w.state === "paused") details.push(t("pausedFor", { reason: pauseText(w, t.lang()) }));
    cell.node.title = details.filter(Boolean).join("\n");
  }
}
