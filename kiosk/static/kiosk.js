// The ticket kiosk (自助取号机), for a citizen who may be 70 and knows only what they came for.
// The start screen offers the hall's common services (one tap to a ticket), a search by pinyin
// initials on the kiosk's own keyboard, and the zones; a kiosk of one zone opens on its services.
// Back and Home are at the foot of every screen, where a short person or a wheelchair user reaches
// them; a list that goes on below the fold says so. Names break only between their words.
//
// URL: /kiosk?token=<device token>[&lang=en][&idle=<seconds>]
// A touchscreen without keyboard: every step is a big button, the appointment code has its own
// keypad. Every text from the server or the hall's settings is set with textContent. The waiting
// figures and the hall's clock come from the shared hall state, pushed by the server.
import { el, floorName } from "/static/common/dom.js";
import { api, ApiError, tokenFromUrl } from "/static/common/api.js";
import { EVENT_KINDS } from "/static/common/events.js";
import { calendarDay, clockTime, daysApart } from "/static/common/format.js";
import { HallState } from "/static/common/hallstate.js";
import { makeTranslator } from "/static/common/i18n.js";
import { findServices } from "/static/kiosk/search.js";

const params = new URLSearchParams(location.search);
const TOKEN = tokenFromUrl();
const IDLE_MS = (Number(params.get("idle")) || 60) * 1000; // back to the start screen after this
const OPEN_CHECK_MS = 60 * 1000;
const RETRY_MS = 2000;
const REQUEST_TIMEOUT_MS = 10 * 1000;
const CODE_MAX = 12;
const CODE_MIN = 4;
const SEARCH_MAX = 24;
const KEY_ROWS = ["QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"];
const DESIGN_WIDTH = { portrait: 1080, landscape: 1920 }; // the layout's size; a smaller screen shows it scaled

const t = makeTranslator({
  subtitle: { zh: "自助取号机", en: "Self-service ticket machine" },
  offline: { zh: "网络连接中断，正在重试…", en: "Network connection lost, retrying…" },
  offlineShort: { zh: "离线", en: "Offline" },
  loading: { zh: "正在加载…", en: "Loading…" },
  searchOpen: { zh: "查找事项", en: "Find a service" },
  searchOpenSub: { zh: "按拼音首字母查找，例如“不动产”按 B D C", en: "Type the first letters of its name" },
  searchPlaceholder: { zh: "请按下方字母键", en: "Use the letter keys below" },
  searchHint: { zh: "按拼音首字母或全拼，例如“不动产”按 B D C", en: "Type pinyin initials (B D C for 不动产) or English words" },
  searchFound: { zh: "找到 {n} 项，点一下即取号", en: "{n} found: tap one to take a ticket" },
  searchNone: { zh: "没有找到，请少按几个字母，或返回按区域选择", en: "Nothing found: type fewer letters, or go back and choose an area" },
  commonTitle: { zh: "常办事项 · 点一下即取号", en: "Common services · one tap for a ticket" },
  chooseZone: { zh: "按办事区域选择", en: "Or choose the service area" },
  chooseService: { zh: "请选择您要办理的事项，点一下即取号", en: "Choose what you need to do: one tap for a ticket" },
  green: { zh: "绿色通道", en: "Priority lane" },
  greenSub: { zh: "{groups} 优先办理", en: "First served: {groups}" },
  groupSeparator: { zh: "、", en: ", " },
  appointment: { zh: "预约签到", en: "Appointment check-in" },
  appointmentSub: { zh: "已网上预约，输入预约码签到", en: "Booked online? Enter your code" },
  back: { zh: "返回", en: "Back" },
  home: { zh: "回到首页", en: "Start again" },
  moreBelow: { zh: "下面还有 {n} 项 ▼ 点此查看", en: "{n} more below ▼ tap to see" },
  enterCode: { zh: "请输入预约码（短信或“一网通办”预约记录中的数字）", en: "Enter the appointment code from your booking message" },
  keyClear: { zh: "清空", en: "Clear" },
  keyBack: { zh: "退格", en: "Delete" },
  appointmentHonest: {
    zh: "本机暂不能联网核对预约信息：签到后按预约号优先排队，请到窗口出示预约记录。",
    en: "This machine cannot verify bookings yet: you queue as an appointment; show your booking at the window.",
  },
  appointmentNext: { zh: "下一步：选择办理事项", en: "Next: choose the service" },
  modeGreen: { zh: "绿色通道取号", en: "Priority lane ticket" },
  modeGreenChoose: { zh: "请选择要办理的事项", en: "choose the service" },
  modeAppointment: { zh: "预约签到 · 预约码 {code}", en: "Appointment check-in · code {code}" },
  modeCancel: { zh: "取消", en: "Cancel" },
  printFailed: { zh: "打印机暂时无法出票，请拍照或记下号码", en: "The printer cannot print right now: take a photo or note your number" },
  identityRead: { zh: "已读取身份证", en: "ID card read" },
  identityClear: { zh: "不是本人", en: "Not me" },
  cardAgain: { zh: "请重新放置身份证", en: "Please place your ID card on the reader again" },
  floor: { zh: "{floor}楼", en: "Floor {floor}" },
  zoneLetter: { zh: "{zone}区", en: "area {zone}" },
  whereInZone: { zh: "{floor} {zone}区 · ", en: "{floor}, area {zone} · " },
  waitingPeople: { zh: "等候 {n} 人", en: "{n} waiting" },
  waitNone: { zh: "无需等候", en: "no wait" },
  yourNumber: { zh: "您的号码", en: "Your number" },
  factService: { zh: "办理事项", en: "Service" },
  factZone: { zh: "办理区域", en: "Area" },
  factWindows: { zh: "办理窗口", en: "Windows" },
  factAhead: { zh: "前面等候", en: "Ahead of you" },
  factWait: { zh: "预计等候", en: "Estimated wait" },
  people: { zh: "{n} 人", en: "{n}" },
  windowsInZone: { zh: "{floor} {zone} {n}个窗口", en: "{floor}, {zone}: {n} windows" },
  windowInZone: { zh: "{floor} {zone} {number}号窗口", en: "{floor}, {zone}: window {number}" },
  windowsUniversal: { zh: "{floor} 综合窗口 {n}个", en: "{floor}: {n} all-service windows" },
  windowUniversal: { zh: "{floor} {number}号综合窗口", en: "{floor}: all-service window {number}" },
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
  closedDayOff: { zh: "今天不办公，暂停取号", en: "Closed today: no tickets" },
  closedPaused: { zh: "现在暂停取号", en: "No tickets at the moment" },
  closedOver: { zh: "今日取号已结束", en: "No more tickets today" },
  nextOpen: { zh: "{when} 开始取号", en: "Tickets again {when}" },
  nextToday: { zh: "今天 {time}", en: "today at {time}" },
  nextTomorrow: { zh: "明天 {time}", en: "tomorrow at {time}" },
  nextDay: { zh: "{day} {time}", en: "on {day} at {time}" },
  closedNote: { zh: "请在办公时间内前来办理，感谢您的理解与支持。", en: "Please come back during opening hours." },
  hoursLine: { zh: "办公时间：{days}", en: "Opening hours: {days}" },
  dayRange: { zh: "{first}至{last}", en: "{first}–{last}" },
  hoursLunch: { zh: "（午间不间断）", en: "(open over lunch)" },
  issuing: { zh: "正在取号，请稍候…", en: "Issuing your ticket…" },
  retryExplain: {
    zh: "请稍候，本机会自动重新发送刚才的取号请求，不会重复出号。",
    en: "Please wait: the machine resends the same request automatically; you will not get two tickets.",
  },
  retryNow: { zh: "立即重试", en: "Retry now" },
  retryCancel: { zh: "放弃取号", en: "Give up" },
  errorTitle: { zh: "未能取号", en: "No ticket issued" },
  error_unreachable: { zh: "网络长时间中断，请到服务台取号。", en: "The network is still down: please ask at the service desk." },
  error_ticket_limit: { zh: "您今天已取过此事项的号，请留意叫号；如有疑问请到服务台咨询。", en: "You already hold tickets for this service today; please ask at the service desk." },
  error_identity_expired: { zh: "身份证读取已过期，请重新放置身份证。", en: "The ID card read has expired: place your card on the reader again." },
  error_invalid: { zh: "请重新放置身份证后再取号。", en: "Place your ID card on the reader again, then choose the service." },
  error_zone_not_offered: { zh: "本机不办理此区域的事项，请到大厅入口的取号机取号。", en: "This machine does not issue tickets for that area: use the machine at the entrance." },
  errorOther: { zh: "暂时无法取号，请稍后再试或到服务台咨询。", en: "No ticket could be issued: try again later or ask at the service desk." },
  noToken: { zh: "本机未配置设备令牌（地址缺少 ?token=），请联系管理员。", en: "This kiosk has no device token (?token=); call the administrator." },
  deviceRefused: { zh: "本机的设备令牌无效，请联系管理员。", en: "This kiosk's device token is not accepted; call the administrator." },
});

const WEEKDAYS = { zh: ["", "周一", "周二", "周三", "周四", "周五", "周六", "周日"], en: ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] };
// Refusals the page says in its own words (error_<code>); any other in general terms.
const SAID_ERRORS = new Set(["unreachable", "ticket_limit", "identity_expired", "invalid", "zone_not_offered"]);
const SCREENS = ["loading", "start", "search", "services", "appointment", "ticket", "closed"];
const CHOOSING = new Set(["start", "search", "services"]); // where the card and mode strips show
const WITH_NAV = new Set(["search", "services", "appointment"]); // Back and Home at the foot

const $ = (id) => document.getElementById(id);

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

/**
 * A zone's or service's name: in English on the English page when the hall gives one, else in
 * Chinese with a break opportunity only between its words (the CSS keeps words whole).
 */
function nameNode(item, className) {
  const node = el("span", className);
  if (t.lang() === "en" && item.name_en) {
    node.lang = "en";
    node.textContent = item.name_en;
    return node;
  }
  node.lang = "zh-CN";
  (item.words?.length ? item.words : [item.name]).forEach((word, index) => {
    if (index) node.append(document.createElement("wbr"));
    node.append(word);
  });
  return node;
}

function nameText(item) {
  return t.lang() === "en" && item.name_en ? item.name_en : item.name;
}

// ---------------------------------------------------------------------------

const state = {
  hall: null, // layout from /api/v1/device
  device: null,
  zones: [], // zones this kiosk offers
  services: [], // services of those zones
  common: [], // this kiosk's common services (codes)
  open: true,
  nextOpen: null, // when ticketing opens next (ISO), while closed
  screen: "loading",
  trail: [], // the screens Back returns through
  zone: null, // chosen zone code
  query: "", // the search's letters
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

/** A kiosk of one zone has no zone step: its start screen lists the zone's services. */
function oneZone() {
  return state.zones.length === 1 ? state.zones[0] : null;
}

function show(name) {
  state.screen = name;
  for (const screen of SCREENS) $(`screen-${screen}`).hidden = screen !== name;
  const choosing = CHOOSING.has(name);
  $("identity-strip").hidden = !(choosing && state.identity);
  $("card-again").hidden = !(choosing && state.cardAgain);
  $("mode-strip").hidden = !(choosing && state.mode !== "normal");
  $("nav").hidden = !WITH_NAV.has(name);
  if (name === "start") renderStart();
  if (name === "services") renderServices();
  if (name === "search") renderSearch();
  if (name === "closed") renderClosed();
  updateModeStrip();
  updateCues();
}

/** Go on to a screen; Back returns here. */
function go(name) {
  if (state.screen !== name) state.trail.push(state.screen);
  show(name);
}

function back() {
  const previous = state.trail.pop();
  if (!previous || previous === "start") resetTrail();
  show(previous || "start");
}

function resetTrail() {
  state.trail = [];
}

function overlay(name) {
  for (const which of ["busy", "retry", "error"]) $(`overlay-${which}`).hidden = which !== name;
}

function resetToStart() {
  state.zone = null;
  state.query = "";
  state.mode = "normal";
  state.code = "";
  state.identity = null;
  state.cardAgain = false;
  state.issued = null;
  resetTrail();
  overlay(null);
  show(state.open ? "start" : "closed");
}

// -- lists that go on below the fold ----------------------------------------------

const CUES = [["zones-box", "zones-cue"], ["services-box", "services-cue"], ["search-box", "search-cue"]];

/** Under a list cut off by the screen's foot: how many more there are, and a tap shows them. */
function updateCue(box, cue) {
  const bottom = box.getBoundingClientRect().bottom;
  const list = [...box.children].find((child) => !child.hidden);
  const hidden = list ? [...list.children].filter((item) => item.getBoundingClientRect().bottom > bottom + 2).length : 0;
  cue.hidden = hidden === 0 || box.offsetParent === null;
  if (hidden) cue.textContent = t("moreBelow", { n: hidden });
}

function updateCues() {
  for (const [box, cue] of CUES) updateCue($(box), $(cue));
}

function wireCues() {
  for (const [boxId, cueId] of CUES) {
    const box = $(boxId);
    box.addEventListener("scroll", () => updateCue(box, $(cueId)), { passive: true });
    $(cueId).addEventListener("click", () => box.scrollBy({ top: box.clientHeight * 0.8, behavior: "smooth" }));
  }
  new ResizeObserver(updateCues).observe(document.body);
}

// -- the start screen: common services, search, zones -----------------------------

function renderStart() {
  const zone = oneZone();
  $("search-open").hidden = Boolean(zone);
  $("priority-row").hidden = state.mode !== "normal"; // chosen already: only the services remain
  const common = zone ? [] : state.common.map(serviceOf).filter(Boolean);
  $("common-block").hidden = common.length === 0;
  $("common").replaceChildren(...common.map(commonButton));
  $("zones").hidden = Boolean(zone);
  $("home-services").hidden = !zone;
  $("home-zone-floor").hidden = !zone;
  if (zone) {
    $("zones-title").replaceChildren(nameNode(zone, "zone-title"));
    $("home-zone-floor").textContent = floorName(t, zone.floor);
    renderServiceList($("home-services"), servicesOf(zone.code));
  } else {
    $("zones-title").textContent = t("chooseZone");
    renderZones();
  }
}

function renderZones() {
  const grid = $("zones");
  grid.replaceChildren();
  for (const zone of state.zones) {
    const queue = hallState.zones.get(zone.code) || { waiting: 0 };
    const card = el("button", "zone-card");
    card.type = "button";
    card.dataset.zone = zone.code;
    const text = el("span", "zone-text");
    text.append(nameNode(zone, "zone-name"),
                el("span", "zone-figures", `${floorName(t, zone.floor)} · ${t("waitingPeople", { n: queue.waiting })}`));
    card.append(el("span", "zone-code", zone.code), text);
    card.addEventListener("click", () => chooseZone(zone.code));
    grid.append(card);
  }
}

function chooseZone(code) {
  state.zone = code;
  go("services");
}

function servicesOf(zoneCode) {
  return state.services.filter((s) => s.zone === zoneCode);
}

function serviceOf(code) {
  return state.services.find((s) => s.code === code);
}

function zoneOf(code) {
  return state.hall.zones.find((z) => z.code === code);
}

/** "公积金综合受理区 · 一楼": where a service is handled, for lists of several zones. */
function zoneLine(service) {
  const zone = zoneOf(service.zone);
  return zone ? `${nameText(zone)} · ${floorName(t, zone.floor)}` : "";
}

function queueOf(service) {
  return hallState.services.get(service.code) || { waiting: 0, estimated_wait_minutes: 0 };
}

/** One tap on a service takes its ticket: a button with its name over `detail`. */
function serviceButton(service, className, detail) {
  const button = el("button", className);
  button.type = "button";
  button.dataset.service = service.code;
  const text = el("span", "service-text");
  text.append(nameNode(service, "service-name"), detail);
  button.append(text);
  button.addEventListener("click", () => takeTicket(service));
  return button;
}

/** A service in a list: where it is handled beside how many wait and how long. */
function serviceCard(service, detail) {
  const queue = queueOf(service);
  const button = serviceButton(service, "service-card", el("span", "service-detail", detail));
  const figures = el("span", "service-figures");
  figures.append(el("span", "waiting", t("waitingPeople", { n: queue.waiting })),
                 el("span", "estimate", waitText(queue.estimated_wait_minutes)));
  button.append(figures);
  return button;
}

/** A common service, short: "一楼 B区 · 等候 3 人" under its name. */
function commonButton(service) {
  const zone = zoneOf(service.zone);
  const where = zone ? t("whereInZone", { floor: floorName(t, zone.floor), zone: zone.code }) : "";
  const detail = el("span", "service-detail", where);
  detail.append(el("span", "waiting", t("waitingPeople", { n: queueOf(service).waiting })));
  return serviceButton(service, "common-card", detail);
}

function renderServiceList(list, services, detail = (service) => service.department) {
  list.replaceChildren(...services.map((service) => serviceCard(service, detail(service))));
}

// -- services of a zone --------------------------------------------------------

function renderServices() {
  const zone = zoneOf(state.zone);
  if (!zone) return;
  $("services-zone").replaceChildren(nameNode(zone, "zone-title"));
  $("services-floor").textContent = floorName(t, zone.floor);
  renderServiceList($("services"), servicesOf(zone.code));
}

// -- search by pinyin on the kiosk's keyboard -------------------------------------

function buildKeyboard() {
  const board = $("keyboard");
  for (const row of KEY_ROWS) {
    const line = el("div", "key-row");
    for (const letter of row) {
      const key = el("button", "key", letter);
      key.type = "button";
      key.dataset.key = letter.toLowerCase();
      line.append(key);
    }
    board.append(line);
  }
  const back = el("button", "key key-fn key-back");
  back.type = "button";
  back.dataset.key = "back";
  back.dataset.i18n = "keyBack";
  back.textContent = t("keyBack");
  board.lastChild.append(back);
  board.addEventListener("click", (event) => {
    const key = event.target.closest("button")?.dataset.key;
    if (!key) return;
    setQuery(key === "back" ? state.query.slice(0, -1) : state.query + key);
  });
}

function setQuery(query) {
  state.query = query.slice(0, SEARCH_MAX);
  $("search-input").value = state.query;
  renderSearch();
}

function renderSearch() {
  $("search-input").placeholder = t("searchPlaceholder");
  const results = findServices(state.services, state.query, t.lang());
  const status = $("search-status");
  status.textContent = !state.query.trim() ? t("searchHint")
    : results.length ? t("searchFound", { n: results.length }) : t("searchNone");
  status.classList.toggle("none", Boolean(state.query.trim()) && !results.length);
  renderServiceList($("search-results"), results, zoneLine);
  $("search-box").scrollTop = 0;
  updateCues();
}

// -- green channel and appointment check-in --------------------------------------

function renderGreenButton() {
  const groups = greenGroups();
  $("green-groups").textContent = groups;
  $("green-groups").hidden = !groups;
}

function updateModeStrip() {
  if (state.mode === "green") $("mode-text").textContent = `${t("modeGreen")} · ${t("modeGreenChoose")}`;
  else if (state.mode === "appointment") $("mode-text").textContent = t("modeAppointment", { code: state.code });
  document.body.dataset.mode = state.mode;
}

function startGreen() {
  state.mode = "green";
  show("start");
}

function cancelMode() {
  state.mode = "normal";
  state.code = "";
  show(state.screen);
}

function startAppointment() {
  state.mode = "normal";
  state.code = "";
  renderCode();
  go("appointment");
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
  resetTrail();
  show("start");
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
  if (CHOOSING.has(state.screen)) show(state.screen);
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
    body.appointment_at = new Date(hallState.clockNow()).toISOString();
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
        failed(new ApiError(0, "unreachable", "unreachable"));
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
  $("error-text").textContent = t(SAID_ERRORS.has(err.code) ? `error_${err.code}` : "errorOther");
  overlay("error");
}

function showTicket(issued) {
  state.issued = issued;
  const ticket = issued.ticket;
  const service = state.hall.services.find((s) => s.code === ticket.service);
  const zone = zoneOf(ticket.zone);
  $("ticket-number").textContent = ticket.number;
  $("ticket-service").replaceChildren(service ? nameNode(service, "fact-name") : ticket.service);
  $("ticket-zone").replaceChildren(...(zone ? [nameNode(zone, "fact-name"), ` · ${floorName(t, zone.floor)}`] : [ticket.zone]));
  const groups = issued.window_groups || [];
  $("ticket-windows").replaceChildren(...(groups.length ? groups.map((g) => el("span", "group", windowGroupText(g))) : ["—"]));
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

/** "一楼 B区 8个窗口", "一楼 综合窗口 8个": where to wait, from the server's grouping (Hall.window_groups). */
function windowGroupText(group) {
  const floor = floorName(t, group.floor);
  const count = group.numbers.length;
  const vars = { floor, n: count, number: group.numbers[0] };
  if (group.zone === null) return t(count === 1 ? "windowUniversal" : "windowsUniversal", vars);
  return t(count === 1 ? "windowInZone" : "windowsInZone", { ...vars, zone: t("zoneLetter", { zone: group.zone }) });
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
  if (state.screen === "start") renderStart();
  if (state.screen === "services") renderServices();
  if (state.screen === "search") renderSearch();
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
  const zoneCodes = new Set(state.zones.map((z) => z.code));
  state.services = data.hall.services.filter((s) => zoneCodes.has(s.zone));
  state.common = data.device ? data.device.common : data.hall.common;
  state.nextOpen = data.next_open;
  hallState.setClock(data.at);
  $("hall-name").textContent = data.hall.name;
  document.title = `${data.hall.name} · ${t("subtitle")}`;
  renderGreenButton();
  tick(); // the hall's clock, at once
  return data.open_now;
}

// -- closed: when ticketing opens next ----------------------------------------------

function renderClosed() {
  if (!state.hall) return;
  const now = hallState.clockNow();
  const zone = state.hall.timezone;
  const next = state.nextOpen ? Date.parse(state.nextOpen) : null;
  const days = next === null ? null : daysApart(now, next, zone);
  const today = new Date(now).toLocaleDateString("en-GB", { weekday: "short", timeZone: zone });
  const dayOff = !state.hall.hours.weekdays.includes(WEEKDAYS.en.indexOf(today));
  $("closed-title").textContent = t(dayOff ? "closedDayOff" : days === 0 ? "closedPaused" : "closedOver");
  $("closed-next").hidden = next === null;
  if (next !== null) {
    const time = clockTime(next, { lang: t.lang(), timeZone: zone });
    const day = calendarDay(next, { lang: t.lang(), timeZone: zone, short: true });
    const when = t(days === 0 ? "nextToday" : days === 1 ? "nextTomorrow" : "nextDay", { time, day });
    $("closed-next").textContent = t("nextOpen", { when });
  }
  renderHours(state.hall.hours);
}

/** "办公时间：周一至周五 09:00-12:00 13:00-17:00": a time range is never broken over two lines. */
function renderHours(hours) {
  const line = $("closed-hours");
  line.hidden = !hours?.sessions?.length;
  if (line.hidden) return;
  const sessions = hours.sessions.map(([start, end]) => el("span", "range", `${start}-${end}`));
  const parts = [t("hoursLine", { days: weekdayRuns(hours.weekdays) })];
  for (const session of sessions) parts.push(" ", session);
  if (hours.lunch_service) parts.push(" ", el("span", "range", t("hoursLunch")));
  line.replaceChildren(...parts);
}

/** [1,2,3,4,5] -> "周一至周五"; [1,3,5] -> "周一、周三、周五". */
function weekdayRuns(weekdays) {
  const names = WEEKDAYS[t.lang()];
  const runs = [];
  for (const day of [...weekdays].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last && day === last[1] + 1) last[1] = day;
    else runs.push([day, day]);
  }
  return runs.map(([first, last]) => (first === last ? names[first]
    : last === first + 1 ? `${names[first]}${t("groupSeparator")}${names[last]}`
      : t("dayRange", { first: names[first], last: names[last] }))).join(t("groupSeparator"));
}

async function checkOpen() {
  try {
    const open = await loadDevice();
    setOnline(true);
    if (state.screen === "closed") renderClosed();
    if (open === state.open) return;
    state.open = open;
    if (!open && !state.attempt && state.screen !== "ticket") resetToStart();
    if (open && state.screen === "closed") resetToStart();
  } catch (err) {
    if (err.status === 0) setOnline(false);
  }
}

// -- idle timer, clock and screen size ---------------------------------------------------

function tick() {
  const now = new Date(hallState.clockNow());
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

/** The layout is drawn for 1080×1920 (or 1920×1080 lying down); a smaller screen shows it scaled. */
function fitScreen() {
  const landscape = innerWidth > innerHeight;
  const zoom = Math.min(1, innerWidth / DESIGN_WIDTH[landscape ? "landscape" : "portrait"]);
  document.documentElement.style.setProperty("--zoom", String(zoom));
  document.body.classList.toggle("landscape", landscape);
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
    if (state.hall) renderGreenButton();
    rerender();
  });
  $("search-open").addEventListener("click", () => { setQuery(""); go("search"); });
  $("search-input").addEventListener("input", (event) => setQuery(event.target.value));
  $("search-clear").addEventListener("click", () => setQuery(""));
  $("btn-green").addEventListener("click", startGreen);
  $("btn-appointment").addEventListener("click", startAppointment);
  $("nav-back").addEventListener("click", back);
  $("nav-home").addEventListener("click", resetToStart);
  $("appointment-ok").addEventListener("click", confirmAppointment);
  $("keypad").addEventListener("click", (event) => {
    const key = event.target.closest("button")?.dataset.key;
    if (key) pressKey(key);
  });
  $("mode-cancel").addEventListener("click", cancelMode);
  $("identity-clear").addEventListener("click", () => { state.identity = null; show(state.screen); });
  $("ticket-done").addEventListener("click", resetToStart);
  $("retry-now").addEventListener("click", () => state.retryWake && state.retryWake());
  $("retry-cancel").addEventListener("click", () => { state.attempt = null; resetToStart(); });
  $("error-ok").addEventListener("click", () => { overlay(null); show(state.screen === "ticket" ? "start" : state.screen); });
  addEventListener("resize", fitScreen);
  wireCues();
}

async function main() {
  fitScreen();
  buildKeyboard();
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
        $("error-text").textContent = t("deviceRefused");
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
