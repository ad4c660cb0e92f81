// The hall manager's dashboard (大厅管理看板) on a desk or wall screen
// (1920×1080): per zone the queue, its longest wait with the 电子监察 yellow
// and red cards, and its windows; every window's state; kiosk device alarms;
// today's figures per window and the window ranking.
//
// Windows and queue figures come from the shared hall state, live on the
// `managers` topic (a snapshot, then every ticket, window and device event,
// and the figures the server pushes); the statistics are read every 30 s or
// on demand. All texts go in with textContent.
import { el } from "/static/common/dom.js";
import { EVENT_KINDS, pauseText } from "/static/common/events.js";
import { clockTime, duration } from "/static/common/format.js";
import { HallState } from "/static/common/hallstate.js";
import { makeTranslator } from "/static/common/i18n.js";
import { showLiveStatus } from "/static/common/live.js";
import { STAFF_TEXTS, StaffShell } from "/static/common/staff.js";

const STATS_REFRESH_MS = 30 * 1000;
const UNIVERSAL = "*"; // the zone card of the universal windows (无差别受理), which have no zone

const t = makeTranslator({
  ...STAFF_TEXTS,
  title: { zh: "大厅管理看板", en: "Hall dashboard" },
  loginTitle: { zh: "管理人员登录", en: "Manager sign-in" },
  loginHint: { zh: "大厅管理看板仅限管理人员使用", en: "The dashboard is for hall managers only" },
  notManager: {
    zh: "{name}（{id}）是窗口工作人员，没有管理权限：管理看板仅限大厅管理人员登录。",
    en: "{name} ({id}) is window staff, not a manager: only hall managers may use the dashboard.",
  },
  totalWaiting: { zh: "等候人数", en: "waiting" },
  totalOpen: { zh: "开放窗口", en: "windows open" },
  totalBusy: { zh: "叫号/办理中", en: "calling / serving" },
  totalPaused: { zh: "暂停窗口", en: "paused" },
  totalCards: { zh: "黄牌/红牌区域", en: "areas carded" },
  openOfAll: { zh: "{open}/{all}", en: "{open}/{all}" },
  offline: { zh: "实时连接中断，正在重连…", en: "Live connection lost, reconnecting…" },
  // device alarms
  devicesOk: { zh: "设备状态正常：自助取号机 {n} 台", en: "Devices OK: {n} kiosks" },
  devicesAlarm: { zh: "设备告警 {n}", en: "Device alarms: {n}" },
  kiosk: { zh: "自助取号机 {id}", en: "Kiosk {id}" },
  alarmSince: { zh: "自 {time} 起", en: "since {time}" },
  agent_offline: { zh: "设备离线（代理程序未连接）", en: "Kiosk offline (device agent not connected)" },
  reader_offline: { zh: "身份证阅读器离线", en: "ID card reader offline" },
  reader_faulty: { zh: "身份证阅读器故障，请检修", en: "ID card reader faulty: service it" },
  printer_paper_out: { zh: "打印机缺纸", en: "Printer out of paper" },
  printer_cover_open: { zh: "打印机仓盖未关", en: "Printer cover open" },
  printer_error: { zh: "打印机故障", en: "Printer error" },
  printer_offline: { zh: "打印机离线", en: "Printer offline" },
  printer_paper_low: { zh: "打印纸即将用完", en: "Printer paper low" },
  // zones
  zoneCode: { zh: "{code} 区", en: "Zone {code}" },
  universalZone: { zh: "无差别受理", en: "Universal" },
  universalName: { zh: "综合受理窗口", en: "Universal windows" },
  waitingUnit: { zh: "人等候", en: "waiting" },
  longest: { zh: "最长等候 {d}", en: "Longest {d}" },
  noWait: { zh: "最长等候 —", en: "Longest —" },
  windowsLine: { zh: "窗口：开放 {open}，暂停 {paused}，未开放 {closed}", en: "Windows: {open} open, {paused} paused, {closed} closed" },
  zw_open: { zh: "开", en: "open" },
  zw_paused: { zh: "停", en: "paused" },
  zw_closed: { zh: "关", en: "shut" },
  openUnit: { zh: "开放窗口", en: "open" },
  yellowCard: { zh: "黄牌", en: "Yellow" },
  redCard: { zh: "红牌", en: "Red" },
  cardsHint: { zh: "黄牌 ≥ {yellow} 分钟，红牌 ≥ {red} 分钟", en: "yellow ≥ {yellow} min, red ≥ {red} min" },
  // windows
  windowsTitle: { zh: "窗口状态", en: "Windows" },
  legendServing: { zh: "办理中", en: "serving" },
  legendCalled: { zh: "已叫号", en: "called" },
  legendIdle: { zh: "空闲", en: "idle" },
  legendPaused: { zh: "暂停", en: "paused" },
  legendClosed: { zh: "未开放", en: "closed" },
  wServing: { zh: "办理中", en: "serving" },
  wCalled: { zh: "已叫号", en: "called" },
  wIdle: { zh: "空闲", en: "idle" },
  wPaused: { zh: "暂停", en: "paused" },
  wClosed: { zh: "未开放", en: "closed" },
  windowTitle: { zh: "{n} 号窗口", en: "Window {n}" },
  staffOn: { zh: "在岗：{staff}（{post}岗）", en: "Staff: {staff} (post {post})" },
  pausedFor: { zh: "暂停原因：{reason}", en: "Paused: {reason}" },
  // statistics
  statsTitle: { zh: "今日窗口统计", en: "Today by window" },
  refresh: { zh: "刷新", en: "Refresh" },
  updated: { zh: "更新于 {time}", en: "updated {time}" },
  colWindow: { zh: "窗口", en: "Window" },
  colServed: { zh: "办结", en: "Served" },
  colTransferred: { zh: "转办", en: "Transf." },
  colNoShows: { zh: "过号", en: "No-show" },
  colWaiting: { zh: "等候时长", en: "Waiting" },
  colHandling: { zh: "办理时长", en: "Handling" },
  colMean: { zh: "平均", en: "mean" },
  statsEmpty: { zh: "今日暂无办理记录", en: "Nothing handled today yet" },
  rankingTitle: { zh: "窗口服务排名公示", en: "Window ranking" },
  rangeWeek: { zh: "本周", en: "Week" },
  rangeToday: { zh: "今日", en: "Today" },
  rankingDays: { zh: "{from} 至 {to} · 按办结量，同量按平均办理时长", en: "{from} to {to} · by served, then mean handling" },
  rankingEmpty: { zh: "暂无排名", en: "No ranking yet" },
  rankWindow: { zh: "{n} 号窗口", en: "Window {n}" },
  rankFigures: { zh: "办结 {served} · 过号 {noShows} · 平均办理 {handling}", en: "served {served} · no-shows {noShows} · handling {handling}" },
});

const $ = (id) => document.getElementById(id);

const shell = new StaffShell({
  page: "dashboard",
  t,
  admit: (staff) => (["manager", "admin"].includes(staff.role) ? null : t("notManager", { name: staff.name, id: staff.id })),
  enter: openBoard,
  leave: closeBoard,
  onLanguage: renderAll,
});

const state = {
  hall: null, // layout from /api/v1/hall
  live: null, // the LiveFeed keeping `hallState` current
  devices: new Map(), // kiosk id -> {alarms, since}
  kioskCount: 0,
  stats: null,
  ranking: null,
  rankingRange: "week",
  statsAt: null,
  focus: null, // zone code whose windows stand out, or null
  cells: new Map(), // window number -> its grid cell's elements
};
let hallState = new HallState();

const clock = (moment, options) => clockTime(moment, { lang: t.lang(), timeZone: state.hall?.timezone, ...options });

function openBoard(_me, hall) {
  state.hall = hall;
  buildZones();
  buildGrid();
  shell.showView("board");
  layoutGrid();
  hallState = new HallState();
  hallState.subscribe(onChange);
  state.live = hallState.follow({ token: shell.token, topics: ["managers"], onStatus: showLiveStatus });
  refreshStats();
}

function closeBoard() {
  if (state.live) state.live.stop();
  state.live = null;
  state.hall = null;
}

// -- live ----------------------------------------------------------------------------

function onChange(change) {
  if (change.type === "snapshot") refreshDevices(); // alarms raised while this page was away
  const event = change.event;
  if (event?.kind === EVENT_KINDS.DEVICE_STATUS) {
    setDevice(event.device, event.alarms, event.at);
    renderAlarms();
    return;
  }
  renderSoon();
}

async function refreshDevices() {
  try {
    const { devices } = await shell.authed("/api/v1/devices");
    state.kioskCount = devices.length;
    state.devices = new Map();
    for (const device of devices) setDevice(device.device, device.alarms, device.changed_at);
    renderAlarms();
  } catch (err) {
    if (err.status === 401) shell.showError(err);
  }
}

function setDevice(id, alarms, since) {
  state.devices.set(id, { alarms: alarms || [], since });
}

// -- statistics ------------------------------------------------------------------

let statsBusy = false;
async function refreshStats() {
  if (!shell.token || statsBusy) return;
  statsBusy = true;
  $("btn-refresh").disabled = true;
  try {
    const stats = await shell.authed("/api/v1/stats?by=window");
    const query = state.rankingRange === "week" ? `?from=${mondayOf(stats.to)}&to=${stats.to}` : "";
    state.ranking = await shell.authed(`/api/v1/stats/ranking${query}`);
    state.stats = stats;
    state.statsAt = new Date();
    renderStats();
    renderRanking();
  } catch (err) {
    shell.showError(err);
  } finally {
    statsBusy = false;
    $("btn-refresh").disabled = false;
  }
}

/** The Monday of the (server's) business day `day`, "YYYY-MM-DD". */
function mondayOf(day) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
}

// -- rendering -----------------------------------------------------------------------

let renderPending = false;
function renderSoon() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    render();
  });
}

function render() {
  if (!state.hall) return;
  renderGrid();
  renderZones();
  renderTotals();
}

/** "red", "yellow" or "" for a wait of `seconds` against the hall's 电子监察 limits. */
function card(seconds) {
  const limits = state.hall?.alarms;
  if (!limits || seconds === null || seconds === undefined) return "";
  if (seconds >= limits.red_wait_minutes * 60) return "red";
  if (seconds >= limits.yellow_wait_minutes * 60) return "yellow";
  return "";
}

function windowCounts(zone) {
  const counts = { open: 0, paused: 0, closed: 0, all: 0 };
  for (const info of state.hall.windows) {
    if ((info.zone || UNIVERSAL) !== zone) continue;
    counts.all += 1;
    counts[hallState.windows.get(info.number)?.state || "closed"] += 1;
  }
  return counts;
}

// zones

function buildZones() {
  const box = $("zones");
  const codes = state.hall.zones.map((z) => z.code);
  if (state.hall.windows.some((w) => !w.zone)) codes.push(UNIVERSAL);
  box.style.setProperty("--zones", String(codes.length));
  box.replaceChildren(...codes.map((code) => {
    const node = el("button", "zone");
    node.type = "button";
    node.dataset.zone = code;
    const head = el("div", "z-head");
    head.append(el("b", "z-code"), el("span", "z-name"));
    const main = el("div", "z-main");
    main.append(el("span", "z-wait"), el("span", "z-unit"), el("span", "z-card"));
    node.append(head, main, el("div", "z-longest"), el("div", "z-windows"));
    node.addEventListener("click", () => {
      state.focus = state.focus === code ? null : code;
      renderSoon();
    });
    return node;
  }));
}

function renderZones() {
  for (const node of $("zones").children) {
    const code = node.dataset.zone;
    const universal = code === UNIVERSAL;
    const zone = state.hall.zones.find((z) => z.code === code);
    const queue = hallState.zones.get(code);
    const counts = windowCounts(code);
    const longest = universal ? null : hallState.zoneLongestWait(code);
    const level = card(longest);
    node.dataset.card = level;
    node.classList.toggle("focus", state.focus === code);
    node.querySelector(".z-code").textContent = universal ? t("universalZone") : t("zoneCode", { code });
    node.querySelector(".z-name").textContent = universal ? t("universalName") : zone?.name || "";
    node.title = universal ? t("universalName") : `${code} · ${zone?.name || ""} · ${t("cardsHint", {
      yellow: state.hall.alarms.yellow_wait_minutes, red: state.hall.alarms.red_wait_minutes })}`;
    node.querySelector(".z-wait").textContent = universal ? t("openOfAll", { open: counts.open, all: counts.all })
      : String(queue?.waiting ?? 0);
    node.querySelector(".z-unit").textContent = universal ? t("openUnit") : t("waitingUnit");
    const chip = node.querySelector(".z-card");
    chip.textContent = level ? t(level === "red" ? "redCard" : "yellowCard") : "";
    chip.hidden = !level;
    node.querySelector(".z-longest").textContent = universal ? "" : (longest === null ? t("noWait") : t("longest", { d: duration(longest) }));
    const figures = node.querySelector(".z-windows");
    figures.title = t("windowsLine", counts);
    figures.replaceChildren(...["open", "paused", "closed"].map((key) => {
      const item = el("span", key);
      item.append(`${t(`zw_${key}`)} `, el("b", "", String(counts[key])));
      return item;
    }));
  }
}

function renderTotals() {
  let waiting = 0;
  for (const queue of hallState.zones.values()) waiting += queue.waiting;
  let open = 0;
  let paused = 0;
  let busy = 0;
  for (const w of hallState.windows.values()) {
    if (w.state === "open") open += 1;
    if (w.state === "paused") paused += 1;
    if (w.current_ticket !== null && w.current_ticket !== undefined) busy += 1;
  }
  let carded = 0;
  for (const zone of state.hall.zones) if (card(hallState.zoneLongestWait(zone.code))) carded += 1;
  $("total-waiting").textContent = String(waiting);
  $("total-open").textContent = t("openOfAll", { open, all: state.hall.windows.length });
  $("total-serving").textContent = String(busy);
  $("total-paused").textContent = String(paused);
  $("total-cards").textContent = String(carded);
  $("total-cards").parentElement.classList.toggle("alert", carded > 0);
}

// windows

function buildGrid() {
  const grid = $("window-grid");
  state.cells = new Map();
  grid.replaceChildren(...state.hall.windows.map((info) => {
    const node = el("div", "w closed");
    node.dataset.window = String(info.number);
    const head = el("div", "w-head");
    const number = el("b", "w-no", String(info.number));
    const staff = el("span", "w-staff");
    head.append(number, staff);
    const ticket = el("div", "w-ticket");
    const note = el("div", "w-note");
    node.append(head, ticket, note);
    state.cells.set(info.number, { node, staff, ticket, note, info });
    return node;
  }));
}

/** Columns for the window grid so that its cells come out about 1.3 times as wide as high. */
function layoutGrid() {
  const grid = $("window-grid");
  const count = state.hall?.windows.length || 1;
  const { width, height } = grid.getBoundingClientRect();
  if (!width || !height) return;
  const columns = Math.max(1, Math.min(count, Math.round(Math.sqrt((count * width) / (height * 1.3)))));
  grid.style.setProperty("--columns", String(columns));
  grid.style.setProperty("--rows", String(Math.ceil(count / columns)));
}

function renderGrid() {
  for (const [number, cell] of state.cells) {
    const w = hallState.windows.get(number) || { state: "closed" };
    const ticket = hallState.ticketAt(number);
    let look = w.state;
    let line = "";
    let note = "";
    if (w.state === "paused") {
      line = t("wPaused");
      note = pauseText(w, t.lang());
    } else if (w.state === "open" && ticket) {
      look = ticket.status === "serving" ? "serving" : "called";
      line = ticket.number;
      note = t(look === "serving" ? "wServing" : "wCalled");
    } else if (w.state === "open") {
      look = "idle";
      line = t("wIdle");
    } else {
      line = t("wClosed");
    }
    if (w.state === "paused" && ticket) line = ticket.number;
    cell.node.className = `w ${look}`;
    cell.node.classList.toggle("dim", state.focus !== null && (cell.info.zone || UNIVERSAL) !== state.focus);
    cell.staff.textContent = w.staff_id || "";
    cell.ticket.textContent = line;
    cell.note.textContent = note;
    const details = [t("windowTitle", { n: number }), cell.info.label || ""];
    if (w.staff_id) details.push(t("staffOn", { staff: w.staff_id, post: w.post || "A" }));
    if (ticket) details.push(`${ticket.number} · ${t(look === "serving" ? "wServing" : "wCalled")}`);
    if (w.state === "paused") details.push(t("pausedFor", { reason: pauseText(w, t.lang()) }));
    cell.node.title = details.filter(Boolean).join("\n");
  }
}

// device alarms

function renderAlarms() {
  const list = $("alarm-list");
  const items = [];
  for (const [device, status] of state.devices) {
    for (const alarm of status.alarms) {
      const item = el("li", `alarm ${alarm.level}`);
      item.dataset.code = alarm.code;
      item.dataset.device = device;
      const known = t(alarm.code);
      item.append(el("b", "", t("kiosk", { id: device })), el("span", "", known === alarm.code ? alarm.message : known));
      if (status.since) item.append(el("small", "", t("alarmSince", { time: clock(status.since) })));
      items.push(item);
    }
  }
  list.replaceChildren(...items);
  const red = items.some((item) => item.classList.contains("red"));
  $("alarms").className = `alarms ${items.length ? (red ? "red" : "yellow") : "ok"}`;
  $("alarms-title").textContent = items.length ? t("devicesAlarm", { n: items.length }) : t("devicesOk", { n: state.kioskCount });
}

// statistics

function timingCell(seconds) {
  const cell = el("td", `time ${card(seconds)}`, duration(seconds));
  return cell;
}

function renderStats() {
  const body = $("stats-body");
  const groups = state.stats?.groups || [];
  if (!groups.length) {
    const row = el("tr", "empty");
    const cell = el("td", "", state.stats ? t("statsEmpty") : "");
    cell.colSpan = 8;
    row.append(cell);
    body.replaceChildren(row);
  } else {
    body.replaceChildren(...groups.map((g) => {
      const row = el("tr");
      row.dataset.window = g.key;
      row.append(
        el("th", "", g.key),
        el("td", "num", String(g.served)),
        el("td", "num", String(g.transferred)),
        el("td", `num ${g.no_shows ? "noshow" : ""}`, String(g.no_shows)),
        timingCell(g.waiting.mean_s),
        timingCell(g.waiting.p90_s),
        el("td", "time", duration(g.handling.mean_s)),
        el("td", "time", duration(g.handling.p90_s)),
      );
      return row;
    }));
  }
  $("stats-updated").textContent = state.statsAt ? t("updated", { time: clock(state.statsAt, { seconds: true }) }) : "";
}

function renderRanking() {
  const list = $("ranking");
  const ranking = state.ranking;
  $("ranking-days").textContent = ranking ? t("rankingDays", { from: ranking.from, to: ranking.to }) : "";
  for (const button of $("ranking-range").children) button.classList.toggle("on", button.dataset.range === state.rankingRange);
  const rows = ranking?.windows || [];
  if (!rows.length) {
    list.replaceChildren(el("li", "empty", ranking ? t("rankingEmpty") : ""));
    return;
  }
  list.replaceChildren(...rows.map((r) => {
    const item = el("li", r.rank <= 3 ? `podium${r.rank}` : "");
    item.dataset.window = String(r.window);
    const info = state.hall.windows.find((w) => w.number === r.window);
    const name = el("span", "r-name");
    name.append(el("b", "", t("rankWindow", { n: r.window })), el("span", "r-label", info?.label || ""));
    item.append(
      el("span", "r-rank", String(r.rank)),
      name,
      el("span", "r-figures", t("rankFigures", { served: r.served, noShows: r.no_shows, handling: duration(r.handling.mean_s) })),
    );
    return item;
  }));
}

function renderAll() {
  if (!state.hall) return;
  render();
  renderAlarms();
  renderStats();
  renderRanking();
}

// -- start ---------------------------------------------------------------------------

function wire() {
  $("btn-refresh").addEventListener("click", () => {
    refreshDevices();
    refreshStats();
  });
  $("ranking-range").addEventListener("click", (event) => {
    const range = event.target.closest("[data-range]")?.dataset.range;
    if (!range || range === state.rankingRange) return;
    state.rankingRange = range;
    renderRanking();
    refreshStats();
  });
  window.addEventListener("resize", layoutGrid);
  setInterval(() => { // the longest waits keep growing between pushes
    if (!state.hall) return;
    renderZones();
    renderTotals();
  }, 1000);
  setInterval(() => document.body.dataset.view === "board" && refreshStats(), STATS_REFRESH_MS);
}

wire();
shell.start();
