// The citizen's phone page, opened from the ticket's QR code: /t/<status token>.
// Shows the place in the queue and, when called, the window to go to. Live
// through the ticket's own feed: a snapshot of its status, its own events, and
// the status the server pushes whenever its place in the queue changes.
import { floorName } from "/static/common/dom.js";
import { api } from "/static/common/api.js";
import { clockTime } from "/static/common/format.js";
import { makeTranslator } from "/static/common/i18n.js";
import { LiveFeed } from "/static/common/live.js";

const TOKEN = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");

const t = makeTranslator({
  title: { zh: "排队进度", en: "Queue status" },
  yourNumber: { zh: "您的号码", en: "Your number" },
  service: { zh: "办理事项", en: "Service" },
  zone: { zh: "办理区域", en: "Area" },
  holder: { zh: "取号人", en: "Holder" },
  note: { zh: "备注", en: "Note" },
  updated: { zh: "更新于", en: "Updated" },
  tip: {
    zh: "本页会自动刷新，叫号时会提示您到哪个窗口办理。过号请到窗口或服务台咨询。",
    en: "This page updates by itself and tells you which window to go to when you are called.",
  },
  offline: { zh: "网络中断，正在重连…", en: "Connection lost, reconnecting…" },
  floor: { zh: "{floor}楼", en: "floor {floor}" },
  waiting: { zh: "排队中", en: "Waiting" },
  ahead: { zh: "前面还有 {n} 人，预计等候约 {m} 分钟", en: "{n} ahead of you, about {m} min" },
  next: { zh: "马上轮到您，请留意叫号", en: "You are next: listen for your number" },
  transferred: { zh: "已转至 {w} 号窗口，请等候叫号", en: "Transferred to window {w}: wait for your call" },
  called: { zh: "请到 {w} 号窗口办理", en: "Please go to window {w}" },
  calledAgain: { zh: "第 {k} 次叫号，请尽快前往", en: "Called {k} times: please hurry" },
  calledOnce: { zh: "窗口正在等您，请尽快前往", en: "The window is waiting for you" },
  serving: { zh: "正在 {w} 号窗口办理", en: "Being served at window {w}" },
  done: { zh: "已办结", en: "Finished" },
  doneDetail: { zh: "感谢您的耐心等待，欢迎对本次服务作出“好差评”评价。", en: "Thank you for waiting. Please rate our service." },
  noShow: { zh: "已过号", en: "Missed" },
  noShowDetail: { zh: "请到窗口或服务台咨询重新排队。", en: "Ask at the window or the service desk to rejoin the queue." },
  cancelled: { zh: "已取消", en: "Cancelled" },
  cancelledDetail: { zh: "此号已取消，如需办理请重新取号。", en: "This ticket was cancelled; take a new one if needed." },
  notFound: { zh: "找不到这张号票，请核对二维码或到服务台咨询。", en: "Ticket not found: check the QR code or ask at the desk." },
});

const FINAL = new Set(["done", "cancelled"]);
const $ = (id) => document.getElementById(id);

let last = null; // the status shown: {ticket, people_ahead, estimated_wait_minutes, hall_name, …}
let live = null;
let lastCallCount = 0;

function describe(status) {
  const ticket = status.ticket;
  switch (ticket.status) {
    case "waiting":
      if (ticket.target_window) return [t("waiting"), t("transferred", { w: ticket.target_window })];
      if (status.people_ahead > 0) {
        return [t("waiting"), t("ahead", { n: status.people_ahead, m: status.estimated_wait_minutes })];
      }
      return [t("waiting"), t("next")];
    case "called":
      return [t("called", { w: ticket.window }),
              ticket.call_count > 1 ? t("calledAgain", { k: ticket.call_count }) : t("calledOnce")];
    case "serving":
      return [t("serving", { w: ticket.window }), ""];
    case "done":
      return [t("done"), t("doneDetail")];
    case "no_show":
      return [t("noShow"), t("noShowDetail")];
    default:
      return [t("cancelled"), t("cancelledDetail")];
  }
}

function render(status) {
  const ticket = status.ticket;
  $("hall-name").textContent = status.hall_name;
  document.title = `${ticket.number} · ${t("title")}`;
  $("phone-number").textContent = ticket.number;
  const [headline, detail] = describe(status);
  const box = $("phone-status");
  box.textContent = headline;
  box.className = `phone-status ${ticket.status}`;
  $("phone-detail").textContent = detail;
  $("phone-service").textContent = status.service_name;
  $("phone-zone").textContent = [status.zone_name, floorName(t, status.floor)].filter(Boolean).join(" · ");
  $("phone-holder-row").hidden = !ticket.holder;
  $("phone-holder").textContent = ticket.holder || "";
  $("phone-note-row").hidden = !ticket.message;
  $("phone-note").textContent = ticket.message || "";
  $("phone-updated").textContent = clockTime(new Date(), { lang: t.lang(), seconds: true });
  $("phone-ticket").hidden = false;
  $("phone-error").hidden = true;
  if (ticket.status === "called" && ticket.call_count > lastCallCount && navigator.vibrate) navigator.vibrate([400, 150, 400]);
  lastCallCount = ticket.call_count;
}

function show(status) {
  last = status;
  render(status);
  if (FINAL.has(status.ticket.status)) live.stop();
}

/** The ticket's own event: its new state at once; its place in the queue follows in the next status. */
function showEvent(event) {
  if (last && event.ticket?.id === last.ticket.id) show({ ...last, ticket: event.ticket });
}

/** The socket could not open before anything was shown: ask once why (a wrong link, or no network). */
async function explain() {
  try {
    show(await api(`/api/v1/public/tickets/${encodeURIComponent(TOKEN)}`));
  } catch (err) {
    if (err.status === 0) return;
    const box = $("phone-error");
    box.textContent = err.status === 404 ? t("notFound") : err.message;
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
