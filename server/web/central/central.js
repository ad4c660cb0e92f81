// 中心总览: every hall in the manager's scope (a county's or a city's halls) on one desk or wall
// screen (1366×768 to 1920×1080). Per hall: people waiting, the longest wait with its 电子监察
// card, windows open, its alarms (zones nobody can call, carded zones, kiosk devices, a lost live
// connection) and today's services and satisfaction; a click opens that hall's dashboard.
//
// Each hall has its own shared hall state, live on its `managers` topic (?hall=<id>) like the
// dashboard's: the snapshot, then every event and the figures the server pushes. Today's figures
// and the device alarms come from GET /api/v1/central, read again every 30 s as the dashboard
// reads its statistics. All texts go in with textContent.
import { el, onNextFrame } from "/static/common/dom.js";
import { EVENT_KINDS } from "/static/common/events.js";
import { duration, percent } from "/static/common/format.js";
import { HallState } from "/static/common/hallstate.js";
import { makeTranslator } from "/static/common/i18n.js";
import { STAFF_TEXTS, StaffShell } from "/static/common/staff.js";
import { unattendedZones } from "/static/dashboard/trouble.js";

const REFRESH_MS = 30 * 1000;

const t = makeTranslator({
  ...STAFF_TEXTS,
  title: { zh: "中心总览", en: "All halls" },
  loginTitle: { zh: "管理人员登录", en: "Manager sign-in" },
  loginHint: { zh: "中心总览仅限管理人员使用", en: "The overview is for hall managers only" },
  notManager: {
    zh: "{name}（{id}）是窗口工作人员，没有管理权限：中心总览仅限管理人员登录。",
    en: "{name} ({id}) is window staff, not a manager: only managers may use the overview.",
  },
  scope: { zh: "管辖 {n} 个大厅", en: "{n} halls in your scope" },
  drillHint: { zh: "点击大厅进入其管理看板", en: "Click a hall to open its dashboard" },
  totalHalls: { zh: "个大厅", en: "halls" },
  totalWaiting: { zh: "等候人数", en: "waiting" },
  totalOpen: { zh: "开放窗口", en: "windows open" },
  totalServed: { zh: "今日办结", en: "served today" },
  totalAlarms: { zh: "告警大厅", en: "halls with alarms" },
  openOfAll: { zh: "{open}/{all}", en: "{open}/{all}" },
  waitingUnit: { zh: "人等候", en: "waiting" },
  longest: { zh: "最长等候", en: "Longest wait" },
  windowsOpen: { zh: "开放窗口", en: "Windows open" },
  served: { zh: "今日办结", en: "Served today" },
  satisfaction: { zh: "满意率", en: "Satisfied" },
  rated: { zh: "（评价 {n}）", en: " ({n} rated)" },
  yellowCard: { zh: "黄牌", en: "Yellow" },
  redCard: { zh: "红牌", en: "Red" },
  allOk: { zh: "运行正常", en: "All normal" },
  unattended: { zh: "{zones}区有人等候，无窗口开放", en: "Zone {zones}: people waiting, no window open" },
  carded: { zh: "{n}个区域等候超时", en: "{n} zones past the wait limit" },
  devices: { zh: "设备告警 {n}", en: "Device alarms: {n}" },
  hallOffline: { zh: "实时连接中断", en: "Live connection lost" },
  offline: { zh: "实时连接中断，正在重连…", en: "Live connection lost, reconnecting…" },
});

const $ = (id) => document.getElementById(id);

const shell = new StaffShell({
  page: "dashboard", // one manager session for the dashboard, this page and the audit page
  t,
  admit: (staff) => (["manager", "admin"].includes(staff.role) ? null : t("notManager", { name: staff.name, id: staff.id })),
  enter: open,
  leave: close,
  onLanguage: render,
});

let halls = []; // [{info: the hall from /api/v1/central, live: HallState, feed, online, devices: Map id -> alarms}]
let refresher = null;

async function open() {
  const overview = await shell.authed("/api/v1/central");
  halls = overview.halls.map((info) => {
    const live = new HallState();
    const hall = { info, live, online: false, devices: devicesOf(info) };
    live.subscribe((change) => onChange(hall, change));
    hall.feed = live.follow({
      token: shell.token, topics: ["managers"], hall: info.id, onStatus: (status) => onStatus(hall, status),
    });
    return hall;
  });
  $("hall-name").textContent = t("scope", { n: halls.length });
  build();
  shell.showView("halls");
  render();
  refresher = setInterval(refresh, REFRESH_MS);
}

function close() {
  clearInterval(refresher);
  for (const hall of halls) hall.feed.stop();
  halls = [];
}

function devicesOf(info) {
  const devices = new Map();
  for (const alarm of info.device_alarms) devices.set(alarm.device, [...(devices.get(alarm.device) || []), alarm]);
  return devices;
}

/** Today's figures and the device alarms again; the queues stay live from the sockets. */
async function refresh() {
  try {
    const overview = await shell.authed("/api/v1/central");
    for (const info of overview.halls) {
      const hall = halls.find((h) => h.info.id === info.id);
      if (hall) Object.assign(hall, { info, devices: devicesOf(info) });
    }
    render();
  } catch (err) {
    shell.showError(err);
  }
}

function onChange(hall, change) {
  const event = change.event;
  if (event?.kind === EVENT_KINDS.DEVICE_STATUS) hall.devices.set(event.device, event.alarms || []);
  renderSoon();
}

function onStatus(hall, status) {
  hall.online = status === "online";
  document.body.classList.toggle("offline", halls.some((h) => !h.online));
  document.body.dataset.live = halls.every((h) => h.online) ? "online" : "offline";
  renderSoon();
}

// -- figures -------------------------------------------------------------------------

/** A hall's figures by now: live once its socket has given the snapshot, from the overview until then. */
function figures(hall) {
  const { info, live } = hall;
  if (live.figuresAsOf === null) {
    return { waiting: info.waiting, open: info.windows.open, longest: info.waiting ? info.longest_wait_seconds : null,
             unattended: info.unattended_zones, carded: 0 };
  }
  const totals = live.totals();
  const carded = [...live.zones.keys()].filter((zone) => card(info, live.zoneLongestWait(zone))).length;
  return { waiting: totals.waiting, open: totals.open, longest: live.zoneLongestWait(),
           unattended: unattendedZones(live).map((z) => z.zone), carded };
}

/** "red", "yellow" or "" for a wait of `seconds` against the hall's 电子监察 limits. */
function card(info, seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds >= info.alarm_minutes.red * 60) return "red";
  if (seconds >= info.alarm_minutes.yellow * 60) return "yellow";
  return "";
}

/** The hall's alarms, most urgent first: [{level, code, text}]. */
function alarms(hall, now) {
  const found = [];
  if (!hall.online) found.push({ level: "red", code: "offline", text: t("hallOffline") });
  if (now.unattended.length) found.push({ level: "red", code: "unattended", text: t("unattended", { zones: now.unattended.join("、") }) });
  if (now.carded) found.push({ level: "yellow", code: "carded", text: t("carded", { n: now.carded }) });
  const deviceAlarms = [...hall.devices.values()].flat();
  if (deviceAlarms.length) {
    const level = deviceAlarms.some((a) => a.level === "red") ? "red" : "yellow";
    found.push({ level, code: "devices", text: t("devices", { n: deviceAlarms.length }) });
  }
  return found;
}

// -- rendering -----------------------------------------------------------------------

function build() {
  $("halls").replaceChildren(...halls.map((hall) => {
    const node = el("a", "hall");
    node.href = `/dashboard?hall=${encodeURIComponent(hall.info.id)}`;
    node.dataset.hall = hall.info.id;
    const head = el("div", "h-head");
    head.append(el("b", "h-name"));
    const main = el("div", "h-main");
    main.append(el("span", "h-wait num"), el("span", "h-unit"), el("span", "h-card"));
    const rows = el("dl", "h-figures");
    for (const key of ["longest", "windowsOpen", "served", "satisfaction"]) {
      const row = el("div", `f-${key}`);
      row.append(el("dt"), el("dd", "num"));
      rows.append(row);
    }
    node.append(head, main, rows, el("ul", "h-alarms"));
    return node;
  }));
}

const renderSoon = onNextFrame(() => render());

function render() {
  const sums = { waiting: 0, open: 0, all: 0, served: 0, alarmed: 0 };
  for (const node of $("halls").children) {
    const hall = halls.find((h) => h.info.id === node.dataset.hall);
    if (!hall) continue;
    const now = figures(hall);
    const found = alarms(hall, now);
    renderHall(node, hall, now, found);
    sums.waiting += now.waiting;
    sums.open += now.open;
    sums.all += hall.info.windows.all;
    sums.served += hall.info.today.served;
    if (found.length) sums.alarmed += 1;
  }
  $("total-halls").textContent = String(halls.length);
  $("total-waiting").textContent = String(sums.waiting);
  $("total-open").textContent = t("openOfAll", { open: sums.open, all: sums.all });
  $("total-served").textContent = String(sums.served);
  $("total-alarms").textContent = String(sums.alarmed);
  $("total-alarms-box").classList.toggle("alert", sums.alarmed > 0);
}

function renderHall(node, hall, now, found) {
  const { info } = hall;
  const level = card(info, now.longest);
  node.dataset.card = level;
  node.dataset.alarm = found.some((a) => a.level === "red") ? "red" : (found.length ? "yellow" : "");
  node.dataset.live = hall.online ? "online" : "offline";
  node.querySelector(".h-name").textContent = info.name;
  node.querySelector(".h-wait").textContent = String(now.waiting);
  node.querySelector(".h-unit").textContent = t("waitingUnit");
  const chip = node.querySelector(".h-card");
  chip.textContent = level ? t(level === "red" ? "redCard" : "yellowCard") : "";
  chip.hidden = !level;
  const ratings = info.today.ratings;
  const values = {
    longest: now.longest === null ? "—" : duration(now.longest),
    windowsOpen: t("openOfAll", { open: now.open, all: info.windows.all }),
    served: String(info.today.served),
    satisfaction: ratings.valid ? `${percent(ratings.satisfaction)}${t("rated", { n: ratings.valid })}` : "—",
  };
  for (const [key, value] of Object.entries(values)) {
    const row = node.querySelector(`.f-${key}`);
    row.querySelector("dt").textContent = t(key);
    row.querySelector("dd").textContent = value;
  }
  const list = node.querySelector(".h-alarms");
  list.replaceChildren(...(found.length ? found.map((a) => {
    const item = el("li", `alarm ${a.level}`, a.text);
    item.dataset.code = a.code;
    return item;
  }) : [el("li", "alarm ok", t("allOk"))]));
}

setInterval(() => halls.length && render(), 1000); // the longest waits grow between pushes
shell.start();
