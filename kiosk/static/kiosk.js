// The ticket kiosk (自助取号机): zone -> service -> ticket with a QR code.
//
// URL: /kiosk?token=<device token>[&lang=en][&idle=<seconds>]
// A touchscreen without keyboard: every step is a big button, the appointment
// code has its own keypad. Every text from the server or the hall's settings
// is set with textContent. The waiting figures come from the shared hall
// state, pushed by the server over the live socket.
import { el, floorName } from "/static/common/dom.js";
import { api, ApiError, tokenFromUrl } from "/static/common/api.js";
import { EVENT_KINDS } from "/static/common/events.js";
import { calendarDay, clockTime } from "/static/common/format.js";
import { HallState } from "/static/common/hallstate.js";
import { makeTranslator } from "/static/common/i18n.js";

const params = new URLSearchParams(location.search);
const TOKEN = tokenFromUrl();
const IDLE_MS = (Number(params.get("idle")) || 60) * 1000; // back to the start screen after this
const OPEN_CHECK_MS = 60 * 1000;
const RETRY_MS = 2000;
const REQUEST_TIMEOUT_MS = 10 * 1000;
const CODE_MAX = 12;
const CODE_MIN = 4;

const t = makeTranslator({
  subtitle: { zh: "自助取号机", en: "Self-service ticket machine" },
  offline: { zh: "网络连接中断，正在重试…", en: "Network connection lost, retrying…" },
  offlineShort: { zh: "离线", en: "Offline" },
  loading: { zh: "正在加载…", en: "Loading…" },
  chooseZone: { zh: "请选择办事区域", en: "Choose the service area" },
  chooseService: { zh: "请选择您要办理的事项", en: "Choose what you need to do" },
  green: { zh: "绿色通道", en: "Priority lane" },
  greenSub: { zh: "{groups} 优先办理", en: "First served: {groups}" },
  groupSeparator: { zh: "、", en: ", " },
  appointment: { zh: "预约签到", en: "Appointment check-in" },
  appointmentSub: { zh: "已网上预约，输入预约码签到", en: "Booked online? Enter your code" },
  back: { zh: "返回", en: "Back" },
  enterCode: { zh: "请输入预约码（短信或“一网通办”预约记录中的数字）", en: "Enter the appointment code from your booking message" },
  keyClear: { zh: "清空", en: "Clear" },
  keyBack: { zh: "退格", en: "Delete" },
  appointmentHonest: {
    zh: "本机暂不能联网核对预约信息：签到后按预约号优先排队，请到窗口出示预约记录。",
    en: "This machine cannot verify bookings yet: you queue as an appointment; show your booking at the window.",
  },
  appointmentNext: { zh: "下一步：选择办事区域", en: "Next: choose the service area" },
  modeGreen: { zh: "绿色通道取号", en: "Priority lane ticket" },
  modeAppointment: { zh: "预约签到 · 预约码 {code}", en: "Appointment check-in · code {code}" },
  modeCancel: { zh: "取消", en: "Cancel" },
  printFailed: { zh: "打印机暂时无法出票，请拍照或记下号码", en: "The printer cannot print right now: take a photo or note your number" },
  identityRead: { zh: "已读取身份证", en: "ID card read" },
  identityClear: { zh: "不是本人", en: "Not me" },
  cardAgain: { zh: "请重新放置身份证", en: "Please place your ID card on the reader again" },
  floor: { zh: "{floor}楼", en: "Floor {floor}" },
  waitingPeople: { zh: "等候 {n} 人", en: "{n} waiting" },
  waitNone: { zh: "无需等候", en: "no wait" },
  yourNumber: { zh: "您的号码", en: "Your number" },
  factService: { zh: "办理事项", en: "Service" },
  factZone: { zh: "办理区域", en: "Area" },
  factWindows: { zh: "办理窗口", en: "Windows" },
  factAhead: { zh: "前面等候", en: "Ahead of you" },
  factWait: { zh: "预计等候", en: "Estimated wait" },
  people: { zh: "{n} 人", en: "{n}" },
  windows: { zh: "{list}号窗口", en: "Window {list}" },
  minutes: { zh: "约 {m} 分钟", en: "about {m} min" },
  minutesNone: { zh: "即到即办", en: "you are next" },
  badgeGreen: { zh: "绿色通道 · 优先办理", en: "Priority lane" },
  badgeAppointment: { zh: "预约签到 · 预约码 {code}", en: "Appointment · code {code}" },
  noteAppointment: { zh: "请到窗口出示预约记录。请留意叫号屏幕和语音提示。", en: "Show your booking at the window. Watch the screens for your number." },
  noteNormal: { zh: "请留意大厅叫号屏幕和语音提示，叫到号请及时到窗口办理。", en: "Watch the hall screens and listen for your number." },
  qrTitle: { zh: "手机扫码，随时查看排队进度", en: "Scan to follow your place in the queue" },
  qrSub: { zh: "叫号时手机页面会提示您到哪个窗口办理", en: "Your phone shows the window when you are called" },
  done: { zh: "完成", en: "Done" },
  countdown: { zh: "{s} 秒后返回首页", en: "Returning to the start in {s} s" },
  closedTitle: { zh: "现在是非办公时间，暂停取号", en: "The hall is closed: no tickets now" },
  closedNote: { zh: "请在办公时间内前来办理，感谢您的理解与支持。", en: "Please come back during opening hours." },
  hoursLine: { zh: "办公时间：{days} {sessions}", en: "Opening hours: {days} {sessions}" },
  hoursLunch: { zh: "（午间不间断）", en: " (open over lunch)" },
  issuing: { zh: "正在取号，请稍候…", en: "Issuing your ticket…" },
  retryExplain: {
    zh: "请稍候，本机会自动重新发送刚才的取号请求，不会重复出号。",
    en: "Please wait: the machine resends the same request automatically; you will not get two tickets.",
  },
  retryNow: { zh: "立即重试", en: "Retry now" },
  retryCancel: { zh: "放弃取号", en: "Give up" },
  errorTitle: { zh: "未能取号", en: "No ticket issued" },
  giveUp: { zh: "网络长时间中断，请到服务台取号。", en: "The network is still down: please ask at the service desk." },
  noToken: { zh: "本机未配置设备令牌（地址缺少 ?token=），请联系管理员。", en: "This kiosk has no device token (?token=); call the administrator." },
});

const WEEKDAYS = { zh: ["", "周一", "周二", "周三", "周四", "周五", "周六", "周日"], en: ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] };

const $ = (id) => document.getElementById(id);

/** [41,42,…,48,89,…,96] -> "41-48、89-96" (", " in English). */
function windowRanges(numbers) {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const runs = [];
  for (const n of sorted) {
    const last = runs[runs.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else runs.push([n, n]);
  }
  return runs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(t.lang() === "zh" ? "、" : ", ");
}

function waitText(minutes) {
  return minutes > 0 ? t("minutes", { m: minutes }) : t("waitNone");
}

/** The hall's green-channel groups (老、弱、病、残、军 as configured): "" when it names none. */
function greenGroups() {
  const groups = state.hall?.priority?.green_groups || [];
  return groups.length ? t("greenSub", { groups: groups.join(t("groupSeparator")) }) : "";
}

/** A fresh key per ticket attempt; crypto.randomUUID needs https, the hall LAN may not have it. */
function attemptKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "kiosk-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---------------------------------------------------------------------------

const state = {
  hall: null, // layout from /api/v1/device
  device: null,
  zones: [], // zones this kiosk offers
  open: true,
  screen: "loading",
  zone: null, // chosen zone code
  mode: "normal", // "normal" | "green" | "appointment"
  code: "", // appointment code
  identity: null, // {name_masked, identity_token} from the ID-card reader
  cardAgain: false, // the last card read failed: ask for the card again until a good read
  printFailures: new Map(), // status_token -> preview image of a ticket the printer could not print
  issued: null, // the last ticket shown
  attempt: null, // the ticket request in flight (kept for retries)
  retryWake: null,
  lastActivity: Date.now(),
  online: true,
};

const SCREENS = ["loading", "start", "services", "appointment", "ticket", "closed"];

function show(name) {
  state.screen = name;
  for (const screen of SCREENS) $(`screen-${screen}`).hidden = screen !== name;
  const choosing = name === "start" || name === "services";
  $("identity-strip").hidden = !(choosing && state.identity);
  $("card-again").hidden = !(choosing && state.cardAgain);
  $("mode-strip").hidden = !(choosing && state.mode !== "normal");
  if (name === "start") renderZones();
  if (name === "services") renderServices();
  updateModeStrip();
}

function overlay(name) {
  for (const which of ["busy", "retry", "error"]) $(`overlay-${which}`).hidden = which !== name;
}

function resetToStart() {
  state.zone = null;
  state.mode = "normal";
  state.code = "";
  state.identity = null;
  state.cardAgain = false;
  state.issued = null;
  overlay(null);
  show(state.open ? "start" : "closed");
}

// -- the start screen: zones -------------------------------------------------

function renderZones() {
  const grid = $("zones");
  grid.replaceChildren();
  grid.classList.toggle("few", state.zones.length <= 4);
  for (const zone of state.zones) {
    const queue = hallState.zones.get(zone.code) || { waiting: 0, estimated_wait_minutes: 0 };
    const card = el("button", "zone-card");
    card.type = "button";
    card.dataset.zone = zone.code;
    card.append(el("span", "zone-code", zone.prefix || zone.code));
    const text = el("span", "zone-text");
    text.append(el("span", "zone-name", zone.name), el("span", "zone-floor", floorName(t, zone.floor)));
    const figures = el("span", "zone-figures");
    figures.append(el("span", "waiting", t("waitingPeople", { n: queue.waiting })),
                   el("span", "estimate", waitText(queue.estimated_wait_minutes)));
    text.append(figures);
    card.append(text);
    card.addEventListener("click", () => chooseZone(zone.code));
    grid.append(card);
  }
}

function chooseZone(code) {
  state.zone = code;
  const services = servicesOf(code);
  show("services");
  if (services.length === 0) $("services").append(el("p", "note", "—"));
}

function servicesOf(zoneCode) {
  return state.hall.services.filter((s) => s.zone === zoneCode);
}

function zoneOf(code) {
  return state.hall.zones.find((z) => z.code === code);
}

// -- services of a zone --------------------------------------------------------

function renderServices() {
  const zone = zoneOf(state.zone);
  if (!zone) return;
  $("services-zone").textContent = zone.name;
  $("services-floor").textContent = floorName(t, zone.floor);
  const list = $("services");
  list.replaceChildren();
  for (const service of servicesOf(zone.code)) {
    const queue = hallState.services.get(service.code) || { waiting: 0, estimated_wait_minutes: 0 };
    const row = el("button", "service-card");
    row.type = "button";
    row.dataset.service = service.code;
    const text = el("span", "service-text");
    text.append(el("span", "service-name", service.name), el("span", "service-dept", service.department));
    const figures = el("span", "service-figures");
    figures.append(el("span", "waiting", t("waitingPeople", { n: queue.waiting })),
                   el("span", "estimate", waitText(queue.estimated_wait_minutes)));
    row.append(text, figures);
    row.addEventListener("click", () => takeTicket(service));
    list.append(row);
  }
}

// -- green channel and appointment check-in --------------------------------------

function renderGreenButton() {
  const groups = greenGroups();
  $("green-groups").textContent = groups;
  $("green-groups").hidden = !groups;
}

function updateModeStrip() {
  if (state.mode === "green") $("mode-text").textContent = [t("modeGreen"), greenGroups()].filter(Boolean).join(" · ");
  else if (state.mode === "appointment") $("mode-text").textContent = t("modeAppointment", { code: state.code });
  document.body.dataset.mode = state.mode;
}

function startGreen() {
  state.mode = "green";
  show("start");
}

function startAppointment() {
  state.mode = "normal";
  state.code = "";
  renderCode();
  show("appointment");
}

function pressKey(key) {
  if (key === "clear") state.code = "";
  else if (key === "back") state.code = state.code.slice(0, -1);
  else if (state.code.length < CODE_MAX) state.code += key;
  renderCode();
}

function renderCode() {
  $("appointment-code").textContent = state.code || "—";
  $("appointment-ok").disabled = state.code.length < CODE_MIN;
}

function confirmAppointment() {
  if (state.code.length < CODE_MIN) return;
  state.mode = "appointment";
  // One zone only: go straight to its services.
  if (state.zones.length === 1) chooseZone(state.zones[0].code);
  else show("start");
}

// -- ID card identity and printing ----------------------------------------------
//
// The kiosk's device agent reads the resident ID card and hands it to the
// server, which publishes it to this kiosk alone (topic kiosk:<id>) as an
// EVENT_KINDS.KIOSK_IDENTITY event:
//
//   {"device": "<id>", "identity": {"name_masked": "张*三", "identity_token": "<short-lived token>"}}
//
// The page never sees the ID number or the full name: it shows the masked
// name and sends the token with the next ticket. An identity is forgotten
// after the ticket, on "不是本人" and when the kiosk returns to the start.
//
// A read that failed (EVENT_KINDS.KIOSK_CARD_ERROR: a damaged reply, a card
// pulled away too soon) asks for the card again until the next good read.
//
// When the agent cannot print a ticket, EVENT_KINDS.KIOSK_PRINT_FAILED names its
// status_token and a preview image of the ticket, shown in place of paper.
// It may arrive before the ticket's own response, so it is remembered.

function receiveIdentity(event) {
  if (!forThisKiosk(event)) return;
  const identity = event.identity || {};
  if (typeof identity.name_masked !== "string" || !identity.name_masked) return;
  state.identity = { name_masked: identity.name_masked, identity_token: identity.identity_token || null };
  state.cardAgain = false;
  $("identity-name").textContent = identity.name_masked;
  cardNews();
}

function receiveCardError(event) {
  if (!forThisKiosk(event)) return;
  state.cardAgain = true;
  cardNews();
}

function forThisKiosk(event) {
  return !(event.device && state.device && event.device !== state.device.id);
}

/** The reader did something: the citizen is here; the choosing screens show it at once. */
function cardNews() {
  state.lastActivity = Date.now();
  if (state.screen === "start" || state.screen === "services") show(state.screen);
}

// -- taking a ticket -------------------------------------------------------------

async function takeTicket(service) {
  if (state.attempt) return; // one request at a time; a double tap is not a second ticket
  const body = { service: service.code, priority: "normal", idempotency_key: attemptKey() };
  if (state.identity?.identity_token) body.identity_token = state.identity.identity_token;
  if (state.mode === "green") body.priority = "green";
  if (state.mode === "appointment") {
    // No appointment lookup on the server yet: the slot is "now", the code goes along for the window.
    body.priority = "appointment";
    body.appointment_code = state.code;
    body.appointment_at = new Date().toISOString();
  }
  const attempt = { body, since: Date.now() };
  state.attempt = attempt;
  overlay("busy");
  while (state.attempt === attempt) {
    try {
      const issued = await post(body);
      if (state.attempt !== attempt) return; // given up meanwhile
      state.attempt = null;
      overlay(null);
      showTicket(issued);
      return;
    } catch (err) {
      if (state.attempt !== attempt) return;
      if (!retryable(err)) {
        state.attempt = null;
        failed(err);
        return;
      }
      if (Date.now() - attempt.since > Math.max(IDLE_MS, 30000)) {
        state.attempt = null;
        failed(new ApiError(0, "unreachable", t("giveUp")));
        return;
      }
      overlay("retry");
      await pause(RETRY_MS);
    }
  }
}

async function post(body) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    return await api("/api/v1/tickets", { method: "POST", body, token: TOKEN, signal: abort.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** The same request may be sent again: it never reached the server, or the answer got lost. */
function retryable(err) {
  return err instanceof ApiError && (err.status === 0 || err.status >= 500);
}

function pause(ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    state.retryWake = () => { clearTimeout(timer); resolve(); };
  });
}

function failed(err) {
  if (err.code === "hall_closed") {
    state.open = false;
    resetToStart();
    return;
  }
  $("error-text").textContent = err.message;
  overlay("error");
}

function showTicket(issued) {
  state.issued = issued;
  const ticket = issued.ticket;
  const service = state.hall.services.find((s) => s.code === ticket.service);
  const zone = zoneOf(ticket.zone);
  $("ticket-number").textContent = ticket.number;
  $("ticket-service").textContent = service ? service.name : ticket.service;
  $("ticket-zone").textContent = zone ? `${zone.name} · ${floorName(t, zone.floor)}` : ticket.zone;
  $("ticket-windows").textContent = issued.windows.length ? t("windows", { list: windowRanges(issued.windows) }) : "—";
  $("ticket-ahead").textContent = t("people", { n: issued.people_ahead });
  $("ticket-wait").textContent = issued.estimated_wait_minutes > 0
    ? t("minutes", { m: issued.estimated_wait_minutes }) : t("minutesNone");
  const badge = $("ticket-badge");
  badge.hidden = ticket.priority === "normal";
  badge.className = `badge ${ticket.priority}`;
  if (ticket.priority === "green") badge.textContent = t("badgeGreen");
  if (ticket.priority === "appointment") badge.textContent = t("badgeAppointment", { code: state.code });
  $("ticket-note").textContent = ticket.priority === "appointment" ? t("noteAppointment") : t("noteNormal");
  const qr = $("ticket-qr");
  qr.src = `/api/v1/public/tickets/${encodeURIComponent(issued.status_token)}/qr.svg`;
  qr.alt = t("qrTitle");
  state.identity = null; // used up by this ticket
  showPrintFailure(state.printFailures.get(issued.status_token));
  show("ticket");
  state.lastActivity = Date.now();
  tick();
}

function receivePrintFailure(event) {
  if (state.device && event.device !== state.device.id) return;
  state.printFailures.set(event.status_token, event.preview);
  if (state.printFailures.size > 50) state.printFailures.delete(state.printFailures.keys().next().value);
  if (state.issued?.status_token === event.status_token) showPrintFailure(event.preview);
}

/** No paper ticket: show the ticket's picture instead of the QR box, and say so. */
function showPrintFailure(preview) {
  $("print-failed").hidden = !preview;
  $("qr-box").hidden = Boolean(preview);
  if (preview) $("print-preview").src = preview;
}

// -- live queues, opening hours --------------------------------------------------

const hallState = new HallState();

function onChange(change) {
  const event = change.event;
  if (event?.kind === EVENT_KINDS.KIOSK_IDENTITY) receiveIdentity(event);
  else if (event?.kind === EVENT_KINDS.KIOSK_CARD_ERROR) receiveCardError(event);
  else if (event?.kind === EVENT_KINDS.KIOSK_PRINT_FAILED) receivePrintFailure(event);
  else if (change.type !== "event") renderFigures(); // figures come with snapshots and pushes
}

function renderFigures() {
  if (state.screen === "start") renderZones();
  if (state.screen === "services") renderServices();
}

function setOnline(online) {
  state.online = online;
  document.body.classList.toggle("offline", !online);
  $("net-banner").hidden = online;
}

async function loadDevice() {
  const data = await api("/api/v1/device", { token: TOKEN });
  state.hall = data.hall;
  state.device = data.device;
  const offered = data.device && data.device.zones.length ? data.device.zones : null;
  state.zones = offered ? data.hall.zones.filter((z) => offered.includes(z.code)) : data.hall.zones;
  $("hall-name").textContent = data.hall.name;
  document.title = `${data.hall.name} · ${t("subtitle")}`;
  renderHours(data.hall.hours);
  renderGreenButton();
  return data.open_now;
}

/** Opening hours as the hall's settings give them ({weekdays, sessions, lunch_service}), when the server sends them. */
function renderHours(hours) {
  const line = $("closed-hours");
  if (!hours || !Array.isArray(hours.sessions) || hours.sessions.length === 0) {
    line.hidden = true;
    return;
  }
  const names = WEEKDAYS[t.lang()];
  const days = (hours.weekdays || []).map((d) => names[d]).join(t.lang() === "zh" ? "、" : ", ");
  const sessions = hours.sessions.map((s) => (Array.isArray(s) ? s.join("-") : `${s.start}-${s.end}`)).join(" ");
  line.textContent = t("hoursLine", { days, sessions }) + (hours.lunch_service ? t("hoursLunch") : "");
  line.hidden = false;
}

async function checkOpen() {
  try {
    const open = await loadDevice();
    setOnline(true);
    if (open === state.open) return;
    state.open = open;
    if (!open && !state.attempt && state.screen !== "ticket") resetToStart();
    if (open && state.screen === "closed") resetToStart();
  } catch (err) {
    if (err.status === 0) setOnline(false);
  }
}

// -- idle timer and clock ------------------------------------------------------------

function tick() {
  const now = new Date();
  const where = { lang: t.lang(), timeZone: state.hall?.timezone };
  $("clock-time").textContent = clockTime(now, where);
  $("clock-date").textContent = calendarDay(now, { ...where, short: true });
  const idle = Date.now() - state.lastActivity;
  if (state.screen === "ticket") {
    $("ticket-countdown").textContent = t("countdown", { s: Math.max(0, Math.ceil((IDLE_MS - idle) / 1000)) });
  }
  const away = state.screen !== "start" && state.screen !== "closed" && state.screen !== "loading";
  const dirty = away || state.mode !== "normal" || state.identity || state.cardAgain;
  if (dirty && !state.attempt && idle >= IDLE_MS) resetToStart();
}

function rerender() {
  show(state.screen);
  if (state.screen === "ticket" && state.issued) showTicket(state.issued);
  renderCode();
  tick();
}

// -- wiring ------------------------------------------------------------------------

function wire() {
  for (const type of ["pointerdown", "keydown", "touchstart"]) {
    document.addEventListener(type, () => { state.lastActivity = Date.now(); }, { capture: true, passive: true });
  }
  $("lang").addEventListener("click", () => {
    t.setLang(t.lang() === "zh" ? "en" : "zh");
    $("lang").textContent = t.lang() === "zh" ? "English" : "中文";
    renderHours(state.hall && state.hall.hours);
    if (state.hall) renderGreenButton();
    rerender();
  });
  $("btn-green").addEventListener("click", startGreen);
  $("btn-appointment").addEventListener("click", startAppointment);
  $("services-back").addEventListener("click", () => show("start"));
  $("appointment-back").addEventListener("click", resetToStart);
  $("appointment-ok").addEventListener("click", confirmAppointment);
  $("keypad").addEventListener("click", (event) => {
    const key = event.target.closest("button")?.dataset.key;
    if (key) pressKey(key);
  });
  $("mode-cancel").addEventListener("click", () => { state.mode = "normal"; state.code = ""; show(state.screen); });
  $("identity-clear").addEventListener("click", () => { state.identity = null; show(state.screen); });
  $("ticket-done").addEventListener("click", resetToStart);
  $("retry-now").addEventListener("click", () => state.retryWake && state.retryWake());
  $("retry-cancel").addEventListener("click", () => { state.attempt = null; resetToStart(); });
  $("error-ok").addEventListener("click", () => { overlay(null); show(state.screen === "ticket" ? "start" : state.screen); });
}

async function main() {
  wire();
  t.setLang(t.lang());
  $("lang").textContent = t.lang() === "zh" ? "English" : "中文";
  tick();
  setInterval(tick, 1000);
  if (!TOKEN) {
    $("error-text").textContent = t("noToken");
    overlay("error");
    return;
  }
  for (;;) {
    try {
      state.open = await loadDevice();
      break;
    } catch (err) {
      if (err.status !== 0 && err.status < 500) {
        $("error-text").textContent = err.message;
        overlay("error");
        return;
      }
      setOnline(false);
      await pause(RETRY_MS);
    }
  }
  setOnline(true);
  resetToStart();
  setInterval(checkOpen, OPEN_CHECK_MS);
  const offered = state.device && state.device.zones.length ? state.device.zones : null;
  hallState.subscribe(onChange);
  hallState.follow({
    token: TOKEN,
    topics: [...(offered ? offered.map((z) => `zone:${z}`) : ["hall"]),
             ...(state.device ? [`kiosk:${state.device.id}`] : [])],
    onStatus: (status) => {
      setOnline(status === "online");
      if (status === "online") checkOpen();
    },
  });
}

main();
