// The ticket kiosk (自助取号机), for a citizen who may be 70 and knows only what they came for.
// The start screen offers the hall's common services (one tap to a ticket), a search by pinyin
// initials on the kiosk's own keyboard, and the zones; a kiosk of one zone opens on its services.
// Back and Home are at the foot of every screen, where a short person or a wheelchair user reaches
// them; a list that goes on below the fold says so. Names break only between their words.
//
// URL: /kiosk?token=<device token>[&lang=en][&idle=<seconds>]
// A touchscreen without keyboard: every step is a big button, the booking number has its own
// keypad. A booking checks in by its number, its QR code (the scanner types it: wedge.js) or the
// holder's ID card. Every text from the server or the hall's settings is set with textContent. The
// waiting figures and the hall's clock come from the shared hall state, pushed by the server.
import { el, floorName } from "/static/common/dom.js";
import { api, ApiError, tokenFromUrl } from "/static/common/api.js";
import { EVENT_KINDS } from "/static/common/events.js";
import { calendarDay, clockTime, daysApart } from "/static/common/format.js";
import { HallState } from "/static/common/hallstate.js";
import { makeTranslator } from "/static/common/i18n.js";
import { showLiveStatus } from "/static/common/live.js";
import { buildKeypad, grouped, typed } from "/static/kiosk/keypad.js";
import { findServices } from "/static/kiosk/search.js";
import { listenForScans } from "/static/kiosk/wedge.js";

const params = new URLSearchParams(location.search);
const TOKEN = tokenFromUrl();
const IDLE_MS = (Number(params.get("idle")) || 60) * 1000; // back to the start screen after this
const OPEN_CHECK_MS = 60 * 1000;
const RETRY_MS = 2000;
const REQUEST_TIMEOUT_MS = 10 * 1000;
const BOOKING_DIGITS = 8;
const MOBILE_DIGITS = 11;
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
  checkIn: { zh: "预约签到", en: "Appointment check-in" },
  checkInSub: { zh: "输入预约号、扫码或刷身份证", en: "Booking number, QR code or ID card" },
  back: { zh: "返回", en: "Back" },
  home: { zh: "回到首页", en: "Start again" },
  moreBelow: { zh: "下面还有 {n} 项 ▼ 点此查看", en: "{n} more below ▼ tap to see" },
  checkInEnter: { zh: "请输入预约号（预约成功短信中的 8 位数字）", en: "Enter your booking number: the 8 digits in your booking message" },
  checkInScan: { zh: "或将手机上的预约二维码对准扫码口", en: "Or hold your booking's QR code to the scanner" },
  checkInCard: { zh: "或将身份证放在读卡区", en: "Or place your ID card on the reader" },
  checkInOk: { zh: "签到", en: "Check in" },
  keyClear: { zh: "清空", en: "Clear" },
  keyBack: { zh: "退格", en: "Delete" },
  modeGreen: { zh: "绿色通道取号", en: "Priority lane ticket" },
  modeGreenChoose: { zh: "请选择要办理的事项", en: "choose the service" },
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
  minutesRange: { zh: "约 {m} 分钟（{low}–{high}）", en: "about {m} min ({low}–{high})" },
  minutesNone: { zh: "即到即办", en: "you are next" },
  noWindow: { zh: "暂无开放窗口", en: "No window open" },
  badgeGreen: { zh: "绿色通道 · 优先办理", en: "Priority lane" },
  badgeAppointment: { zh: "预约 · {slot}", en: "Appointment · {slot}" },
  checkedIn_on_time: { zh: "签到成功，按预约优先叫号", en: "Checked in: you are called ahead, as booked" },
  checkedIn_early: { zh: "您已签到，预约时段 {time} 开始后优先叫号", en: "Checked in: from {time}, your booked time, you are called ahead" },
  checkedIn_late: { zh: "已超过预约签到时间，按现场取号排队", en: "Too late for your booked time: you queue as a walk-in" },
  noteNormal: { zh: "请留意大厅叫号屏幕和语音提示，叫到号请及时到窗口办理。", en: "Watch the hall screens and listen for your number." },
  smsOffer: { zh: "短信提醒（可选）", en: "SMS reminders (optional)" },
  smsOfferSub: { zh: "留下手机号，前面还有 {n} 人时和叫号时发短信给您", en: "Leave your mobile: a text when {n} are ahead of you, and when you are called" },
  smsEnter: { zh: "请输入您的手机号码（11 位）", en: "Enter your mobile number (11 digits)" },
  smsOk: { zh: "确定", en: "OK" },
  smsCancel: { zh: "不用了", en: "No, thanks" },
  smsSaving: { zh: "正在保存手机号，请稍候…", en: "Saving your number…" },
  smsDoneAhead: { zh: "短信提醒：{mobile}，前面还有 {n} 人时和叫号时发送", en: "Texts to {mobile}: when {n} are ahead of you, and when you are called" },
  smsDoneCalled: { zh: "短信提醒：{mobile}，叫号时发送", en: "Texts to {mobile}: when you are called" },
  smsInvalid: { zh: "手机号码有误，请核对后重新输入", en: "This is not a mobile number: check it and type it again" },
  sms_ticket_not_waiting: { zh: "您的号已叫到或已结束，无需短信提醒", en: "Your number has been called already: no text is needed" },
  sms_mobile_too_late: { zh: "取号已超过 5 分钟，不能再留手机号；请扫码在手机上查看进度", en: "Your ticket was issued too long ago: scan the QR code to follow the queue on your phone" },
  smsOther: { zh: "暂时无法保存手机号，请扫码在手机上查看进度", en: "Your number could not be saved: scan the QR code to follow the queue on your phone" },
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
  checkingIn: { zh: "正在签到，请稍候…", en: "Checking you in…" },
  retryExplain: {
    zh: "请稍候，本机会自动重新发送刚才的请求，不会重复出号。",
    en: "Please wait: the machine resends the same request automatically; you will not get two tickets.",
  },
  retryNow: { zh: "立即重试", en: "Retry now" },
  retryCancel: { zh: "放弃取号", en: "Give up" },
  errorTitle: { zh: "未能取号", en: "No ticket issued" },
  errorCheckInTitle: { zh: "未能签到", en: "Not checked in" },
  walkIn: { zh: "直接取号", en: "Take a ticket" },
  checkIn_booking_not_found_number: {
    zh: "没有找到这个预约号。请核对预约短信中的 8 位数字后重新输入，或直接取号。",
    en: "No booking has this number. Check the 8 digits in your booking message, or take a ticket.",
  },
  checkIn_booking_not_found_qr: {
    zh: "没有找到这个二维码的预约。请输入预约号，或直接取号。",
    en: "This QR code is not a booking of this hall. Enter your booking number, or take a ticket.",
  },
  checkIn_booking_not_found_card: {
    zh: "没有找到您今天的预约。已读取您的身份证，可直接选择事项取号。",
    en: "No booking today for this ID card. Your card is read: choose your service to take a ticket.",
  },
  checkIn_check_in_too_early: {
    zh: "您的预约时段 {slot} 开始，请于 {opens} 以后再来签到。急办请直接取号。",
    en: "Your booking begins at {slot}: check in from {opens}. In a hurry? Take a ticket now.",
  },
  checkIn_booking_not_today: {
    zh: "您的预约在 {day} {slot}，不是今天。请在预约当天前来签到，或直接取号。",
    en: "Your booking is for {day} at {slot}, not today. Check in on that day, or take a ticket now.",
  },
  checkIn_booking_cancelled: {
    zh: "这个预约已取消，不能签到。请直接取号，或在手机上重新预约。",
    en: "This booking was cancelled. Take a ticket, or book again on your phone.",
  },
  checkIn_booking_checked_in: {
    zh: "这个预约已签到，您的号码是 {ticket}，请留意叫号。",
    en: "This booking is checked in already: your number is {ticket}. Watch the screens.",
  },
  checkInTwice: { zh: "这个预约已签到，请留意叫号；如有疑问请到服务台咨询。", en: "This booking is checked in already: watch the screens, or ask at the service desk." },
  checkInOther: { zh: "暂时无法签到，请稍后再试或到服务台咨询。", en: "Check-in is not possible right now: try again later or ask at the service desk." },
  error_unreachable: { zh: "网络长时间中断，请到服务台取号。", en: "The network is still down: please ask at the service desk." },
  error_ticket_limit: { zh: "您今天已取过此事项的号，请留意叫号；如有疑问请到服务台咨询。", en: "You already hold tickets for this service today; please ask at the service desk." },
  error_identity_expired: { zh: "身份证读取已过期，请重新放置身份证。", en: "The ID card read has expired: place your card on the reader again." },
  error_invalid: { zh: "请重新放置身份证后再取号。", en: "Place your ID card on the reader again, then choose the service." },
  error_zone_not_offered: { zh: "本机不办理此区域的事项，请到大厅入口的取号机取号。", en: "This machine does not issue tickets for that area: use the machine at the entrance." },
  errorOther: { zh: "暂时无法取号，请稍后再试或到服务台咨询。", en: "No ticket could be issued: try again later or ask at the service desk." },
  noToken: { zh: "本机未配置设备令牌（地址缺少 ?token=），请联系管理员。", en: "This kiosk has no device token (?token=); call the administrator." },
  deviceRefused: { zh: "本机的设备令牌无效，请联系管理员。", en: "This kiosk's device token is not accepted; call the administrator." },
  deviceRevokedTitle: { zh: "此设备已停用", en: "Device revoked" },
  deviceRevoked: { zh: "本机已被管理员停用，暂停取号。请到其他取号机或服务台取号。", en: "This kiosk has been revoked by the administrator. Please take a ticket at another kiosk or the service desk." },
});

const WEEKDAYS = { zh: ["", "周一", "周二", "周三", "周四", "周五", "周六", "周日"], en: ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] };
// Refusals the page says in its own words (error_<code>); any other in general terms.
const SAID_ERRORS = new Set(["unreachable", "ticket_limit", "identity_expired", "invalid", "zone_not_offered"]);
// Check-in refusals said in the page's words (checkIn_<code>), and those after which the citizen may
// simply take a walk-in ticket (the button 直接取号 beside 返回).
const CHECK_IN_SAID = new Set(["check_in_too_early", "booking_not_today", "booking_cancelled"]);
const THEN_WALK_IN = new Set(["booking_not_found", "check_in_too_early", "booking_not_today", "booking_cancelled"]);
// A card read on the start screen looks for the holder's booking, quietly: only news of a booking is said.
const BOOKING_NEWS = new Set(["check_in_too_early", "booking_checked_in"]);
const SCREENS = ["loading", "start", "search", "services", "check-in", "ticket", "closed"];
const CHOOSING = new Set(["start", "search", "services"]); // where the card and mode strips show
const WITH_NAV = new Set(["search", "services", "check-in"]); // Back and Home at the foot
const CHECKING_IN = new Set(["start", "check-in"]); // where a scanned QR code or a card read checks in
const SMS_SAID = new Set(["ticket_not_waiting", "mobile_too_late"]); // sms_<code>

const $ = (id) => document.getElementById(id);

/** A wait estimate in words; null: no window that may serve it is signed in, so no wait is promised. */
function waitText(minutes, none = "waitNone") {
  if (minutes === null) return t("noWindow");
  return minutes > 0 ? t("minutes", { m: minutes }) : t(none);
}

/** How many wait, for the short cards (zones, common services): while no window that may serve them is
 * signed in, "暂无开放窗口" in its place (the count is on the zone's service list). */
function waitingOrNoWindow(figures, className) {
  if (figures.estimated_wait_minutes === null) return el("span", "no-window", t("noWindow"));
  return el("span", className, t("waitingPeople", { n: figures.waiting }));
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
  mode: "normal", // "normal" | "green"
  booking: "", // the booking number typed on the keypad
  identity: null, // {name_masked, identity_token} from the ID-card reader
  cardAgain: false, // the last card read failed: ask for the card again until a good read
  printFailures: new Map(), // status_token -> preview image of a ticket the printer could not print
  issued: null, // the last ticket shown
  sms: null, // its mobile number for reminders: {digits, attached (the server's answer), refused}
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

/** The text of `key` in the element, kept in the page's language when it is switched. */
function say(id, key) {
  $(id).dataset.i18n = key;
  $(id).textContent = t(key);
}

function overlay(name) {
  for (const which of ["busy", "retry", "error", "sms"]) $(`overlay-${which}`).hidden = which !== name;
}

function resetToStart() {
  if (state.revoked) return; // it stays saying so
  state.zone = null;
  state.query = "";
  state.mode = "normal";
  state.booking = "";
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
    const figures = el("span", "zone-figures", `${floorName(t, zone.floor)} · `);
    figures.append(waitingOrNoWindow(queue, "zone-waiting"));
    text.append(nameNode(zone, "zone-name"), figures);
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
  const none = queue.estimated_wait_minutes === null;
  figures.append(el("span", "waiting", t("waitingPeople", { n: queue.waiting })),
                 el("span", none ? "estimate no-window" : "estimate", waitText(queue.estimated_wait_minutes)));
  button.append(figures);
  return button;
}

/** A common service, short: "一楼 B区 · 等候 3 人" under its name. */
function commonButton(service) {
  const zone = zoneOf(service.zone);
  const where = zone ? t("whereInZone", { floor: floorName(t, zone.floor), zone: zone.code }) : "";
  const detail = el("span", "service-detail", where);
  detail.append(waitingOrNoWindow(queueOf(service), "waiting"));
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

// -- green channel ----------------------------------------------------------------

function renderGreenButton() {
  const groups = greenGroups();
  $("green-groups").textContent = groups;
  $("green-groups").hidden = !groups;
}

function updateModeStrip() {
  if (state.mode === "green") $("mode-text").textContent = `${t("modeGreen")} · ${t("modeGreenChoose")}`;
  document.body.dataset.mode = state.mode;
}

function startGreen() {
  state.mode = "green";
  show("start");
}

function cancelMode() {
  state.mode = "normal";
  show(state.screen);
}

// -- appointment check-in: booking number, scanned QR code, ID card --------------------
//
// The server finds the booking and issues its ticket (POST /api/v1/check-in): an appointment
// ranking from its slot within the check-in window, early ones waiting as walk-ins until the slot,
// a walk-in when late. The page never asks for appointment priority itself.

function startCheckIn() {
  state.mode = "normal";
  state.booking = "";
  renderBookingNumber();
  go("check-in");
}

function pressBookingKey(key) {
  state.booking = typed(state.booking, key, BOOKING_DIGITS);
  renderBookingNumber();
}

function renderBookingNumber() {
  $("check-in-number").textContent = grouped(state.booking, [4, 4]) || "—";
  $("check-in-ok").disabled = state.booking.length !== BOOKING_DIGITS;
}

/** A scanner or a card may check in while the citizen is at the start or on the check-in screen. */
function mayCheckIn() {
  return CHECKING_IN.has(state.screen) && !state.attempt && $("overlay-error").hidden;
}

/** `way` is {number}, {qr} or {identity_token}; `how` says which, for the words of a refusal. */
async function checkIn(way, how, { quiet = false } = {}) {
  const refused = (err) => checkInRefused(err, how, quiet);
  const answer = await submit("/api/v1/check-in", { ...way, idempotency_key: attemptKey() }, "checkingIn", refused);
  if (answer) showTicket(answer);
}

function checkInRefused(err, how, quiet) {
  if (err.code === "identity_expired") state.identity = null;
  if (quiet && !BOOKING_NEWS.has(err.code)) {
    show(state.screen); // no booking for the card: it stays read for a walk-in ticket, as before
    return;
  }
  if (err.code === "hall_closed") {
    refusedTicket(err);
    return;
  }
  say("error-title", "errorCheckInTitle");
  $("error-text").textContent = checkInWords(err, how);
  $("error-walk-in").hidden = !THEN_WALK_IN.has(err.code);
  overlay("error");
}

function checkInWords(err, how) {
  const details = err.details || {};
  if (err.code === "booking_not_found" || (err.code === "invalid" && how === "qr")) return t(`checkIn_booking_not_found_${how}`);
  if (err.code === "booking_checked_in") return details.ticket ? t("checkIn_booking_checked_in", details) : t("checkInTwice");
  if (CHECK_IN_SAID.has(err.code)) {
    const slot = hallTime(details.starts_at);
    const day = calendarDay(details.starts_at, { lang: t.lang(), timeZone: state.hall.timezone, short: true });
    return t(`checkIn_${err.code}`, { slot, opens: hallTime(details.opens_at), day });
  }
  return t(SAID_ERRORS.has(err.code) ? `error_${err.code}` : "checkInOther");
}

/** After a refused check-in: the start screen, the card (if read) kept for the walk-in ticket. */
function walkIn() {
  overlay(null);
  state.booking = "";
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
// Read on the check-in screen, the card checks in today's booking of its
// holder; read on the start screen, it does so too if there is one.
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
  if (!state.identity.identity_token || !mayCheckIn()) return;
  if (state.screen === "check-in") checkIn({ identity_token: state.identity.identity_token }, "card");
  else if (state.mode === "normal") checkIn({ identity_token: state.identity.identity_token }, "card", { quiet: true });
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
  const body = { service: service.code, priority: state.mode === "green" ? "green" : "normal", idempotency_key: attemptKey() };
  if (state.identity?.identity_token) body.identity_token = state.identity.identity_token;
  const issued = await submit("/api/v1/tickets", body, "issuing", refusedTicket);
  if (issued) showTicket(issued);
}

/**
 * POST `body` until it is answered: a request that got lost, or whose answer did, is sent again
 * as it was (its idempotency key makes the server answer with what the first one did). One at a
 * time: a double tap is not a second ticket. The answer, or null when `refused(err)` was told why
 * or the citizen gave up.
 */
async function submit(path, body, busy, refused) {
  if (state.attempt) return null;
  const attempt = { since: Date.now() };
  state.attempt = attempt;
  say("busy-text", busy);
  overlay("busy");
  while (state.attempt === attempt) {
    try {
      const answer = await post(path, body);
      if (state.attempt !== attempt) return null; // given up meanwhile
      state.attempt = null;
      overlay(null);
      return answer;
    } catch (err) {
      if (state.attempt !== attempt) return null;
      const late = Date.now() - attempt.since > Math.max(IDLE_MS, 30000);
      if (!retryable(err) || late) {
        state.attempt = null;
        overlay(null);
        refused(late ? new ApiError(0, "unreachable", "unreachable") : err);
        return null;
      }
      overlay("retry");
      await pause(RETRY_MS);
    }
  }
  return null;
}

async function post(path, body) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    return await api(path, { method: "POST", body, token: TOKEN, signal: abort.signal });
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

function refusedTicket(err) {
  if (err.code === "device_revoked") {
    revoked();
    return;
  }
  if (err.code === "hall_closed") {
    state.open = false;
    resetToStart();
    return;
  }
  say("error-title", "errorTitle");
  $("error-text").textContent = t(SAID_ERRORS.has(err.code) ? `error_${err.code}` : "errorOther");
  $("error-walk-in").hidden = true;
  overlay("error");
}

function showTicket(issued) {
  if (state.issued?.ticket.id !== issued.ticket.id) state.sms = { digits: "", attached: null, refused: false };
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
  const [low, high] = issued.estimated_wait_range || [];
  $("ticket-wait").textContent = issued.estimated_wait_minutes > 0 && high > low
    ? t("minutesRange", { m: issued.estimated_wait_minutes, low, high })
    : waitText(issued.estimated_wait_minutes, "minutesNone");
  const badge = $("ticket-badge");
  badge.hidden = ticket.priority === "normal";
  badge.className = `badge ${ticket.priority}`;
  if (ticket.priority === "green") badge.textContent = t("badgeGreen");
  if (ticket.priority === "appointment") badge.textContent = t("badgeAppointment", { slot: slotText(issued.booking) });
  const checkedIn = $("ticket-check-in");
  checkedIn.hidden = !issued.outcome; // a check-in's answer says how it went
  checkedIn.className = `checked-in ${issued.outcome || ""}`;
  if (issued.outcome) {
    checkedIn.textContent = t(`checkedIn_${issued.outcome}`, { time: hallTime(issued.booking.starts_at) });
  }
  $("ticket-note").textContent = t("noteNormal");
  const qr = $("ticket-qr");
  qr.src = `/api/v1/public/tickets/${encodeURIComponent(issued.status_token)}/qr.svg`;
  qr.alt = t("qrTitle");
  state.identity = null; // used up by this ticket
  showPrintFailure(state.printFailures.get(issued.status_token));
  renderSms();
  show("ticket");
  state.lastActivity = Date.now();
  tick();
}

function hallTime(moment) {
  return clockTime(moment, { lang: t.lang(), timeZone: state.hall.timezone });
}

/** A booking's slot: "10:00-10:30". */
function slotText(booking) {
  return booking ? `${hallTime(booking.starts_at)}-${hallTime(booking.ends_at)}` : "";
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

// -- a mobile number for queue reminders, on the ticket screen ----------------------------
//
// Offered when the hall sends SMS reminders (the layout's `reminders`). The number goes to the
// server only; the screen shows it masked, as the server answers it (138****5678).

function renderSms() {
  const reminders = state.hall.reminders;
  const { attached, refused } = state.sms;
  $("sms-box").hidden = !reminders || (!attached && (refused || state.issued.ticket.status !== "waiting"));
  if (!reminders) return;
  $("sms-open").hidden = Boolean(attached);
  $("sms-sub").textContent = t("smsOfferSub", { n: reminders.ahead });
  $("sms-done").hidden = !attached;
  if (attached) {
    const vars = { mobile: attached.mobile, n: reminders.ahead };
    $("sms-done").textContent = t(attached.ahead_reminder ? "smsDoneAhead" : "smsDoneCalled", vars);
  }
}

function openSms() {
  state.sms.digits = "";
  $("sms-error").hidden = true;
  $("sms-ok").hidden = false;
  renderMobile();
  overlay("sms");
}

function pressMobileKey(key) {
  state.sms.digits = typed(state.sms.digits, key, MOBILE_DIGITS);
  $("sms-error").hidden = true;
  renderMobile();
}

function renderMobile() {
  $("sms-number").textContent = grouped(state.sms?.digits || "", [3, 4, 4]) || "—";
  $("sms-ok").disabled = state.sms?.digits.length !== MOBILE_DIGITS;
}

async function saveMobile() {
  const path = `/api/v1/tickets/${state.issued.ticket.id}/mobile`;
  const attached = await submit(path, { mobile: state.sms.digits }, "smsSaving", smsRefused);
  if (!attached) return;
  state.sms = { digits: "", attached, refused: false }; // the number in clear is not kept on the page
  renderMobile();
  renderSms();
}

/** Said in the number's dialog: a wrong number may be typed again; a ticket past its chance may not. */
function smsRefused(err) {
  state.sms.refused = err.code !== "invalid";
  say("sms-error", err.code === "invalid" ? "smsInvalid" : SMS_SAID.has(err.code) ? `sms_${err.code}` : "smsOther");
  $("sms-error").hidden = false;
  $("sms-ok").hidden = state.sms.refused;
  overlay("sms");
}

function closeSms() {
  overlay(null);
  renderSms();
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
  updateCues(); // a card's figures may take another line now ("暂无开放窗口" or a wait)
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
    if (err.code === "device_revoked") revoked();
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
  renderBookingNumber();
  renderMobile();
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
  $("btn-check-in").addEventListener("click", startCheckIn);
  $("nav-back").addEventListener("click", back);
  $("nav-home").addEventListener("click", resetToStart);
  $("check-in-ok").addEventListener("click", () => {
    if (state.booking.length === BOOKING_DIGITS) checkIn({ number: state.booking }, "number");
  });
  $("mode-cancel").addEventListener("click", cancelMode);
  $("identity-clear").addEventListener("click", () => { state.identity = null; show(state.screen); });
  $("ticket-done").addEventListener("click", resetToStart);
  $("retry-now").addEventListener("click", () => state.retryWake && state.retryWake());
  $("retry-cancel").addEventListener("click", () => {
    state.attempt = null;
    if (state.screen === "ticket") overlay(null); // only the mobile number was being sent: the ticket stands
    else resetToStart();
  });
  $("sms-open").addEventListener("click", openSms);
  $("sms-ok").addEventListener("click", saveMobile);
  $("sms-cancel").addEventListener("click", closeSms);
  $("error-ok").addEventListener("click", () => { overlay(null); show(state.screen === "ticket" ? "start" : state.screen); });
  $("error-walk-in").addEventListener("click", walkIn);
  listenForScans(document, { active: mayCheckIn, scanned: (text) => checkIn({ qr: text }, "qr") });
  addEventListener("resize", fitScreen);
  wireCues();
}

/** The kiosk was revoked: it says so, for good, instead of offering tickets it cannot give. */
function revoked() {
  state.revoked = true;
  say("error-title", "deviceRevokedTitle");
  $("error-text").textContent = t("deviceRevoked");
  $("error-walk-in").hidden = true;
  $("error-ok").hidden = true;
  document.body.dataset.revoked = "true";
  overlay("error");
}

async function main() {
  fitScreen();
  buildKeyboard();
  buildKeypad($("check-in-keypad"), t, pressBookingKey);
  buildKeypad($("sms-keypad"), t, pressMobileKey);
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
      if (err.code === "device_revoked") {
        revoked();
        return;
      }
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
      showLiveStatus(status); // body[data-live]: the kiosk hears its card reads
      setOnline(status === "online");
      if (status === "online") checkOpen();
    },
    onEnded: revoked,
  });
}

main();
