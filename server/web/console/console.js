// The window clerk's console (窗口工作台) on a desk PC: sign in, take a window,
// call and serve tickets with buttons or single-key shortcuts as on a keypad
// caller, and see the window's queue and one's own figures for the day.
//
// One key per citizen: N finishes the ticket at the window and calls the next.
// The window and its queue come from the shared hall state, live on the
// window's `staff:<n>` topic with the queue figures the server pushes.
// Buttons are enabled only when the window's state allows them (allowed.js).
// Every message, a refusal from the server included, is said from its code in
// the page's dictionary (errors.js), in the message line that floats above the
// desk and never moves it; all texts are set with textContent.
import { BOOKING_TEXTS, BookingsView } from "/static/common/bookings.js";
import { el } from "/static/common/dom.js";
import { EVENT_KINDS, PAUSE_REASONS, pauseText } from "/static/common/events.js";
import { clockTime, duration } from "/static/common/format.js";
import { HallState } from "/static/common/hallstate.js";
import { makeTranslator } from "/static/common/i18n.js";
import { showLiveStatus } from "/static/common/live.js";
import { STAFF_TEXTS, StaffShell } from "/static/common/staff.js";
import { SUMMONS_TEXTS } from "/static/common/summons.js";
import { refusal } from "/static/console/allowed.js";
import { ERROR_TEXTS, describeError } from "/static/console/errors.js";
import { DESK_SUMMONS_TEXTS, DeskSummons } from "/static/console/summons.js";

const UNDO_SECONDS = 10; // as long as the server takes a no-show back (lifecycle.UNDO_NO_SHOW)

const t = makeTranslator({
  ...STAFF_TEXTS,
  ...ERROR_TEXTS,
  ...BOOKING_TEXTS,
  ...SUMMONS_TEXTS,
  ...DESK_SUMMONS_TEXTS,
  title: { zh: "窗口工作台", en: "Window console" },
  signOut: { zh: "签退", en: "Sign out of window" },
  loginTitle: { zh: "工作人员登录", en: "Staff sign-in" },
  windowTitle: { zh: "选择窗口签到", en: "Choose your window" },
  greeting: { zh: "{name}，您好。请输入今天所在的窗口号。", en: "Hello {name}. Which window are you at today?" },
  windowNo: { zh: "窗口号", en: "Window" },
  post: { zh: "岗位", en: "Post" },
  postA: { zh: "A岗", en: "Post A" },
  postB: { zh: "B岗", en: "Post B" },
  takeOver: { zh: "接岗（同事未签退时接替）", en: "Take over (a colleague did not sign out)" },
  signIn: { zh: "签到", en: "Sign in" },
  unknownWindow: { zh: "本大厅没有 {n} 号窗口", en: "There is no window {n} in this hall" },
  windowLabel: { zh: "{n} 号窗口 · {label}", en: "Window {n} · {label}" },
  windowShort: { zh: "{n} 号窗口", en: "Window {n}" },
  universal: { zh: "无差别综合受理", en: "universal window" },
  stateOpen: { zh: "在岗", en: "Open" },
  statePaused: { zh: "暂停：{reason}", en: "Paused: {reason}" },
  current: { zh: "当前号", en: "Current ticket" },
  idle: { zh: "空闲，可叫号", en: "Idle: call the next ticket" },
  pausedIdle: { zh: "暂停中，恢复后可叫号", en: "Paused: resume to call" },
  called: { zh: "已叫号，等候到窗", en: "Called, walking up" },
  serving: { zh: "办理中", en: "Being served" },
  green: { zh: "绿色通道", en: "Priority lane" },
  appointment: { zh: "预约", en: "Appointment" },
  waited: { zh: "等候", en: "Waited" },
  handling: { zh: "办理", en: "Handling" },
  calls: { zh: "叫号次数", en: "Calls" },
  holder: { zh: "取号人", en: "Holder" },
  message: { zh: "留言", en: "Message" },
  messageForCitizen: { zh: "给办事群众的留言（对方手机可见）", en: "Message for the citizen (shown on their phone)" },
  note: { zh: "转办备注（仅工作人员可见）", en: "Transfer note (staff only)" },
  aNext: { zh: "叫号", en: "Call next" },
  aRecall: { zh: "重呼", en: "Recall" },
  aNumber: { zh: "指定叫号", en: "Call number" },
  aNoShow: { zh: "过号", en: "No-show" },
  aStart: { zh: "开始办理", en: "Start" },
  aFinish: { zh: "办结", en: "Finish" },
  aTransfer: { zh: "转办", en: "Transfer" },
  aPause: { zh: "暂停", en: "Pause" },
  aResume: { zh: "恢复", en: "Resume" },
  queueTitle: { zh: "本窗口可办队列", en: "Queue for this window" },
  queueTotal: { zh: "共 {n} 人等候", en: "{n} waiting" },
  queueRow: { zh: "{n} 人", en: "{n}" },
  longest: { zh: "最久 {d}", en: "longest {d}" },
  queueEmpty: { zh: "暂无等候", en: "Nobody waiting" },
  todayTitle: { zh: "今日本人", en: "My day" },
  served: { zh: "办结", en: "served" },
  transferredCount: { zh: "转办", en: "transferred" },
  noShows: { zh: "过号", en: "no-shows" },
  meanHandling: { zh: "平均办理", en: "mean handling" },
  ticketNo: { zh: "号码（如 A023）", en: "Number (e.g. A023)" },
  cancel: { zh: "取消", en: "Cancel" },
  toService: { zh: "转到事项", en: "To a service" },
  toZone: { zh: "转到区域", en: "To an area" },
  toWindow: { zh: "转到窗口", en: "To a window" },
  service: { zh: "事项", en: "Service" },
  zone: { zh: "区域", en: "Area" },
  confirmTransfer: { zh: "确认转办", en: "Transfer" },
  pauseTitle: { zh: "暂停服务", en: "Pause the window" },
  pauseText: { zh: "说明（仅工作人员可见，可选）", en: "Details for colleagues (optional)" },
  needReason: { zh: "请选择或填写暂停原因", en: "Choose or type a reason" },
  needTarget: { zh: "请选择转办去向", en: "Choose where to transfer to" },
  nobody: { zh: "当前没有等候的号", en: "Nobody is waiting for this window" },
  calledOk: { zh: "已叫 {number} 号", en: "Called {number}" },
  finishedOk: { zh: "{number} 号已办结", en: "{number} finished" },
  finishedCalled: { zh: "{done} 号已办结，已叫 {number} 号", en: "{done} finished, called {number}" },
  finishedNobody: { zh: "{done} 号已办结，当前没有等候的号", en: "{done} finished; nobody is waiting" },
  recalledOk: { zh: "已重呼 {number} 号", en: "Called {number} again" },
  startedOk: { zh: "{number} 号开始办理", en: "Serving {number}" },
  noShowOk: { zh: "{number} 号已过号", en: "{number} marked no-show" },
  undo: { zh: "撤销", en: "Undo" },
  undoneOk: { zh: "已撤销过号，{number} 号回到本窗口", en: "No-show undone: {number} is back at this window" },
  transferredOk: { zh: "{number} 号已转办 → {to}", en: "{number} transferred → {to}" },
  pausedOk: { zh: "本窗口已暂停", en: "Window paused" },
  resumedOk: { zh: "本窗口已恢复，可叫号", en: "Window open again: call the next ticket" },
  whyPaused: { zh: "窗口已暂停，请先按 P 恢复", en: "The window is paused: press P to resume first" },
  whyNoTicket: { zh: "本窗口当前没有号", en: "No ticket at this window" },
  whyServing: { zh: "当前号已在办理中", en: "The ticket is already being served" },
  whyFinishFirst: { zh: "请先办结、过号或转办当前号", en: "Finish, no-show or transfer the current ticket first" },
  doFinish: { zh: "办结", en: "finish" },
  doStart: { zh: "开始办理", en: "start" },
  doNoshow: { zh: "过号", en: "mark as no-show" },
  doRecall: { zh: "重呼", en: "recall" },
  doTransfer: { zh: "转办", en: "transfer" },
  doUndo: { zh: "撤销过号", en: "undo the no-show of" },
  doCall: { zh: "叫号", en: "call" },
  takenOver: { zh: "{n} 号窗口已由 {staff} 接岗，您已离开该窗口", en: "{staff} took over window {n}" },
  logTitle: { zh: "本次登录办理记录", en: "Handled this session" },
  logEmpty: { zh: "尚无记录", en: "Nothing yet" },
  outDone: { zh: "办结", en: "finished" },
  outNoShow: { zh: "过号", en: "no-show" },
  outTransfer: { zh: "转办 → {to}", en: "transferred → {to}" },
  toWindowN: { zh: "{n} 号窗口", en: "window {n}" },
});

const $ = (id) => document.getElementById(id);

const shell = new StaffShell({
  page: "console",
  t,
  enter: openConsole,
  leave: closeConsole,
  beforeLogout: leaveWindowForLogout,
  onLanguage: applyLang,
  describe: (err) => describeError(t, err, { n: state.window?.number ?? $("window-number").value, number: "", action: "" }),
});

const state = {
  hall: null, // layout from /api/v1/hall
  window: null, // the window's live state
  ticket: null, // the ticket at the window (staff view)
  offsetMs: 0, // server clock minus this PC's clock, learnt from server timestamps
  live: null, // the LiveFeed keeping `hallState` current while at the desk
  log: [], // what this session handled, newest first
  undoable: null, // {ticket, timer}: the no-show that may still be taken back
};
let hallState = new HallState();

const serverNow = () => Date.now() + state.offsetMs;
const BOOKINGS_REFRESH_MS = 60 * 1000;

function learnClock(iso) {
  if (iso) state.offsetMs = Date.parse(iso) - Date.now();
}

const authed = (path, options) => shell.authed(path, options);

/** Say a message in the message line; any message but a no-show's ends its undo. */
function banner(message, kind) {
  forgetUndo();
  shell.say(message, kind);
}

function showView(name) {
  shell.showView(name);
  if (name === "window") setTimeout(() => $("window-number").focus(), 0);
}

// -- sign-in ---------------------------------------------------------------------

/** Signed in: the desk if a window is held, else the window picker. */
async function openConsole(me, hall) {
  state.hall = hall;
  fillTransferChoices();
  if (me.window) {
    await enterDesk(me.window);
  } else {
    $("window-greeting").textContent = t("greeting", { name: me.staff.name });
    const last = shell.lastUsed();
    if (last.window) $("window-number").value = last.window;
    describeWindowChoice();
    showView("window");
  }
}

function closeConsole() {
  stopLive();
  state.window = null;
  state.ticket = null;
}

function windowInfo(number) {
  return state.hall.windows.find((w) => w.number === number);
}

function describeWindowChoice() {
  const number = Number($("window-number").value);
  const info = windowInfo(number);
  $("window-label").textContent = info ? t("windowLabel", { n: number, label: info.label || (info.universal ? t("universal") : "") }) : "";
  const post = $("window-post");
  for (const option of post.options) option.disabled = Boolean(info) && !info.posts.includes(option.value);
  if (post.selectedOptions[0]?.disabled) post.value = "A";
}

async function signIn(event) {
  event.preventDefault();
  const number = Number($("window-number").value);
  if (!windowInfo(number)) {
    banner(t("unknownWindow", { n: number }), "error");
    return;
  }
  try {
    const result = await authed(`/api/v1/windows/${number}/sign-in`, {
      method: "POST", body: { post: $("window-post").value, take_over: $("window-takeover").checked },
    });
    shell.rememberLast({ window: number });
    $("window-takeover").checked = false;
    shell.clearBanner();
    await enterDesk(result.window);
  } catch (err) {
    shell.showError(err);
  }
}

// -- the desk ----------------------------------------------------------------------

async function enterDesk(windowState) {
  state.window = windowState;
  state.ticket = null;
  if (windowState.current_ticket) {
    const found = await authed(`/api/v1/tickets/${windowState.current_ticket}`);
    state.ticket = found.ticket;
    deskSummons.restore(found.summons, found.at);
  }
  showView("desk");
  renderDesk();
  renderLog();
  startLive();
  renderQueue();
  refreshToday();
  refreshBookings();
}

function renderDesk() {
  const w = state.window;
  const info = windowInfo(w.number) || {};
  const label = [t(`post${w.post || "A"}`), info.label].filter(Boolean).join(" · ");
  $("who-window").textContent = t("windowLabel", { n: w.number, label });
  const paused = w.state === "paused";
  const reason = [pauseText(w, t.lang()), w.pause_note].filter(Boolean).join(" · ");
  $("who-state").textContent = paused ? t("statePaused", { reason }) : t("stateOpen");
  $("who-state").className = `chip ${paused ? "paused" : "open"}`;
  $("pause-label").textContent = paused ? t("aResume") : t("aPause");
  document.body.classList.toggle("paused", paused);
  renderTicket();
}

/** Each button enabled exactly when the window's state allows it; the title says why not. */
function renderActions() {
  for (const button of document.querySelectorAll("#actions [data-action]")) {
    const why = refusal(button.dataset.action, state.window, state.ticket);
    button.disabled = why !== null;
    button.title = why ? t(why) : "";
  }
}

function renderTicket() {
  const ticket = state.ticket;
  document.body.dataset.ticket = ticket ? ticket.status : "none";
  $("current-number").textContent = ticket ? ticket.number : "—";
  const idle = state.window?.state === "paused" ? t("pausedIdle") : t("idle");
  $("current-status").textContent = ticket ? t(ticket.status === "serving" ? "serving" : "called") : idle;
  $("current-status").className = `chip ${ticket ? ticket.status : "idle"}`;
  const priority = $("current-priority");
  priority.hidden = !ticket || ticket.priority === "normal";
  if (ticket && ticket.priority !== "normal") {
    priority.textContent = t(ticket.priority);
    priority.className = `chip ${ticket.priority}`;
  }
  const service = ticket && state.hall.services.find((s) => s.code === ticket.service);
  $("current-service").textContent = ticket ? (service ? `${service.code} ${service.name}` : ticket.service) : "";
  $("current-calls").textContent = ticket ? String(ticket.call_count) : "—";
  $("row-holder").hidden = !(ticket && (ticket.holder || ticket.identity));
  $("current-holder").textContent = ticket?.holder || "";
  $("current-identity").textContent = ticket?.identity || "";
  $("row-note").hidden = !(ticket && ticket.note);
  $("current-note").textContent = ticket?.note || "";
  $("row-message").hidden = !(ticket && ticket.message);
  $("current-message").textContent = ticket?.message || "";
  deskSummons.show(state.hall, ticket);
  renderActions();
  tickTimers();
}

function tick() {
  tickTimers();
  deskSummons.tick();
  if (state.window) renderQueue(); // the longest waits keep growing between pushes
}

function tickTimers() {
  const ticket = state.ticket;
  if (!ticket) {
    $("current-waited").textContent = "—";
    $("current-handling").textContent = "—";
    return;
  }
  const now = serverNow();
  const issued = Date.parse(ticket.issued_at);
  const started = ticket.started_at ? Date.parse(ticket.started_at) : null;
  $("current-waited").textContent = duration(((started ?? now) - issued) / 1000);
  $("current-handling").textContent = started ? duration((now - started) / 1000) : "—";
}

// -- queue and figures ------------------------------------------------------------

const bookings = new BookingsView($("bookings"), {
  t, fetch: (path) => authed(path), services: () => windowServices(),
  names: (code) => state.hall.services.find((s) => s.code === code)?.name ?? "",
});

async function refreshBookings() {
  if (!state.window) return;
  try {
    await bookings.refresh();
  } catch (err) {
    shell.showError(err);
  }
}

function windowServices() {
  const info = windowInfo(state.window.number);
  if (!info || info.universal) return null; // every service
  return info.services;
}

function renderQueue() {
  const mine = windowServices();
  const rows = hallState.services;
  const shown = mine ? mine.map((code) => rows.get(code)).filter(Boolean) : [...rows.values()].filter((r) => r.waiting > 0);
  const list = $("queue");
  list.replaceChildren();
  let total = 0;
  for (const row of shown) {
    total += row.waiting;
    const service = state.hall.services.find((s) => s.code === row.service);
    const item = el("li", row.waiting > 0 ? "busy" : "");
    item.dataset.service = row.service;
    const name = el("span", "q-name");
    name.append(el("b", "", row.service), document.createTextNode(` ${service ? service.name : ""}`));
    const figures = el("span", "q-figures");
    figures.append(el("span", "q-count", t("queueRow", { n: row.waiting })));
    if (row.waiting > 0) figures.append(el("span", "q-longest", t("longest", { d: duration(hallState.longestWait(row.service)) })));
    item.append(name, figures);
    list.append(item);
  }
  if (shown.length === 0) list.append(el("li", "empty", t("queueEmpty")));
  $("queue-total").textContent = t("queueTotal", { n: total });
}

async function refreshToday() {
  try {
    const day = await authed("/api/v1/staff/me/today");
    $("today-served").textContent = String(day.served);
    $("today-transferred").textContent = String(day.transferred);
    $("today-noshow").textContent = String(day.no_shows);
    $("today-handling").textContent = duration(day.handling.mean_s);
  } catch (err) {
    if (err.status === 401) shell.showError(err);
  }
}

/** One line of the session's record: the ticket and what became of it. */
function record(ticket, outcome) {
  const service = state.hall.services.find((s) => s.code === ticket.service);
  state.log.unshift({ number: ticket.number, service: service ? service.name : ticket.service, outcome, at: serverNow() });
  state.log.length = Math.min(state.log.length, 50);
  renderLog();
}

function renderLog() {
  const list = $("log");
  list.replaceChildren();
  for (const entry of state.log) {
    const item = el("li");
    const at = clockTime(entry.at, { lang: t.lang(), timeZone: state.hall.timezone, seconds: true });
    item.append(el("span", "log-at", at), el("b", "log-number", entry.number),
                el("span", "log-service", entry.service), el("span", "log-outcome", entry.outcome));
    list.append(item);
  }
  if (state.log.length === 0) list.append(el("li", "empty", t("logEmpty")));
}

// -- live ---------------------------------------------------------------------------

function startLive() {
  stopLive();
  hallState = new HallState();
  hallState.subscribe(onChange);
  state.live = hallState.follow({ token: shell.token, topics: [`staff:${state.window.number}`], onStatus: showLiveStatus });
}

function stopLive() {
  if (state.live) state.live.stop();
  state.live = null;
}

function onChange(change) {
  if (!state.window) return;
  if (change.type === "snapshot") followSnapshot();
  if (change.type === "event") followEvent(change.event);
  if (state.window) renderQueue();
}

/** A fresh snapshot is the truth about this window: its state and the ticket at it. */
function followSnapshot() {
  const mine = hallState.windows.get(state.window.number);
  if (!mine) return;
  windowChanged(mine);
  if (!state.window) return;
  const current = hallState.ticketAt(mine.number);
  if (!current) state.ticket = null;
  else state.ticket = current.id === state.ticket?.id ? { ...state.ticket, ...current } : current;
  renderTicket();
}

const AT_WINDOW = new Set([EVENT_KINDS.TICKET_CALLED, EVENT_KINDS.TICKET_NO_SHOW_UNDONE]);

function followEvent(event) {
  learnClock(event.at);
  deskSummons.follow(event);
  const ours = event.window === state.window.number;
  if (ours && event.window_state) windowChanged(event.window_state);
  if (!state.window) return;
  if (ours && AT_WINDOW.has(event.kind) && !state.ticket) {
    state.ticket = event.ticket; // called (or a no-show undone) from another tab of this session
    renderTicket();
  } else if (event.ticket && state.ticket && event.ticket.id === state.ticket.id) {
    const status = event.ticket.status;
    if (ours && (status === "called" || status === "serving")) state.ticket = { ...state.ticket, ...event.ticket };
    else state.ticket = null;
    renderTicket();
  }
}

/** The window changed under us: a colleague took over, or we signed out elsewhere. */
function windowChanged(windowState) {
  if (!state.window) return;
  if (windowState.state === "closed" || (windowState.staff_id && windowState.staff_id !== shell.staff.id)) {
    const number = state.window.number;
    leaveDesk();
    if (windowState.staff_id) banner(t("takenOver", { n: number, staff: windowState.staff_id }), "error");
    return;
  }
  // Events carry the public window state: the internal pause note stays as our own answer gave it.
  const keepNote = windowState.state === "paused" && !("pause_note" in windowState);
  state.window = keepNote ? { ...windowState, pause_note: state.window.pause_note } : windowState;
  renderDesk();
}

function leaveDesk() {
  closeConsole();
  showView("window");
  describeWindowChoice();
}

// -- actions ------------------------------------------------------------------------

/** Run an action; a refusal is said from its code, with the window, ticket and action in words. */
async function act(run, doing) {
  const number = state.ticket?.number ?? "";
  try {
    await run();
  } catch (err) {
    if (err.status === 401) shell.showError(err); // back to the sign-in
    else banner(describeError(t, err, { n: state.window?.number ?? "", number, action: doing ? t(doing) : "" }), "error");
  }
}

function setTicket(ticket, { clock } = {}) {
  if (clock) learnClock(clock);
  state.ticket = ticket && (ticket.status === "called" || ticket.status === "serving") ? ticket : null;
  renderTicket();
}

const deskSummons = new DeskSummons({
  t, authed, act, say: (message) => banner(message, "info"), windowNo: () => state.window.number,
});

const windowPath = (action) => `/api/v1/windows/${state.window.number}/${action}`;
const ticketPath = (action, ticket = state.ticket) => `/api/v1/tickets/${ticket.id}/${action}`;

function finished(ticket) {
  record(ticket, t("outDone"));
  refreshToday();
}

const ACTIONS = {
  next: () => act(async () => {
    const { finished: done, ticket } = await authed(windowPath("next"), { method: "POST" });
    if (done) finished(done);
    setTicket(ticket, { clock: ticket?.called_at ?? done?.finished_at });
    if (done) banner(t(ticket ? "finishedCalled" : "finishedNobody", { done: done.number, number: ticket?.number }), "info");
    else banner(ticket ? t("calledOk", { number: ticket.number }) : t("nobody"), "info");
  }, "doCall"),
  recall: () => act(async () => {
    const { ticket } = await authed(windowPath("recall"), { method: "POST" });
    setTicket(ticket, { clock: ticket.called_at });
    banner(t("recalledOk", { number: ticket.number }), "info");
  }, "doRecall"),
  number: () => openDialog("dlg-number", () => $("number-input").focus()),
  noshow: () => act(async () => {
    const { ticket } = await authed(ticketPath("no-show"), { method: "POST" });
    record(ticket, t("outNoShow"));
    setTicket(null);
    refreshToday();
    offerUndo(ticket);
  }, "doNoshow"),
  start: () => act(async () => {
    const { ticket } = await authed(ticketPath("start"), { method: "POST" });
    setTicket(ticket, { clock: ticket.started_at });
    banner(t("startedOk", { number: ticket.number }), "info");
  }, "doStart"),
  finish: () => act(async () => {
    const { ticket } = await authed(ticketPath("finish"), { method: "POST" });
    setTicket(null, { clock: ticket.finished_at });
    finished(ticket);
    banner(t("finishedOk", { number: ticket.number }), "info");
  }, "doFinish"),
  transfer: () => openDialog("dlg-transfer", () => $("transfer-service").focus()),
  pause: () => {
    if (state.window.state === "paused") {
      return act(async () => {
        const result = await authed(windowPath("resume"), { method: "POST" });
        windowChanged(result.window);
        banner(t("resumedOk"), "info");
      });
    }
    return openDialog("dlg-pause", () => $("pause-reasons").querySelector("input")?.focus());
  },
};

// -- taking a no-show back ------------------------------------------------------------

/** The no-show's message with its undo button, for as long as the server takes it back. */
function offerUndo(ticket) {
  banner(t("noShowOk", { number: ticket.number }), "undo");
  $("banner-undo").hidden = false;
  state.undoable = { ticket, timer: setTimeout(() => { forgetUndo(); shell.clearBanner(); }, UNDO_SECONDS * 1000) };
}

function forgetUndo() {
  if (!state.undoable) return;
  clearTimeout(state.undoable.timer);
  state.undoable = null;
  $("banner-undo").hidden = true;
}

function undoNoShow() {
  const undoable = state.undoable;
  if (!undoable) return;
  const number = undoable.ticket.number;
  forgetUndo();
  act(async () => {
    const { ticket } = await authed(ticketPath("undo-no-show", undoable.ticket), { method: "POST" });
    const index = state.log.findIndex((entry) => entry.number === ticket.number);
    if (index >= 0) state.log.splice(index, 1); // as if it had not been marked
    renderLog();
    setTicket(ticket, { clock: ticket.called_at });
    refreshToday();
    banner(t("undoneOk", { number }), "info");
  }, "doUndo");
}

const SHORTCUTS = { n: "next", r: "recall", c: "number", x: "noshow", s: "start", f: "finish", t: "transfer", p: "pause" };
const UNDO_KEY = "u";

function onKey(event) {
  if (document.body.dataset.view !== "desk" || event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
  if (document.querySelector("dialog[open]")) return;
  const target = event.target;
  if (target instanceof HTMLElement && target.closest("input, textarea, select")) return;
  const key = event.key.toLowerCase();
  if (key === UNDO_KEY && state.undoable) {
    event.preventDefault();
    undoNoShow();
    return;
  }
  const action = SHORTCUTS[key];
  if (!action) return;
  event.preventDefault();
  run(action);
}

/** A button or its key: done when the window's state allows it, else the reason is said. */
function run(action) {
  const why = refusal(action, state.window, state.ticket);
  if (why) {
    banner(t(why), "info");
    return;
  }
  flash(action);
  ACTIONS[action]();
}

function flash(action) {
  const button = document.querySelector(`[data-action="${action}"]`);
  if (!button) return;
  button.classList.add("pressed");
  setTimeout(() => button.classList.remove("pressed"), 180);
}

function openDialog(id, focus) {
  const dialog = $(id);
  dialog.querySelector("form").reset();
  if (id === "dlg-transfer") showTransferKind("service");
  if (id === "dlg-pause") $("pause-text").required = false;
  dialog.showModal();
  if (focus) focus();
}

function closeDialog(id) {
  $(id).close();
}

// -- dialogs ------------------------------------------------------------------------

function fillTransferChoices() {
  const services = $("transfer-service");
  services.replaceChildren();
  for (const zone of state.hall.zones) {
    const group = document.createElement("optgroup");
    group.label = `${zone.code} ${zone.name}`;
    for (const service of state.hall.services.filter((s) => s.zone === zone.code)) {
      const option = el("option", "", `${service.code} ${service.name}`);
      option.value = service.code;
      group.append(option);
    }
    services.append(group);
  }
  $("transfer-zone").replaceChildren(...state.hall.zones.map((zone) => {
    const option = el("option", "", `${zone.code} ${zone.name}`);
    option.value = zone.code;
    return option;
  }));
}

function showTransferKind(kind) {
  for (const label of $("transfer-form").querySelectorAll("[data-kind]")) label.hidden = label.dataset.kind !== kind;
  $("transfer-window").required = kind === "window";
}

function submitTransfer(event) {
  event.preventDefault();
  const kind = $("transfer-form").querySelector("input[name=kind]:checked").value;
  const body = {};
  if (kind === "service") body.service = $("transfer-service").value;
  if (kind === "zone") body.zone = $("transfer-zone").value;
  if (kind === "window") body.window = Number($("transfer-window").value) || undefined;
  if (!body[kind]) {
    banner(t("needTarget"), "error");
    return;
  }
  const note = $("transfer-note").value.trim();
  if (note) body.note = note;
  const message = $("transfer-message").value.trim();
  if (message) body.message = message;
  closeDialog("dlg-transfer");
  act(async () => {
    const { ticket } = await authed(ticketPath("transfer"), { method: "POST", body });
    const to = body.window ? t("toWindowN", { n: body.window }) : (body.service || body.zone);
    record(ticket, t("outTransfer", { to }));
    setTicket(null);
    refreshToday();
    banner(t("transferredOk", { number: ticket.number, to }), "info");
  }, "doTransfer");
}

function fillReasons() {
  const box = $("pause-reasons");
  box.replaceChildren();
  Object.entries(PAUSE_REASONS).forEach(([code, names], index) => {
    const label = el("label");
    const input = el("input");
    input.type = "radio";
    input.name = "reason";
    input.value = code;
    input.defaultChecked = index === 0;
    label.append(input, el("span", "", ` ${names[t.lang()] ?? names.zh}`));
    box.append(label);
  });
}

function submitPause(event) {
  event.preventDefault();
  // The code is what screens show (as its label); the text is an internal note for colleagues.
  const reason = $("pause-form").querySelector("input[name=reason]:checked")?.value || "other";
  const note = $("pause-text").value.trim();
  if (reason === "other" && !note) {
    banner(t("needReason"), "error");
    return;
  }
  closeDialog("dlg-pause");
  act(async () => {
    const body = note ? { reason, note } : { reason };
    const result = await authed(windowPath("pause"), { method: "POST", body });
    windowChanged(result.window);
    banner(t("pausedOk"), "info");
  });
}

function submitNumber(event) {
  event.preventDefault();
  const number = $("number-input").value.trim().toUpperCase();
  if (!number) return;
  closeDialog("dlg-number");
  act(async () => {
    const { ticket } = await authed(windowPath("call"), { method: "POST", body: { number } });
    setTicket(ticket, { clock: ticket.called_at });
    banner(t("calledOk", { number: ticket.number }), "info");
  }, "doCall");
}

async function signOut() {
  await act(async () => {
    await authed(windowPath("sign-out"), { method: "POST" });
    leaveDesk();
  });
}

/** Log-out leaves the window first; when it cannot (a ticket is still at it), the clerk stays. */
async function leaveWindowForLogout() {
  if (state.window) await authed(windowPath("sign-out"), { method: "POST" });
}

// -- start ---------------------------------------------------------------------------

function wire() {
  $("window-form").addEventListener("submit", signIn);
  $("window-number").addEventListener("input", describeWindowChoice);
  $("btn-sign-out").addEventListener("click", signOut);
  $("actions").addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]")?.dataset.action;
    if (action) run(action);
  });
  $("banner-undo").addEventListener("click", undoNoShow);
  $("transfer-form").addEventListener("submit", submitTransfer);
  $("transfer-form").addEventListener("change", (event) => {
    if (event.target.name === "kind") showTransferKind(event.target.value);
  });
  $("pause-form").addEventListener("submit", submitPause);
  $("pause-form").addEventListener("change", (event) => {
    if (event.target.name === "reason") $("pause-text").required = event.target.value === "other";
  });
  $("number-form").addEventListener("submit", submitNumber);
  for (const button of document.querySelectorAll("dialog [data-close]")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }
  document.addEventListener("keydown", onKey);
  setInterval(tick, 1000);
  setInterval(() => document.body.dataset.view === "desk" && refreshBookings(), BOOKINGS_REFRESH_MS);
}

function applyLang() {
  fillReasons();
  if (state.window && document.body.dataset.view === "desk") {
    renderDesk();
    renderLog();
    renderQueue();
    bookings.render();
  }
  if (document.body.dataset.view === "window") describeWindowChoice();
}

wire();
shell.start();
