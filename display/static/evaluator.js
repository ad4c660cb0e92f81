// The evaluation tablet at one window (评价器, 1280×800 or 800×1280): it shows
// the window, the staff member on duty (name and 工号) and, while a citizen is
// served, the service. When the window finishes a service it asks for 好差评
// at once (the window's live events: ticket.finished), with the five faces; a
// bad rating asks for its reasons before thanking. It asks for the hall's
// timeout_seconds; unanswered, the service is 未评价, which the server decides
// too (a tablet gone dark still leaves it unrated, never 满意). A rating given
// on the ticket's phone first (rating.given) closes the question here.
//
// What it shows of the window comes from the shared hall state; nothing is re-read.
import { api, tokenFromUrl } from "/static/common/api.js";
import { EVENT_KINDS, pauseText } from "/static/common/events.js";
import { HallState } from "/static/common/hallstate.js";
import { makeTranslator } from "/static/common/i18n.js";
import { startHeartbeat } from "/static/common/heartbeat.js";
import { showLiveStatus } from "/static/common/live.js";
import { RATING_MESSAGES, RatingForm, isBad, ratingError } from "/static/common/rating.js";

const token = tokenFromUrl();
const RESULT_MS = 6000; // a thank-you (or why not) stays this long, then the window's own view
const RETRY_MS = 5000;
// The server's refusals that end the question: nothing more to ask about this service.
const FINAL_REFUSALS = new Set(["already_rated", "rating_closed", "not_finished", "not_this_window"]);

const t = makeTranslator({
  ...RATING_MESSAGES,
  windowN: { zh: "{n} 号窗口", en: "Window {n}" },
  onDuty: { zh: "当班工作人员", en: "On duty" },
  staffNo: { zh: "工号", en: "Staff no." },
  nobody: { zh: "暂无人员在岗", en: "Nobody on duty" },
  stateOpen: { zh: "在岗服务", en: "Serving" },
  statePaused: { zh: "暂停服务", en: "Paused" },
  stateClosed: { zh: "未开放", en: "Closed" },
  serving: { zh: "正在办理", en: "Now serving" },
  ticketNo: { zh: "号码", en: "Number" },
  finished: { zh: "本次办理", en: "Service" },
  welcome: { zh: "欢迎办理业务", en: "Welcome" },
  welcomeDetail: { zh: "办理结束后，请对我们的服务作出评价", en: "Please rate our service when you are done" },
  closedTitle: { zh: "暂停服务", en: "Window closed" },
  closedDetail: { zh: "本窗口暂未开放，请到其他窗口办理", en: "This window is not open: please use another one" },
  pausedTitle: { zh: "暂停服务", en: "Service paused" },
  secondsLeft: { zh: "{s} 秒后结束评价", en: "Closes in {s} s" },
  unratedTitle: { zh: "未评价", en: "Not rated" },
  unratedDetail: {
    zh: "评价时间已过，本次服务记为未评价。您还可以扫描号票上的二维码，在手机上评价。",
    en: "The time is over: this service stays unrated. You can still rate it on your phone from the ticket's QR code.",
  },
  ratedElsewhere: { zh: "已收到您的评价，谢谢！", en: "Your rating has arrived: thank you!" },
  privacy: { zh: "评价结果用于改进服务，我们不会公开您的意见内容", en: "Ratings help us improve; your words are never made public" },
  offline: { zh: "连接中断，正在重连…", en: "Offline, reconnecting…" },
  unauthorized: { zh: "此评价器未登记，请检查地址中的 token", en: "This tablet is not registered: check the token in its address" },
  forbidden: { zh: "此设备不是评价器，请检查地址中的 token", en: "This device is not an evaluation tablet: check its token" },
  booting: { zh: "正在连接服务器…", en: "Connecting to the server…" },
  device_revoked: { zh: "此设备已停用，请联系系统管理员", en: "Device revoked: please contact the system administrator" },
});

const $ = (id) => document.getElementById(id);
const hallState = new HallState();

const state = {
  hall: null, // the layout (GET /api/v1/device)
  window: null, // this tablet's window number
  staff: new Map(), // staff id -> name, of whoever may be on duty here
  rules: null, // the hall's 好差评 rules
  asking: null, // {ticket, number, service, seconds, endsAt (performance.now() ms)}
  sending: null, // the ticket whose rating is on its way: its own event is no news
  result: null, // {mark: "ok" | "warn" | "info", title, detail: message codes, until}
};
let form = null;

// ---------------------------------------------------------------- asking --

function ask(prompt, seconds) {
  state.asking = { ...prompt, seconds, endsAt: performance.now() + seconds * 1000 };
  state.result = null;
  $("rating-error").hidden = true;
  form.ask();
  render();
}

function showResult(mark, title, detail = "") {
  state.asking = null;
  state.result = { mark, title, detail, until: performance.now() + RESULT_MS };
  render();
}

async function submit(answer) {
  const asking = state.asking;
  if (!asking) return;
  state.sending = asking.ticket;
  try {
    await api("/api/v1/ratings", { method: "POST", token, body: { ticket: asking.ticket, ...answer } });
    showResult("ok", isBad(state.rules, answer.level) ? "thanksBad" : "thanks");
  } catch (err) {
    if (FINAL_REFUSALS.has(err.code)) {
      showResult("info", err.code, err.code === "rating_closed" ? "unratedDetail" : "");
      return;
    }
    const line = $("rating-error"); // the question stays: the citizen may try again
    line.textContent = ratingError(t, err);
    line.hidden = false;
  } finally {
    state.sending = null;
  }
}

function tick() {
  const now = performance.now();
  if (state.asking && now >= state.asking.endsAt) showResult("warn", "unratedTitle", "unratedDetail");
  else if (state.result && now >= state.result.until) {
    state.result = null;
    render();
  }
  if (state.asking) renderCountdown(now);
}

// ------------------------------------------------------------------ live --

function onChange(change) {
  const event = change.event;
  if (event?.kind === EVENT_KINDS.TICKET_FINISHED && event.window === state.window && !change.replayed) {
    ask({ ticket: event.ticket.id, number: event.ticket.number, service: event.ticket.service },
      state.rules.timeout_seconds);
    return;
  }
  if (event?.kind === EVENT_KINDS.RATING_GIVEN && event.rating.ticket === state.asking?.ticket
      && event.rating.ticket !== state.sending) {
    showResult("ok", "ratedElsewhere"); // rated on the phone first
    return;
  }
  render();
}

// ---------------------------------------------------------------- render --

function serviceName(code) {
  return state.hall.services.find((s) => s.code === code)?.name || code;
}

function show(view) {
  for (const name of ["idle", "serving", "asking", "result"]) $(`view-${name}`).hidden = name !== view;
  document.body.dataset.view = view;
}

function render() {
  if (!state.hall || state.revoked) return;
  const info = state.hall.windows.find((w) => w.number === state.window);
  $("window-number").textContent = t("windowN", { n: state.window });
  $("window-label").textContent = info?.label || "";
  $("hall-name").textContent = state.hall.name;
  const win = hallState.windows.get(state.window);
  const staffId = win && win.state !== "closed" ? win.staff_id : null;
  $("staff-name").textContent = staffId ? state.staff.get(staffId) || staffId : t("nobody");
  $("staff-no").textContent = staffId || "—";
  const windowState = win?.state || "closed";
  const stateBox = $("window-state");
  stateBox.textContent = t({ open: "stateOpen", paused: "statePaused" }[windowState] || "stateClosed");
  stateBox.dataset.state = windowState;

  if (state.result) return renderResult();
  if (state.asking) {
    show("asking");
    $("asking-service").textContent = serviceName(state.asking.service);
    $("asking-number").textContent = state.asking.number;
    renderCountdown(performance.now());
    return;
  }
  const ticket = hallState.ticketAt(state.window);
  if (ticket && windowState !== "closed") {
    show("serving");
    $("serving-service").textContent = serviceName(ticket.service);
    $("serving-number").textContent = ticket.number;
    return;
  }
  show("idle");
  const [title, detail] = windowState === "open" ? [t("welcome"), t("welcomeDetail")]
    : windowState === "paused" ? [t("pausedTitle"), pauseText(win, t.lang())] : [t("closedTitle"), t("closedDetail")];
  $("idle-title").textContent = title;
  $("idle-detail").textContent = detail;
}

function renderResult() {
  show("result");
  const { mark, title, detail } = state.result;
  $("view-result").dataset.mark = mark;
  $("result-mark").textContent = mark === "ok" ? "✓" : "!";
  $("result-title").textContent = t(title);
  $("result-detail").textContent = detail ? t(detail) : "";
}

function renderCountdown(now) {
  const left = Math.max(0, Math.ceil((state.asking.endsAt - now) / 1000));
  $("countdown").textContent = t("secondsLeft", { s: left });
  $("countdown-fill").style.width = `${(100 * left) / state.asking.seconds}%`;
}

// ----------------------------------------------------------------- start --

function showBootProblem(err) {
  show("idle");
  const said = err.code === "device_revoked" ? "device_revoked"
    : err.status === 401 ? "unauthorized" : err.status === 403 ? "forbidden" : "booting";
  $("idle-title").textContent = t(said);
  $("idle-detail").textContent = "";
}

/** The tablet was revoked: it asks nothing more and says why. */
function revoked() {
  state.revoked = true;
  state.asking = null;
  showBootProblem({ code: "device_revoked" });
}

async function boot() {
  let device;
  let tablet;
  try {
    [device, tablet] = await Promise.all([api("/api/v1/device", { token }), api("/api/v1/ratings/tablet", { token })]);
  } catch (err) {
    showBootProblem(err);
    if (err.status !== 401 && err.status !== 403) setTimeout(boot, RETRY_MS);
    return;
  }
  state.hall = device.hall;
  state.window = tablet.window;
  state.rules = tablet.rules;
  state.staff = new Map(tablet.staff.map((s) => [s.id, s.name]));
  form = new RatingForm($("rating-form"), { t, rules: state.rules, onSubmit: submit });
  hallState.subscribe(onChange);
  hallState.follow({ token, topics: [`window:${state.window}`], onStatus: showLiveStatus, onEnded: revoked });
  startHeartbeat(token, { onRefused: (err) => err.code === "device_revoked" && revoked() });
  if (tablet.awaiting) ask(tablet.awaiting, tablet.awaiting.seconds_left);
  setInterval(tick, 250);
  render();
}

function main() {
  $("lang").addEventListener("click", () => {
    t.setLang(t.lang() === "zh" ? "en" : "zh");
    $("lang").textContent = t.lang() === "zh" ? "English" : "中文";
    if (form && state.asking) form.render();
    render();
  });
  t.setLang(t.lang());
  $("lang").textContent = t.lang() === "zh" ? "English" : "中文";
  show("idle");
  $("idle-title").textContent = t("booting");
  boot();
}

main();
