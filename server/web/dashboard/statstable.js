// Today's figures per window in the order of the window grid, each zone's
// windows followed by the zone's total and the whole day's total at the foot.
// A zone's total is its services' stays (GET /api/v1/stats?by=zone), wherever
// served, universal windows included; the day's is the hall's (?by=hall).
import { el } from "/static/common/dom.js";
import { duration } from "/static/common/format.js";
import { UNIVERSAL } from "/static/dashboard/trouble.js";
import { windowGroups } from "/static/dashboard/windowgrid.js";

const COLUMNS = 9;

/**
 * body: the <tbody>; stats: {windows, zones, hall} reports (null before the first);
 * hall: the layout; t: the translator; card(seconds): "red" | "yellow" | "" for a wait.
 */
export function renderStatsTable(body, stats, hall, t, card) {
  if (!stats?.windows.groups.length) {
    showEmpty(body, stats ? t("statsEmpty") : "", COLUMNS);
    return;
  }
  const byWindow = new Map(stats.windows.groups.map((g) => [Number(g.key), g]));
  const byZone = new Map(stats.zones.groups.map((g) => [g.key, g]));
  const rows = [];
  const zonesDone = new Set();
  const groups = windowGroups(hall);
  groups.forEach((group, i) => {
    for (const info of group.windows) {
      if (byWindow.has(info.number)) rows.push(figuresRow(byWindow.get(info.number), String(info.number), null, card));
    }
    // a zone's total after its last group (a zone may spread over floors)
    const later = groups.slice(i + 1).some((g) => g.zone === group.zone);
    if (group.zone === UNIVERSAL || later || zonesDone.has(group.zone) || !byZone.has(group.zone)) return;
    zonesDone.add(group.zone);
    const row = figuresRow(byZone.get(group.zone), t("zoneTotal", { code: group.zone }), group.zone, card);
    row.title = t("zoneTotalHint");
    rows.push(row);
  });
  for (const total of stats.hall.groups) rows.push(figuresRow(total, t("dayTotal"), "day", card));
  body.replaceChildren(...rows);
}

/** A table body with one line across its `columns` instead of figures: nothing yet, or not loaded. */
export function showEmpty(body, text, columns) {
  const row = el("tr", "empty");
  const cell = el("td", "", text);
  cell.colSpan = columns;
  row.append(cell);
  body.replaceChildren(row);
}

/** A window's row (total null), a zone's total (total: its code) or the day's (total "day"). */
function figuresRow(g, label, total, card) {
  const row = el("tr", total === null ? "" : `total ${total === "day" ? "day-total" : "zone-total"}`);
  if (total === null) row.dataset.window = g.key;
  else row.dataset.total = total;
  const timing = (seconds) => el("td", `time ${card(seconds)}`, duration(seconds));
  row.append(
    el("th", "", label),
    el("td", "num", String(g.served)),
    el("td", "num", String(g.transferred)),
    el("td", `num ${g.no_shows ? "noshow" : ""}`, String(g.no_shows)),
    // left unserved at closing: a zone's or the day's tickets; a window has none of its own
    el("td", `num ${g.unserved ? "noshow" : ""}`, g.unserved === null ? "—" : String(g.unserved)),
    timing(g.waiting.mean_s),
    timing(g.waiting.p90_s),
    el("td", "time", duration(g.handling.mean_s)),
    el("td", "time", duration(g.handling.p90_s)),
  );
  return row;
}
