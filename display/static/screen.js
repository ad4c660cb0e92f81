// Calling screens (叫号屏): one page, three layouts chosen by the device's
// settings from /api/v1/device —
//   hall:   lobby TV with the board of the latest calls (call_board.js) of the
//           whole hall, one floor or some zones, and a waiting summary per
//           zone; the hall's notices when nothing is called;
//   zone:   the same for one zone;
//   window: the small sign above one window (number called/served, paused).
// Outside the hall's hours (on the hall's clock) the board and the sign say so
// instead of showing an old call. Calls are announced (chime, then the
// server's Mandarin audio of the text the hall's template made), one after
// another, by the screens the hall's settings make speak them; a screen that
// falls behind drops stale ones (announce_queue.js). Every text that comes
// from people or events is set with textContent, never as HTML.
//
// What is shown comes from the shared hall state: the live socket's snapshot,
// events and the waiting figures the server pushes; nothing is re-read.
import { ApiError, api, tokenFromUrl } from "/static/common/api.js";
import { el, floorName } from "/static/common/dom.js";
import { CALL_KINDS, EVENT_KINDS, pauseText } from "/static/common/events.js";
import { calendarDay, clockTime } from "/static/common/format.js";
import { HallState } from "/static/common/hallstate.js";
import { makeTranslator } from "/static/common/i18n.js";
import { startHeartbeat } from "/static/common/heartbeat.js";
import { showLiveStatus } from "/static/common/live.js";
import { AnnouncementQueue } from "/static/display/announce_queue.js";
import { BOARD_ROWS, CallBoard, HOLD_MS } from "/static/display/call_board.js";
import { servicePhase } from "/static/display/hours.js";

const params = new URLSearchParams(location.search);
const token = tokenFromUrl();
const IDLE_SECONDS = positive(params.get("idle"), 60); // no call for this long: show the notices
const ROTATE_SECONDS = positive(params.get("rotate"), 12); // each notice stays this long
const HOLD_SECONDS = positive(params.get("hold"), HOLD_MS / 1000); // each call stays on the board this long
// After hours a board still shows calls this recent (the last citizens of the day), then says the day is over.
const LATE_CALLS_MS = 120000;

const t = makeTranslator({
  title_hall: { zh: "叫号信息", en: "Calling" },
  title_zone: { zh: "{floor} · 叫号信息", en: "{floor} · Calling" },
  now_calling: { zh: "正在叫号", en: "Now calling" },
  window_before: { zh: "", en: "Window " },
  window_after: { zh: " 号窗口", en: "" },
  window_n: { zh: "{n} 号窗口", en: "Window {n}" },
  recent: { zh: "最近叫号", en: "Recent calls" },
  col_number: { zh: "号码", en: "Number" },
  col_window: { zh: "窗口", en: "Window" },
  col_zone: { zh: "区域", en: "Area" },
  col_counter: { zh: "办理窗口", en: "Counter" },
  floor_short: { zh: "{floor}", en: "{floor}" },
  recalled: { zh: "重呼", en: "Again" },
  zone_code: { zh: "{code} 区", en: "Zone {code}" },
  floor: { zh: "{floor}楼", en: "Floor {floor}" },
  waiting: { zh: "等候人数", en: "Waiting" },
  waiting_short: { zh: "等候", en: "waiting" },
  people: { zh: "人", en: "" },
  open_windows: { zh: "开放窗口", en: "Open windows" },
  open_short: { zh: "窗口开放", en: "open" },
  est_wait: { zh: "预计等候", en: "Estimated wait" },
  minutes: { zh: "分钟", en: "min" },
  no_window: { zh: "暂无开放窗口", en: "No window open" },
  notices: { zh: "公告", en: "Notices" },
  no_calls: { zh: "今天还没有叫号，请稍候，叫到您的号码时会在这里显示", en: "No calls yet today: your number will appear here when called" },
  board_empty: { zh: "请留意叫号，听到号码后到对应窗口办理", en: "Please wait until your number is called" },
  off_after: { zh: "今日服务已结束", en: "Service has ended for today" },
  off_after_detail: { zh: "服务时间 {hours}，欢迎下次光临", en: "Opening hours {hours}" },
  off_before: { zh: "今日服务尚未开始", en: "Service has not started yet" },
  off_before_detail: { zh: "{time} 开始服务", en: "Service starts at {time}" },
  off_break: { zh: "午间休息", en: "Lunch break" },
  off_break_detail: { zh: "{time} 恢复服务", en: "Service resumes at {time}" },
  offline: { zh: "连接中断，正在重连…", en: "Offline, reconnecting…" },
  sign_idle: { zh: "欢迎光临", en: "Welcome" },
  sign_next: { zh: "请等候叫号", en: "Please wait to be called" },
  sign_called: { zh: "请到本窗口办理", en: "Please come to this window" },
  sign_serving: { zh: "正在办理", en: "Now serving" },
  paused: { zh: "暂停服务", en: "Service paused" },
  closed: { zh: "暂停服务", en: "Window closed" },
  closed_detail: { zh: "请到其他窗口办理", en: "Please use another window" },
  lang_switch: { zh: "EN", en: "中文" },
  unknown_device: { zh: "此屏幕未登记，请检查地址中的 token", en: "This screen is not registered: check the token in its address" },
  unreachable: { zh: "正在连接服务器…", en: "Connecting to the server…" },
  device_revoked: { zh: "此设备已停用，请联系系统管理员", en: "Device revoked: please contact the system administrator" },
});

// ---------------------------------------------------------------- state --

const state = {
  hall: null,
  kind: "hall", // "hall" | "zone" | "window"
  zone: null, // zone code for a zone screen
  window: null, // window number for a window sign
  floor: null, // a hall screen of one floor
  zones: [], // a hall screen of some zones
  quiet: [], // zones whose calls this screen shows but other screens speak
  openNow: true, // the server's word at boot, until the hall's clock arrives with the figures
  lastCallAt: 0, // performance.now() of the last call seen live
  noticeIndex: 0,
  noticeShownAt: 0,
};

const $ = (id) => document.getElementById(id);

function positive(raw, fallback) {
  const value = Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function zoneOf(code) {
  return state.hall?.zones.find((z) => z.code === code) || null;
}

function windowInfo(number) {
  return state.hall?.windows.find((w) => w.number === number) || null;
}

// Shrink a text box's font until its text fits: one-line boxes (numbers, zone
// names) by width, wrapping ones (data-fit="both": notices) also by height.
function fit(node, minPx = 12) {
  if (!node || node.offsetParent === null) return;
  node.style.fontSize = "";
  let size = parseFloat(getComputedStyle(node).fontSize);
  const both = node.dataset.fit === "both";
  const overflowing = () => node.scrollWidth > node.clientWidth + 1 || (both && node.scrollHeight > node.clientHeight + 1);
  while (overflowing() && size > minPx) {
    size = Math.max(minPx, size * 0.92);
    node.style.fontSize = `${size}px`;
  }
}

function fitAll() {
  document.querySelectorAll("[data-fit]").forEach((node) => fit(node));
}

// ---------------------------------------------------------------- voice --

// Announcements play strictly one after another: chime, then the speech.
// window.hallqAnnouncements lists them in order, with when each was queued,
// started and ended, and how it was given (audio, speech, text or skipped).
const announcements = [];
window.hallqAnnouncements = announcements;

class Announcer {
  constructor(enabled) {
    this.enabled = enabled;
    this.queue = new AnnouncementQueue();
    this.queue.onDrop = (item, why) => { item.via = why; };
    this.busy = false;
    this.serverVoiceDownUntil = 0;
  }

  add(event, replayed, lateMs, spoken) {
    const item = {
      text: event.announcement, kind: event.kind, seq: event.seq, number: event.ticket?.number ?? null,
      ticket: event.ticket?.id ?? null, recall: event.kind === EVENT_KINDS.TICKET_RECALLED,
      window: event.window, replayed, queuedAt: Date.now(), startedAt: null, endedAt: null, via: null,
    };
    announcements.push(item);
    if (announcements.length > 200) announcements.splice(0, announcements.length - 200); // screens run for days
    if (!this.enabled || !item.text || !spoken) {
      item.via = "off";
      return;
    }
    this.queue.add(item, lateMs);
    this.pump();
  }

  async pump() {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let item = this.queue.take(); item; item = this.queue.take()) {
        item.startedAt = Date.now();
        document.body.classList.add("speaking");
        try {
          item.via = await this.say(item.text);
        } catch (err) {
          item.via = "text";
        }
        item.endedAt = Date.now();
        document.body.classList.remove("speaking");
      }
    } finally {
      this.busy = false;
    }
  }

  async say(text) {
    const speech = Date.now() >= this.serverVoiceDownUntil ? this.fetchSpeech(text) : Promise.resolve(null);
    const chimed = await play("/api/v1/announcements/chime.wav");
    const url = await speech;
    if (url) {
      try {
        if (await play(url)) return "audio";
      } finally {
        URL.revokeObjectURL(url);
      }
    }
    if (await speakLocally(text)) return "speech";
    await sleep(chimed ? 2500 : 3500); // text only: give people time to read it
    return "text";
  }

  async fetchSpeech(text) {
    try {
      const response = await fetch(`/api/v1/announcements/audio?${new URLSearchParams({ text })}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (!response.ok) {
        if (response.status === 503) this.serverVoiceDownUntil = Date.now() + 60000;
        return null;
      }
      return URL.createObjectURL(await response.blob());
    } catch (err) {
      return null;
    }
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Play one sound to its end; false when it cannot play (autoplay refused, bad audio).
function play(url) {
  return new Promise((resolve) => {
    const audio = new Audio(url);
    let guard = setTimeout(() => finish(true), 20000);
    let done = false;
    function finish(ok) {
      if (done) return;
      done = true;
      clearTimeout(guard);
      audio.pause();
      resolve(ok);
    }
    audio.addEventListener("loadedmetadata", () => {
      if (!Number.isFinite(audio.duration)) return;
      clearTimeout(guard);
      guard = setTimeout(() => finish(true), audio.duration * 1000 + 1500);
    });
    audio.addEventListener("ended", () => finish(true));
    audio.addEventListener("error", () => finish(false));
    audio.play().catch(() => finish(false));
  });
}

// The browser's own Mandarin voice, when the server has none.
function speakLocally(text) {
  const synth = window.speechSynthesis;
  if (!synth) return Promise.resolve(false);
  const voice = synth.getVoices().find((v) => /^(zh|cmn)/i.test(v.lang));
  if (!voice) return Promise.resolve(false);
  return new Promise((resolve) => {
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.voice = voice;
    utterance.lang = voice.lang;
    utterance.rate = 0.9;
    const guard = setTimeout(() => resolve(true), 15000);
    utterance.onend = () => { clearTimeout(guard); resolve(true); };
    utterance.onerror = () => { clearTimeout(guard); resolve(false); };
    synth.speak(utterance);
  });
}

// ----------------------------------------------------------------- feed --

const hallState = new HallState();

const board = new CallBoard({ rows: BOARD_ROWS, holdMs: HOLD_SECONDS * 1000 });

function topics() {
  if (state.kind === "zone") return [`zone:${state.zone}`];
  if (state.kind === "window") return [`window:${state.window}`];
  if (state.zones.length) return state.zones.map((code) => `zone:${code}`);
  return ["hall"];
}

function shows(call) {
  if (state.kind === "zone") return call.zone === state.zone;
  if (state.kind === "window") return call.window === state.window;
  if (state.floor !== null) return windowInfo(call.window)?.floor === state.floor;
  return !state.zones.length || state.zones.includes(call.zone);
}

/** The zones this screen's summary lists. */
function shownZones() {
  const zones = state.hall.zones;
  if (state.floor !== null) return zones.filter((z) => z.floor === state.floor);
  return state.zones.length ? zones.filter((z) => state.zones.includes(z.code)) : zones;
}

/** The calls this screen lists, newest first: the board's rows. */
function calls() {
  return board.update(hallState.calls.filter(shows), (call) => hallState.tickets.get(call.ticket.id)?.status === "called");
}

/** Where the hall's day stands, unless its last calls are still recent: "open", "before", "break", "after". */
function offHours() {
  if (!hallState.hallClock && state.openNow) return null; // no figures yet: the server said the hall is open
  const { phase, resumes } = servicePhase(state.hall.hours, hallState.clockNow(), state.hall.timezone);
  if (phase === "open") return null;
  const newest = hallState.calls.find(shows);
  if (newest && hallState.clockNow() - Date.parse(newest.at) < LATE_CALLS_MS) return null;
  return { phase, resumes };
}

function onChange(change) {
  if (change.type === "snapshot" && calls().length && !state.lastCallAt) state.lastCallAt = performance.now();
  const event = change.event;
  if (event && CALL_KINDS.has(event.kind) && shows(event)) {
    state.lastCallAt = performance.now();
    // how late the call reaches the page, on the hall's clock (unknown before its first figures)
    const lateMs = hallState.hallClock ? hallState.clockNow() - Date.parse(event.at) : 0;
    announcer.add(event, change.replayed, lateMs, !state.quiet.includes(event.zone));
    render({ flash: true });
    return;
  }
  if (change.type === "queues") renderSummary();
  else render();
}

// --------------------------------------------------------------- render --

function render({ flash = false } = {}) {
  if (!state.hall) return;
  const off = offHours();
  if (state.kind === "window") renderSign(flash, off);
  else {
    const rows = calls();
    renderOff(off);
    renderNow(rows[0], flash);
    renderRecent(rows);
    renderSummary();
    renderIdle(rows);
  }
  fitAll();
}

/** Outside the hours, the day's state instead of the board: never an old call as being called. */
function renderOff(off) {
  document.body.classList.toggle("off", Boolean(off));
  if (!off) return;
  $("off-title").textContent = t(`off_${off.phase}`);
  $("off-detail").textContent = t(`off_${off.phase}_detail`, { time: off.resumes, hours: hoursText() });
}

function hoursText() {
  return state.hall.hours.sessions.map(([start, end]) => `${start}-${end}`).join(" ");
}

function renderHeader() {
  document.title = `${t("title_hall")} · ${state.hall.name}`;
  if (state.kind === "window") {
    $("hall-name").textContent = t("window_n", { n: state.window });
    $("screen-title").textContent = windowInfo(state.window)?.label || state.hall.name;
    return;
  }
  if (state.kind === "zone") {
    const zone = zoneOf(state.zone);
    $("hall-name").textContent = zone ? `${t("zone_code", { code: zone.code })} · ${zone.name}` : state.zone;
    $("screen-title").textContent = `${state.hall.name} · ${t("title_zone", { floor: floorName(t, zone?.floor) })}`;
    return;
  }
  $("hall-name").textContent = state.hall.name;
  const part = state.floor !== null ? floorName(t, state.floor)
    : state.zones.length ? shownZones().map((z) => t("zone_code", { code: z.code })).join(" ") : "";
  $("screen-title").textContent = part ? t("title_zone", { floor: part }) : t("title_hall");
}

/** Where a call's citizen goes: the floor of its window, and the ticket's zone. */
function whereLabel(call) {
  const floor = floorName(t, windowInfo(call.window)?.floor);
  const zone = zoneOf(call.zone)?.name || call.zone || "";
  return [zone, floor].filter(Boolean).join(" · ");
}

function renderNow(call, flash) {
  $("now").classList.toggle("empty", !call);
  $("now-number").textContent = call ? call.ticket.number : "";
  $("now-window-before").textContent = call ? t("window_before") : "";
  $("now-window").textContent = call ? String(call.window) : "";
  $("now-window-after").textContent = call ? t("window_after") : "";
  $("now-holder").textContent = call?.ticket.holder || "";
  // a zone screen names the counter; the hall screen the zone and the floor
  const where = state.kind === "zone" ? windowInfo(call?.window)?.label : call && whereLabel(call);
  $("now-zone").textContent = where || "";
  $("now-zone").hidden = !where;
  $("now-caption").textContent = call?.announcement || "";
  if (flash) restartAnimation($("now"), "flash");
}

function restartAnimation(node, className) {
  node.classList.remove(className);
  void node.offsetWidth; // restart the CSS animation
  node.classList.add(className);
}

function renderRecent(rows) {
  $("calls").classList.toggle("empty", !rows.length);
  $("recent-list").replaceChildren(...rows.map((call, i) => boardRow(call, i === 0)));
}

function boardRow(call, latest) {
  const row = el("li", latest ? "latest" : "");
  const line = el("div", "r-line");
  const number = el("span", "r-number", call.ticket.number);
  if (call.kind === EVENT_KINDS.TICKET_RECALLED) number.append(el("small", "badge", t("recalled")));
  const win = el("span", "r-window", t("window_n", { n: call.window }));
  win.dataset.fit = "";
  line.append(number, win);
  const where = el("div", "r-where");
  where.dataset.fit = "";
  where.append(el("span", "r-floor", floorName(t, windowInfo(call.window)?.floor)));
  if (call.ticket.holder) where.append(el("b", "r-holder", call.ticket.holder));
  const zone = zoneOf(call.zone)?.name || call.zone || "";
  where.append(el("span", "r-zone", state.kind === "zone" ? windowInfo(call.window)?.label || zone : zone));
  row.append(line, where);
  return row;
}

function renderSummary() {
  const box = $("summary");
  if (!state.hall || state.kind === "window") return;
  if (state.kind === "zone") {
    const q = hallState.zones.get(state.zone) || {};
    box.replaceChildren(
      stat(t("waiting"), q.waiting ?? "–", t("people"), "stat-waiting"),
      stat(t("open_windows"), q.open_windows ?? "–", "", "stat-open"),
      waitStat(q.estimated_wait_minutes),
    );
    fitAll();
    return;
  }
  const cards = shownZones().map((zone) => {
    const q = hallState.zones.get(zone.code) || {};
    const card = el("div", "zone-card");
    card.dataset.zone = zone.code;
    const head = el("div", "zone-head");
    head.append(el("span", "zone-code", zone.code), el("span", "zone-name", zone.name), el("span", "zone-floor", floorName(t, zone.floor)));
    head.querySelector(".zone-name").dataset.fit = "";
    const figures = el("div", "zone-figures");
    const waiting = el("span", "zone-waiting");
    waiting.append(el("b", "", q.waiting ?? "–"), el("small", "", ` ${t("people")}${t("waiting_short")}`));
    const open = el("span", "zone-open");
    open.append(el("b", "", q.open_windows ?? "–"), el("small", "", ` ${t("open_short")}`));
    figures.append(waiting, open);
    card.append(head, figures);
    return card;
  });
  box.replaceChildren(...cards);
  fitAll();
}

/** The zone's wait estimate; null: no window that may serve its services is signed in ("–": no figures yet). */
function waitStat(minutes) {
  if (minutes === null) return stat(t("est_wait"), t("no_window"), "", "stat-wait no-window");
  return stat(t("est_wait"), minutes ?? "–", t("minutes"), "stat-wait");
}

function stat(label, value, unit, className) {
  const node = el("div", `stat ${className}`);
  const figure = el("div", "stat-figure");
  figure.append(el("b", "", value), el("small", "", unit));
  node.append(el("div", "stat-label", label), figure);
  return node;
}

function renderIdle(rows) {
  const notices = state.hall.notices || [];
  const idle = notices.length > 0 && (!rows.length || performance.now() - state.lastCallAt > IDLE_SECONDS * 1000);
  const wasIdle = document.body.classList.contains("idle");
  document.body.classList.toggle("idle", idle);
  if (!idle) return;
  const now = performance.now();
  if (!wasIdle) {
    state.noticeShownAt = now;
  } else if (now - state.noticeShownAt >= ROTATE_SECONDS * 1000) {
    state.noticeIndex = (state.noticeIndex + 1) % notices.length;
    state.noticeShownAt = now;
  }
  const index = state.noticeIndex % notices.length;
  const text = $("notice-text");
  if (text.textContent !== notices[index] || !wasIdle) {
    text.textContent = notices[index];
    $("notice-count").textContent = notices.length > 1 ? `${index + 1} / ${notices.length}` : "";
    fit(text, 24);
  }
}

function renderSign(flash, off) {
  const number = state.window;
  const win = hallState.windows.get(number);
  const ticket = hallState.ticketAt(number);
  const sign = $("sign");
  let status = "";
  let big = "";
  let detail = "";
  let mode = "idle";
  if (off && win?.current_ticket == null) {
    mode = "off"; // a ticket still at the window is shown after hours; nothing else is
    big = t(`off_${off.phase}`);
    detail = t(`off_${off.phase}_detail`, { time: off.resumes, hours: hoursText() });
  } else if (!win || win.state === "closed") {
    mode = "closed";
    big = t("closed");
    detail = t("closed_detail");
  } else if (win.current_ticket != null) {
    const serving = ticket?.status === "serving";
    mode = serving ? "serving" : "called";
    status = t(serving ? "sign_serving" : "sign_called");
    big = ticket?.number || "";
    detail = ticket?.holder || "";
  } else if (win.state === "paused") {
    mode = "paused";
    big = t("paused");
    detail = pauseText(win, t.lang());
  } else {
    status = t("sign_idle");
    big = t("window_n", { n: number });
    detail = t("sign_next");
  }
  sign.dataset.mode = mode;
  $("sign-status").textContent = status;
  $("sign-number").textContent = big;
  $("sign-detail").textContent = detail;
  if (flash && mode === "called") restartAnimation(sign, "flash");
}

// ----------------------------------------------------------- clock, lang --

function tick() {
  const now = new Date(hallState.clockNow());
  const where = { lang: t.lang(), timeZone: state.hall?.timezone };
  $("clock-time").textContent = clockTime(now, where);
  $("clock-date").textContent = calendarDay(now, where);
  if (state.hall) render(); // the board's hold and the hall's hours move on with the clock
}

function switchLanguage() {
  const next = t.lang() === "en" ? "zh" : "en";
  t.setLang(next);
  const url = new URL(location.href);
  if (next === "en") url.searchParams.set("lang", "en");
  else url.searchParams.delete("lang");
  history.replaceState(null, "", url);
  if (state.hall) {
    renderHeader();
    render();
  }
  if (state.revoked) showMessage(t("device_revoked"));
  tick();
}

function showMessage(text) {
  const box = $("message");
  box.textContent = text;
  box.hidden = !text;
}

// ----------------------------------------------------------------- boot --

const voiceParam = params.get("voice");
const announcer = new Announcer(false);

async function loadDevice() {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 15000)) {
    try {
      return await api("/api/v1/device", { token });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        if (err.code === "device_revoked") revoked();
        else showMessage(t("unknown_device"));
        throw err;
      }
      showLiveStatus("offline");
      showMessage(t("unreachable"));
      await sleep(delay);
    }
  }
}

/** The device was revoked: say so instead of an old board, and stay silent. */
function revoked() {
  state.revoked = true;
  announcer.enabled = false;
  $("board").hidden = true;
  $("sign").hidden = true;
  document.body.classList.add("revoked");
  showMessage(t("device_revoked"));
}

async function boot() {
  t.setLang(t.lang());
  tick();
  setInterval(tick, 1000);
  $("lang").addEventListener("click", switchLanguage);
  if (!token) {
    showMessage(t("unknown_device"));
    return;
  }
  const info = await loadDevice();
  showMessage("");
  const device = info.device || {};
  state.hall = info.hall;
  state.kind = params.get("screen") || device.screen || "hall";
  state.zone = params.get("zone") || device.zones?.[0] || state.hall.zones[0]?.code || null;
  state.window = Number(params.get("window") || device.window) || null;
  state.floor = device.floor ?? null;
  state.zones = state.kind === "hall" ? device.zones || [] : [];
  state.quiet = device.quiet_zones || [];
  state.openNow = info.open_now !== false;
  if (state.kind === "window" && !state.window) state.kind = "hall";
  if (state.kind === "zone" && !zoneOf(state.zone)) state.kind = "hall";
  announcer.enabled = voiceParam ? !["off", "0", "false"].includes(voiceParam) : device.voice ?? state.kind !== "window";
  window.speechSynthesis?.getVoices(); // the list loads lazily; ask early for the fallback voice

  document.body.classList.remove("booting");
  document.body.classList.add(`kind-${state.kind}`);
  $("board").hidden = state.kind === "window";
  $("sign").hidden = state.kind !== "window";
  renderHeader();
  render();

  hallState.subscribe(onChange);
  hallState.follow({ token, topics: topics(), onStatus: showLiveStatus, onEnded: revoked });
  startHeartbeat(token, { onRefused: (err) => err.code === "device_revoked" && revoked() });
  window.addEventListener("resize", fitAll);
}

boot();
