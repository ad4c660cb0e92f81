// The citizen's phone page, opened from the ticket's QR code: /t/<status token>.
// Shows the place in the queue and, when called, the window to go to. Live
// through the ticket's own feed: a snapshot of its status, its own events, and
// the status the server pushes whenever its place in the queue changes. Once
// the ticket is final it stops following: a closed socket is then no outage.
// Times are the hall's (status.timezone), whatever zone the phone is set to.
// Once the service is finished the page offers its 好差评 for the hall's
// phone_hours, unless the window's tablet (or this phone) has rated it already.
import { floorName } from "/static/common/dom.js";
import { api } from "/static/common/api.js";
import { clockTime } from "/static/common/format.js";
import { makeTranslator } from "/static/common/i18n.js";
import { LiveFeed } from "/static/common/live.js";
import { RATING_MESSAGES, RatingForm, ratingError } from "/static/common/rating.js";

const TOKEN = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");

const MESSAGES = {
  ...RATING_MESSAGES,
  rated: { zh: "您已评价：{level}，感谢您的参与", en: "You rated this service: {level}. Thank you" },
  rateOver: { zh: "评价时间已过", en: "The time to rate this service is over" },
  title: { zh: "排队进度", en: "Queue status" },
  yourNumber: { zh: "您的号码", en: "Your number" },
  service: { zh: "办理事项", en: "Service" },
  zone: { zh: "办理区域", en: "Area" },
  holder: { zh: "取号人", en: "Holder" },
  note: { zh: "备注", en: "Note" },
  updated: { zh: "更新于", en: "Updated" },
  issuedAt: { zh: "取号时间", en: "Issued" },
  nextStep: { zh: "下一步", en: "What to do next" },
  tip: {
    zh: "本页会自动刷新，叫号时会提示您到哪个窗口办理。过号请到窗口或服务台咨询。",
    en: "This page updates by itself and tells you which window to go to when you are called.",
  },
  offline: { zh: "网络中断，正在重连…", en: "Connection lost, reconnecting…" },
  floor: { zh: "{floor}楼", en: "floor {floor}" },
  waiting: { zh: "排队中", en: "Waiting" },
  ahead: { zh: "前面还有 {n} 人，预计等候约 {m} 分钟", en: "{n} ahead of you, about {m} min" },
  aheadRange: { zh: "前面还有 {n} 人，预计等候约 {m} 分钟（{low}–{high} 分钟）",
                en: "{n} ahead of you, about {m} min ({low}–{high} min)" },
  next: { zh: "马上轮到您，请留意叫号", en: "You are next: listen for your number" },
  aheadNoWindow: { zh: "前面还有 {n} 人，暂无开放窗口", en: "{n} ahead of you. No window open" },
  nextNoWindow: { zh: "暂无开放窗口，窗口开放后先叫您", en: "No window open: you are called first when one opens" },
  transferred: { zh: "已转至 {w} 号窗口，请等候叫号", en: "Transferred to window {w}: wait for your call" },
  transferredNoWindow: {
    zh: "已转至 {w} 号窗口，暂无开放窗口，请等候叫号",
    en: "Transferred to window {w}. No window open: wait for your call",
  },
  called: { zh: "请到 {w} 号窗口办理", en: "Please go to window {w}" },
  calledAgain: { zh: "第 {k} 次叫号，请尽快前往", en: "Called {k} times: please hurry" },
  calledOnce: { zh: "窗口正在等您，请尽快前往", en: "The window is waiting for you" },
  serving: { zh: "正在 {w} 号窗口办理", en: "Being served at window {w}" },
  summoned: { zh: "已通知部门，工作人员将在{m}分钟内到达", en: "The department is called: its officer arrives within {m} minutes" },
  done: { zh: "已办结", en: "Finished" },
  doneDetail: { zh: "感谢您的耐心等待，欢迎对本次服务作出“好差评”评价。", en: "Thank you for waiting. Please rate our service." },
  noShow: { zh: "已过号", en: "Missed" },
  noShowDetail: { zh: "您未在叫号后及时到窗口，此号已过号。", en: "You were called but did not come to the window." },
  rejoinBack: {
    zh: "请尽快回到{where}说明情况，工作人员可为您重新排队，重新排在队尾。",
    en: "Go back to {where} soon: staff can put you back in the queue, at its end.",
  },
  rejoinBehind: {
    zh: "请尽快回到{where}说明情况，工作人员可为您重新排队，前面约有 {n} 人。",
    en: "Go back to {where} soon: staff can put you back in the queue, about {n} places from its head.",
  },
  atWindow: { zh: " {w} 号窗口或服务台", en: "window {w} or the service desk" },
  atDesk: { zh: "服务台", en: "the service desk" },
  noShowOver: {
    zh: "当日办理已结束，此号不能再重新排队；如需办理，请在办公时间重新取号。",
    en: "That day is over and this ticket cannot rejoin the queue: take a new ticket during opening hours.",
  },
  cancelled: { zh: "已取消", en: "Cancelled" },
  unserved: { zh: "当日未办理", en: "Not served today" },
  unservedDetail: { zh: "大厅已结束当日服务，此号未能办理，请下个工作日重新取号。",
                    en: "The hall closed for the day before this ticket was served; please take a new ticket next working day." },
  cancelledDetail: { zh: "此号已取消，如需办理请重新取号。", en: "This ticket was cancelled; take a new one if needed." },
  notFound: { zh: "找不到这张号票，请核对二维码或到服务台咨询。", en: "Ticket not found: check the QR code or ask at the desk." },
  database_unavailable: { zh: "服务暂时繁忙，本页稍后自动重试。", en: "The service is busy: this page retries by itself." },
  failed: { zh: "暂时查不到此号的进度，请稍后再试或到服务台咨询。", en: "Cannot show this ticket now: try again later or ask at the desk." },
};
const t = makeTranslator(MESSAGES);

const FINAL = new Set(["done", "cancelled", "unserved"]); // a no-show is final only once the server says so (a past day)
const $ = (id) => document.getElementById(id);

let last = null; // the status shown: {ticket, people_ahead, estimated_wait_minutes, hall_name, timezone, final, rejoin, …}
let live = null;
let lastCallCount = 0;
let finished = false; // the ticket is final and no longer followed
let summonedMinutes = null; // while a summons of the ticket's department is open (事进人不进): its SLA
let rating = null; // {status, phone_seconds_left, rules, rating} once the service is finished
let ratingForm = null;
let rateNote = null; // {code, vars, refused}: what the rating box says instead of (or under) its form

function isFinal(status) {
  return FINAL.has(status.ticket.status) || status.final === true;
}

function describe(status) {
  const ticket = status.ticket;
  switch (ticket.status) {
    case "waiting":
      return [t("waiting"), waitingDetail(status)];
    case "called":
      return [t("called", { w: ticket.window }),
              ticket.call_count > 1 ? t("calledAgain", { k: ticket.call_count }) : t("calledOnce")];
    case "serving":
      return [t("serving", { w: ticket.window }), ""];
    case "done":
      return [t("done"), t("doneDetail")];
    case "no_show":
      return [t("noShow"), t("noShowDetail")];
    case "unserved":
      return [t("unserved"), t("unservedDetail")];
    default:
      return [t("cancelled"), t("cancelledDetail")];
  }
}

/** Where a waiting ticket stands; an estimate of null: no window that may serve it is signed in. */
function waitingDetail(status) {
  const target = status.ticket.target_window;
  const noWindow = status.estimated_wait_minutes === null;
  if (target) return t(noWindow ? "transferredNoWindow" : "transferred", { w: target });
  if (status.people_ahead > 0) {
    const n = status.people_ahead;
    if (noWindow) return t("aheadNoWindow", { n });
    const [low, high] = status.estimated_wait_range || [];
    const m = status.estimated_wait_minutes;
    return low !== undefined && high > low ? t("aheadRange", { n, m, low, high }) : t("ahead", { n, m });
  }
  return t(noWindow ? "nextNoWindow" : "next");
}

/** What a no-show can do now: go back and rejoin as the hall's rule says, or, its day over, take a new ticket. */
function nextStep(status) {
  if (status.ticket.status !== "no_show") return "";
  if (status.final) return t("noShowOver");
  const where = status.ticket.window ? t("atWindow", { w: status.ticket.window }) : t("atDesk");
  const rule = status.rejoin || { policy: "back" };
  return rule.policy === "behind" ? t("rejoinBehind", { where, n: rule.places }) : t("rejoinBack", { where });
}

function render(status) {
  const ticket = status.ticket;
  const inHall = { lang: t.lang(), timeZone: status.timezone };
  $("hall-name").textContent = status.hall_name;
  document.title = `${ticket.number} · ${t("title")}`;
  $("phone-number").textContent = ticket.number;
  const [headline, detail] = describe(status);
  const box = $("phone-status");
  box.textContent = headline;
  box.className = `phone-status ${ticket.status}`;
  $("phone-detail").textContent = summonedMinutes ? t("summoned", { m: summonedMinutes }) : detail;
  const next = nextStep(status);
  $("phone-next").hidden = !next;
  $("phone-next-text").textContent = next;
  $("phone-service").textContent = status.service_name;
  $("phone-zone").textContent = [status.zone_name, floorName(t, status.floor)].filter(Boolean).join(" · ");
  $("phone-issued").textContent = clockTime(ticket.issued_at, inHall);
  $("phone-holder-row").hidden = !ticket.holder;
  $("phone-holder").textContent = ticket.holder || "";
  $("phone-note-row").hidden = !ticket.message;
  $("phone-note").textContent = ticket.message || "";
  $("phone-updated").textContent = clockTime(new Date(), { ...inHall, seconds: true });
  $("phone-ticket").hidden = false;
  $("phone-error").hidden = true;
  if (ticket.status === "called" && ticket.call_count > lastCallCount && navigator.vibrate) navigator.vibrate([400, 150, 400]);
  lastCallCount = ticket.call_count;
}

function show(status) {
  last = status;
  if ("summons" in status) applySummons(status.summons); // a snapshot says; a pushed status does not
  render(status);
  if (isFinal(status)) stopFollowing();
  if (status.ticket.status === "done" && rating === null) loadRating();
}

// -- 好差评 ------------------------------------------------------------------------

async function loadRating() {
  rating = {}; // asked once
  try {
    rating = await api(`/api/v1/public/tickets/${encodeURIComponent(TOKEN)}/rating`);
  } catch (err) {
    rating = null; // asked again with the next status
    return;
  }
  const given = rating.rating;
  if (given) rateNote = { code: "rated", vars: { level: given.level } };
  else if (rating.phone_seconds_left <= 0) rateNote = { code: "rateOver" };
  else {
    ratingForm = new RatingForm($("rate-box"), { t, rules: rating.rules, onSubmit: rate });
    ratingForm.ask();
  }
  renderRating();
}

async function rate(answer) {
  try {
    const answered = await api(`/api/v1/public/tickets/${encodeURIComponent(TOKEN)}/rating`,
      { method: "POST", body: answer });
    ratingForm = null;
    rateNote = { code: "rated", vars: { level: answered.rating.level } };
  } catch (err) {
    const over = ["already_rated", "rating_closed", "not_finished"].includes(err.code);
    if (over) ratingForm = null; // nothing more to ask
    rateNote = { code: err.code in RATING_MESSAGES ? err.code : null, text: ratingError(t, err), refused: true };
  }
  renderRating();
}

function renderRating() {
  $("phone-rate").hidden = !ratingForm && !rateNote;
  $("rate-box").hidden = !ratingForm;
  const box = $("rate-message");
  box.hidden = !rateNote;
  if (!rateNote) return;
  const vars = rateNote.vars?.level ? { level: t(rateNote.vars.level) } : {};
  box.textContent = rateNote.code ? t(rateNote.code, vars) : rateNote.text;
  box.dataset.kind = rateNote.refused ? "refused" : "note";
}

/** Nothing more will happen to the ticket: close its socket on purpose, and so show no outage. */
function stopFollowing() {
  finished = true;
  live.stop();
  document.body.classList.remove("offline");
  document.body.dataset.live = "final";
}

/** The ticket's own event: its new state at once; its place in the queue follows in the next status. */
function showEvent(event) {
  if (last && event.summons?.ticket_id === last.ticket.id) {
    applySummons(event.summons);
    render(last);
  }
  if (last && event.ticket?.id === last.ticket.id) show({ ...last, ticket: event.ticket });
}

/** The department summoned for the ticket (from an event, or the snapshot of a page opened late): open until its officer arrives. */
function applySummons(summons) {
  const open = summons && (summons.status === "open" || summons.status === "acknowledged");
  summonedMinutes = open ? Math.round((Date.parse(summons.due_at) - Date.parse(summons.created_at)) / 60000) : null;
}

/** The socket could not open before anything was shown: ask once why (a wrong link, or no network). */
async function explain() {
  try {
    show(await api(`/api/v1/public/tickets/${encodeURIComponent(TOKEN)}`));
  } catch (err) {
    if (err.status === 0) return;
    const box = $("phone-error");
    box.textContent = err.status === 404 ? t("notFound") : t(err.code in MESSAGES ? err.code : "failed");
    box.hidden = false;
    $("phone-ticket").hidden = true;
    if (err.status === 404) {
      live.stop();
      document.body.classList.remove("offline"); // the link is wrong, not the network
    }
  }
}

function main() {
  $("lang").addEventListener("click", () => {
    t.setLang(t.lang() === "zh" ? "en" : "zh");
    $("lang").textContent = t.lang() === "zh" ? "English" : "中文";
    if (last) render(last);
    ratingForm?.render();
    renderRating();
  });
  t.setLang(t.lang());
  $("lang").textContent = t.lang() === "zh" ? "English" : "中文";
  let explained = false;
  live = new LiveFeed({
    ticket: TOKEN,
    onSnapshot: show,
    onTicketStatus: show,
    onEvent: showEvent,
    onStatus: (status) => {
      if (finished) return;
      document.body.dataset.live = status;
      document.body.classList.toggle("offline", status !== "online");
      if (status !== "online" && !last && !explained) {
        explained = true;
        explain();
      }
    },
  });
  live.start();
}

main();
