// The hall manager's dashboard (大厅管理看板) on a desk or wall screen
// (1366×768 up to 1920×1080; the page scrolls down, never sideways): the hall's
// time; queue alarms (people waiting and no window open for them, windows idle
// while another zone queues); per zone the queue, its longest wait with the
// 电子监察 yellow and red cards, and its windows; every window's state, grouped
// by floor and zone; the day's course in charts; kiosk device alarms; today's
// figures per window with zone and day totals, how close the waits told at issue
// came per zone (等候预估准确度), and the window ranking.
//
// Windows and queue figures come from the shared hall state, live on the
// `managers` topic (a snapshot, then every ticket, window and device event,
// and the figures the server pushes); the statistics are read every 30 s, the
// day's course every minute, both on demand too. All texts go in with textContent.
import { BOOKING_TEXTS, BookingsView } from "/static/common/bookings.js";
import { el, onNextFrame } from "/static/common/dom.js";
import { EVENT_KINDS } from "/static/common/events.js";
import { clockTime, duration, percent } from "/static/common/format.js";
import { HallState } from "/static/common/hallstate.js";
import { makeTranslator } from "/static/common/i18n.js";
import { showLiveStatus } from "/static/common/live.js";
import { STAFF_TEXTS, StaffShell } from "/static/common/staff.js";
import { SUMMONS_TEXTS } from "/static/common/summons.js";
import { RATING_MESSAGES } from "/static/common/rating.js";
import { DayCharts } from "/static/dashboard/charts.js";
import { ESTIMATE_TEXTS, renderEstimatesTable } from "/static/dashboard/estimatestable.js";
import { FOLLOW_UP_TEXTS, FollowUpsPanel } from "/static/dashboard/followups.js";
import { STAFFING_TEXTS, StaffingPanel } from "/static/dashboard/staffing.js";
import { renderStatsTable } from "/static/dashboard/statstable.js";
import { SUMMONS_ALARM_TEXTS, SummonsAlarms } from "/static/dashboard/summonsalarms.js";
import { idleByZone, idleHints, UNIVERSAL, unattendedZones } from "/static/dashboard/trouble.js";
import { WindowGrid } from "/static/dashboard/windowgrid.js";

const DEVICES_REFRESH_MS = 30 * 1000;
const STATS_REFRESH_MS = 30 * 1000;
const CHARTS_REFRESH_MS = 60 * 1000; // the course moves in ten-minute steps: once a minute is plenty

const t = makeTranslator({
  ...STAFF_TEXTS,
  ...RATING_MESSAGES,
  ...FOLLOW_UP_TEXTS,
  ...BOOKING_TEXTS,
  ...SUMMONS_TEXTS,
  ...SUMMONS_ALARM_TEXTS,
  ...ESTIMATE_TEXTS,
  ...STAFFING_TEXTS,
  title: { zh: "大厅管理看板", en: "Hall dashboard" },
  linkCentral: { zh: "中心总览", en: "All halls" },
  linkAudit: { zh: "全程留痕", en: "Audit trail" },
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
  hallTime: { zh: "大厅时间", en: "Hall time" },
  // queue alarms
  queuesOk: { zh: "排队正常", en: "Queues OK" },
  queuesAlarm: { zh: "排队告警 {n}", en: "Queue alarms: {n}" },
  unattended: { zh: "{code}区 {n}人等候，无窗口开放", en: "Zone {code}: {n} waiting, no window open" },
  idleHint: { zh: "{idleZone}区 {idle}个窗口空闲，{queueZone}区 {waiting}人等候", en: "Zone {idleZone}: {idle} windows idle, zone {queueZone}: {waiting} waiting" },
  zoneUnattended: { zh: "无窗口开放", en: "No window open" },
  // device alarms
  devicesOk: { zh: "设备状态正常：{n} 台", en: "Devices OK: {n}" },
  devicesAlarm: { zh: "设备告警 {n}", en: "Device alarms: {n}" },
  kiosk: { zh: "自助取号机 {id}", en: "Kiosk {id}" },
  screen: { zh: "叫号屏 {id}", en: "Screen {id}" },
  evaluator: { zh: "评价器 {id}", en: "Evaluation tablet {id}" },
  device_silent: { zh: "设备无心跳，请检查", en: "No heartbeat from the device" },
  agent_never_connected: { zh: "设备代理程序从未连接", en: "The kiosk's device agent never connected" },
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
  zoneRating: { zh: "满意率 {share} · 评价 {valid}", en: "Satisfied {share} · {valid} rated" },
  zoneBad: { zh: " · 差评 {bad}", en: " · {bad} bad" },
  zoneNoRating: { zh: "今日暂无评价", en: "No ratings today" },
  zoneRatingHint: {
    zh: "好差评：满意率 = 非常满意和满意 ÷ 有效评价；有效评价率 {rate}（评价 ÷ 办结）",
    en: "Ratings: satisfied = very satisfied and satisfied ÷ ratings; {rate} of services rated",
  },
  windowsLine: { zh: "窗口：开放 {open}（空闲 {idle}），暂停 {paused}，未开放 {closed}", en: "Windows: {open} open ({idle} idle), {paused} paused, {closed} closed" },
  zw_open: { zh: "开", en: "open" },
  zw_paused: { zh: "停", en: "paused" },
  zw_closed: { zh: "关", en: "shut" },
  zw_idle: { zh: "闲", en: "idle" },
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
  groupZone: { zh: "{floor}楼 · {code}区 {name}", en: "Floor {floor} · zone {code} {name}" },
  groupUniversal: { zh: "{floor}楼 · 无差别综合受理窗口", en: "Floor {floor} · universal windows" },
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
  colUnserved: { zh: "未办理", en: "Unserved" },
  colWaiting: { zh: "等候时长", en: "Waiting" },
  colHandling: { zh: "办理时长", en: "Handling" },
  colMean: { zh: "平均", en: "mean" },
  colP90: { zh: "90分位", en: "P90" },
  zoneTotal: { zh: "{code}区合计", en: "Zone {code}" },
  zoneTotalHint: { zh: "本区事项的全部办理，含在无差别窗口办理的", en: "All the zone's services, universal windows included" },
  dayTotal: { zh: "全天合计", en: "Day total" },
  // charts
  chartsTitle: { zh: "今日排队趋势", en: "Today's queues" },
  chartWaiting: { zh: "各区等候人数", en: "Waiting by zone" },
  chartLongest: { zh: "各区最长等候（分钟）", en: "Longest wait by zone (min)" },
  chartFlow: { zh: "每小时取号与办结", en: "Issued and served per hour" },
  seriesArrivals: { zh: "取号", en: "issued" },
  seriesServed: { zh: "办结", en: "served" },
  unitPeople: { zh: "人", en: "people" },
  unitMinutes: { zh: "分钟", en: "min" },
  unitTickets: { zh: "张", en: "tickets" },
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
  devices: new Map(), // device id -> {kind, alarms, since}
  deviceCount: 0, // devices in service (not revoked)
  stats: null, // {windows, zones, hall}: today's reports by window, by zone, for the whole hall
  estimates: null, // {zones, hall}: today's estimate accuracy by zone and for the whole hall
  ranking: null,
  rankingRange: "week",
  statsAt: null, // hall time of the latest statistics
  bookingsAt: null, // hall time the bookings were read
  chartsAt: null, // hall time the charts' figures were read
  focus: null, // zone code whose windows stand out, or null
};
let hallState = new HallState();
const grid = new WindowGrid($("window-grid"), t);
const followUps = new FollowUpsPanel({ shell, t, now: () => hallState.clockNow(), day: (iso) => iso.slice(5) });
let charts = null; // made once the board shows: ECharts measures its boxes
const staffing = new StaffingPanel({
  fetch: (path) => shell.authed(path), t, onError: (err) => shell.showError(err),
  today: () => (state.hall && hallState.now() !== null
    ? new Date(hallState.now()).toLocaleDateString("en-CA", { timeZone: state.hall.timezone }) : null),
});
const summonsAlarms = new SummonsAlarms({
  t, authed: (path) => shell.authed(path), now: () => hallState.now(), onError: (err) => shell.showError(err),
});

const clock = (moment, options) => clockTime(moment, { lang: t.lang(), timeZone: state.hall?.timezone, ...options });

function openBoard(_me, hall) {
  state.hall = hall;
  $("link-audit").href = shell.inHall("/audit");
  buildZones();
  grid.build(hall);
  shell.showView("board");
  charts ??= new DayCharts({ waiting: $("chart-waiting"), longest: $("chart-longest"), flow: $("chart-flow") }, t);
  hallState = new HallState();
  hallState.subscribe(onChange);
  state.live = hallState.follow({ token: shell.token, topics: ["managers"], onStatus: showLiveStatus, hall: shell.actingHall });
  refreshStats();
  refreshCharts();
  refreshBookings();
  summonsAlarms.start();
  followUps.refresh();
}

function closeBoard() {
  summonsAlarms.stop();
  if (state.live) state.live.stop();
  state.live = null;
  state.hall = null;
}

// -- live ----------------------------------------------------------------------------

function onChange(change) {
  if (change.type === "snapshot") refreshDevices(); // alarms raised while this page was away
  if (!staffing.advice && hallState.now() !== null) staffing.refresh(); // once the hall's day is known
  const event = change.event;
  if (followUps.onEvent(event)) return;
  if (event?.kind === EVENT_KINDS.DEVICE_STATUS) {
    setDevice(event.device, state.devices.get(event.device)?.kind, event.alarms, event.at);
    renderAlarms();
    return;
  }
  if (event?.kind === EVENT_KINDS.DEVICE_CHANGED) {
    refreshDevices(); // added or revoked by an admin
    return;
  }
  if (event && summonsAlarms.follow(event)) return;
  renderSoon();
}

async function refreshDevices() {
  try {
    const { devices } = await shell.authed("/api/v1/devices");
    const inService = devices.filter((device) => !device.revoked);
    state.deviceCount = inService.length;
    state.devices = new Map();
    for (const device of inService) setDevice(device.id, device.kind, device.alarms, device.changed_at);
    renderAlarms();
  } catch (err) {
    if (err.status === 401) shell.showError(err);
  }
}

function setDevice(id, kind, alarms, since) {
  state.devices.set(id, { kind: kind || "kiosk", alarms: alarms || [], since });
}

// -- statistics ------------------------------------------------------------------

let statsBusy = false;
async function refreshStats() {
  if (!shell.token || statsBusy) return;
  statsBusy = true;
  $("btn-refresh").disabled = true;
  try {
    const [windows, zones, hall, estimateZones, estimateHall] = await Promise.all([
      ...["window", "zone", "hall"].map((by) => shell.authed(`/api/v1/stats?by=${by}`)),
      ...["zone", "hall"].map((by) => shell.authed(`/api/v1/stats/estimates?by=${by}`)),
    ]);
    const query = state.rankingRange === "week" ? `?from=${mondayOf(windows.to)}&to=${windows.to}` : "";
    state.ranking = await shell.authed(`/api/v1/stats/ranking${query}`);
    state.stats = { windows, zones, hall };
    state.estimates = { zones: estimateZones, hall: estimateHall };
    state.statsAt = hallState.now();
    renderStats();
    renderRanking();
  } catch (err) {
    shell.showError(err);
  } finally {
    statsBusy = false;
    $("btn-refresh").disabled = false;
  }
}

const bookings = new BookingsView($("bookings"), {
  t, fetch: (path) => shell.authed(path),
  names: (code) => state.hall?.services.find((s) => s.code === code)?.name ?? "",
});

/** "更新于 …" after a panel's figures, in the page's language (again after a switch). */
function showUpdated(id, moment, options) {
  $(id).textContent = moment === null ? "" : t("updated", { time: clock(moment, options) });
}

async function refreshBookings() {
  if (!shell.token) return;
  try {
    await bookings.refresh();
    state.bookingsAt = hallState.now();
    showUpdated("bookings-updated", state.bookingsAt);
  } catch (err) {
    shell.showError(err);
  }
}

let chartsBusy = false;
async function refreshCharts() {
  if (!shell.token || chartsBusy) return;
  chartsBusy = true;
  try {
    charts.show(await shell.authed("/api/v1/stats/day"), state.hall.timezone);
    state.chartsAt = hallState.now();
    showUpdated("charts-updated", state.chartsAt);
  } catch (err) {
    shell.showError(err);
  } finally {
    chartsBusy = false;
  }
}

/** The Monday of the (server's) business day `day`, "YYYY-MM-DD". */
function mondayOf(day) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
}

// -- rendering -----------------------------------------------------------------------

const renderSoon = onNextFrame(() => render());

function render() {
  if (!state.hall) return;
  grid.render(hallState, state.focus);
  renderZones();
  renderTotals();
  renderTrouble();
  renderHallClock();
}

/** "red", "yellow" or "" for a wait of `seconds` against the hall's 电子监察 limits. */
function card(seconds) {
  const limits = state.hall?.alarms;
  if (!limits || seconds === null || seconds === undefined) return "";
  if (seconds >= limits.red_wait_minutes * 60) return "red";
  if (seconds >= limits.yellow_wait_minutes * 60) return "yellow";
  return "";
}

function windowCounts(zone, idle) {
  const counts = { open: 0, idle: idle.get(zone) || 0, paused: 0, closed: 0, all: 0 };
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
    node.append(head, main, el("div", "z-longest"), el("div", "z-windows"), el("div", "z-rating"), el("div", "z-alarm"));
    node.addEventListener("click", () => {
      state.focus = state.focus === code ? null : code;
      renderSoon();
    });
    return node;
  }));
}

function renderZones() {
  const idle = idleByZone(state.hall, hallState);
  for (const node of $("zones").children) {
    const code = node.dataset.zone;
    const universal = code === UNIVERSAL;
    const zone = state.hall.zones.find((z) => z.code === code);
    const queue = hallState.zones.get(code);
    const counts = windowCounts(code, idle);
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
    figures.replaceChildren(...["open", "idle", "paused", "closed"].map((key) => {
      const item = el("span", key);
      item.append(`${t(`zw_${key}`)} `, el("b", "", String(counts[key])));
      return item;
    }));
    renderZoneRating(node.querySelector(".z-rating"), universal ? null : code);
    const since = queue?.unattended_since;
    node.dataset.alarm = since ? "unattended" : "";
    node.querySelector(".z-alarm").textContent = since ? `${t("zoneUnattended")} · ${t("alarmSince", { time: clock(since) })}` : "";
  }
}

/** Today's 好差评 of a zone's services (GET /api/v1/stats?by=zone): its 满意率, ratings and 差评. */
function renderZoneRating(box, code) {
  const ratings = code && state.stats?.zones.groups.find((g) => g.key === code)?.ratings;
  box.hidden = !code || !state.stats;
  if (!ratings?.valid) {
    box.textContent = t("zoneNoRating");
    box.dataset.bad = "";
    box.title = "";
    return;
  }
  box.textContent = t("zoneRating", { share: percent(ratings.satisfaction), valid: ratings.valid })
    + (ratings.bad ? t("zoneBad", { bad: ratings.bad }) : "");
  box.dataset.bad = ratings.bad ? "yes" : "";
  box.title = t("zoneRatingHint", { rate: percent(ratings.valid_rate) });
}

/** The queue alarms: zones nobody can call (red), and idle windows beside a long queue (hints). */
function renderTrouble() {
  const items = unattendedZones(hallState).map((z) => {
    const item = el("li", "alarm red");
    item.dataset.kind = "unattended";
    item.dataset.zone = z.zone;
    item.append(el("b", "", t("unattended", { code: z.zone, n: z.waiting })),
      el("small", "", t("alarmSince", { time: clock(z.since) })));
    return item;
  });
  for (const hint of idleHints(state.hall, hallState)) {
    const item = el("li", "alarm hint", t("idleHint", hint));
    item.dataset.kind = "idle";
    item.dataset.zone = hint.idleZone;
    items.push(item);
  }
  $("trouble-list").replaceChildren(...items);
  const red = items.some((item) => item.classList.contains("red"));
  $("trouble").className = `alarms ${items.length ? (red ? "red" : "hint") : "ok"}`;
  $("trouble-title").textContent = items.length ? t("queuesAlarm", { n: items.length }) : t("queuesOk");
}

function renderHallClock() {
  const now = hallState.now();
  $("hall-clock").textContent = now === null ? "" : clock(now, { seconds: true });
}

function renderTotals() {
  const { waiting, open, paused, busy } = hallState.totals();
  let carded = 0;
  for (const zone of state.hall.zones) if (card(hallState.zoneLongestWait(zone.code))) carded += 1;
  $("total-waiting").textContent = String(waiting);
  $("total-open").textContent = t("openOfAll", { open, all: state.hall.windows.length });
  $("total-serving").textContent = String(busy);
  $("total-paused").textContent = String(paused);
  $("total-cards").textContent = String(carded);
  $("total-cards").parentElement.classList.toggle("alert", carded > 0);
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
      item.append(el("b", "", t(status.kind, { id: device })), el("span", "", known === alarm.code ? alarm.message : known));
      if (status.since) item.append(el("small", "", t("alarmSince", { time: clock(status.since) })));
      items.push(item);
    }
  }
  list.replaceChildren(...items);
  const red = items.some((item) => item.classList.contains("red"));
  $("alarms").className = `alarms ${items.length ? (red ? "red" : "yellow") : "ok"}`;
  $("alarms-title").textContent = items.length ? t("devicesAlarm", { n: items.length }) : t("devicesOk", { n: state.deviceCount });
}

// statistics

function renderStats() {
  renderStatsTable($("stats-body"), state.stats, state.hall, t, card);
  renderEstimatesTable($("estimates-body"), state.estimates, t);
  showUpdated("stats-updated", state.statsAt, { seconds: true });
  showUpdated("estimates-updated", state.statsAt, { seconds: true });
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
  bookings.render();
  followUps.render();
  staffing.render();
  charts?.render();
  showUpdated("bookings-updated", state.bookingsAt);
  showUpdated("charts-updated", state.chartsAt);
}

// -- start ---------------------------------------------------------------------------

function wire() {
  $("btn-refresh").addEventListener("click", () => {
    refreshDevices();
    refreshStats();
    refreshCharts();
    refreshBookings();
  });
  $("ranking-range").addEventListener("click", (event) => {
    const range = event.target.closest("[data-range]")?.dataset.range;
    if (!range || range === state.rankingRange) return;
    state.rankingRange = range;
    renderRanking();
    refreshStats();
  });
  setInterval(() => { // the longest waits and the hall's clock move on between pushes
    if (!state.hall) return;
    renderHallClock();
    summonsAlarms.render();
    renderZones();
    renderTotals();
    followUps.render(); // yellow and red turn at their moments of the hall's clock
  }, 1000);
  setInterval(() => document.body.dataset.view === "board" && refreshStats(), STATS_REFRESH_MS);
  setInterval(() => document.body.dataset.view === "board" && refreshCharts(), CHARTS_REFRESH_MS);
  setInterval(() => document.body.dataset.view === "board" && refreshBookings(), STATS_REFRESH_MS);
  // a device never heard of (a screen never switched on, an agent never connected) changes nothing to push
  setInterval(() => document.body.dataset.view === "board" && refreshDevices(), DEVICES_REFRESH_MS);
}

wire();
shell.start();
