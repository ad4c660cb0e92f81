// The 事进人不进 department officer's page (部门办件通知), on a phone or a desk PC:
// the department's open summons, each with its window, floor and zone, ticket
// and service, the time since it came and the countdown to the arrival
// deadline (green, yellow from warn_at, red after due_at on the hall's clock),
// and the 确认收到 and 已到达 buttons. A new summons shows at once: the page
// follows its department's live topic (department:<id>); a manager signed in
// here follows the whole hall's. Texts go in with textContent.
import { el, floorName } from "/static/common/dom.js";
import { clockTime, duration } from "/static/common/format.js";
import { makeTranslator } from "/static/common/i18n.js";
import { LiveFeed, showLiveStatus } from "/static/common/live.js";
import { STAFF_TEXTS, StaffShell } from "/static/common/staff.js";
import {
  HallClock, SUMMONS_TEXTS, summonsCountdown, summonsLight, summonsStatus,
} from "/static/common/summons.js";
import { ERROR_TEXTS, describeError } from "/static/console/errors.js";

const REFRESH_MS = 30 * 1000; // the live feed keeps the list; a re-read also corrects the clock

const t = makeTranslator({
  ...STAFF_TEXTS,
  ...ERROR_TEXTS,
  ...SUMMONS_TEXTS,
  title: { zh: "部门办件通知", en: "Department summons" },
  loginTitle: { zh: "部门工作人员登录", en: "Department officer sign-in" },
  notOfficer: {
    zh: "{name}（{id}）不是事进人不进部门的工作人员：本页仅限部门工作人员登录。",
    en: "{name} ({id}) is no department officer: this page is for department officers.",
  },
  hallTime: { zh: "大厅时间", en: "Hall time" },
  wholeHall: { zh: "全部部门", en: "All departments" },
  sla: { zh: "接到通知后请于 {minutes} 分钟内到达窗口", en: "Be at the window within {minutes} minutes of the summons" },
  none: { zh: "暂无待办通知", en: "No open summons" },
  window: { zh: "{n} 号窗口", en: "Window {n}" },
  floor: { zh: "{floor}楼", en: "Floor {floor}" },
  zone: { zh: "{code}区", en: "zone {code}" },
  universal: { zh: "综合受理", en: "universal" },
  ticket: { zh: "{number} 号 · {service}", en: "{number} · {service}" },
  since: { zh: "{time} 通知，已过 {d}", en: "summoned {time}, {d} ago" },
  acknowledge: { zh: "确认收到", en: "Acknowledge" },
  arrive: { zh: "已到达", en: "Arrived" },
  acknowledgedOk: { zh: "已确认收到 {number} 号的通知", en: "Summons of {number} acknowledged" },
  arrivedOk: { zh: "已登记到达 {n} 号窗口", en: "Arrival at window {n} recorded" },
});

const $ = (id) => document.getElementById(id);

const state = {
  hall: null,
  department: null, // the listing's department id, null for a manager
  departmentName: null,
  minutes: null,
  summons: new Map(), // id -> the open summons
  live: null,
};
const hallClock = new HallClock();

const shell = new StaffShell({
  page: "officer",
  t,
  admit: (staff) => (["officer", "manager", "admin"].includes(staff.role) ? null : t("notOfficer", { name: staff.name, id: staff.id })),
  enter: openList,
  leave: closeList,
  onLanguage: render,
  describe: (err) => describeError(t, err),
});

async function openList(_me, hall) {
  state.hall = hall;
  await refresh();
  shell.showView("list");
  const topics = [state.department ? `department:${state.department}` : "managers"];
  state.live = new LiveFeed({ token: shell.token, topics, onEvent: follow, onStatus: showLiveStatus });
  state.live.start();
}

function closeList() {
  state.live?.stop();
  state.live = null;
  state.summons.clear();
}

async function refresh() {
  const listing = await shell.authed("/api/v1/summons?state=open");
  hallClock.learn(listing.at);
  state.department = listing.department;
  state.departmentName = listing.department_name;
  state.minutes = listing.arrive_minutes;
  state.summons = new Map(listing.summons.map((s) => [s.id, s]));
  render();
}

function follow(event) {
  if (!event.summons) return;
  hallClock.learn(event.at);
  keep(event.summons);
}

/** Keep a summons while it is open; one arrived or cancelled leaves the list. */
function keep(summons) {
  if (summons.status === "arrived" || summons.status === "cancelled") state.summons.delete(summons.id);
  else state.summons.set(summons.id, summons);
  render();
}

function render() {
  if (!state.hall) return;
  $("department-name").textContent = state.departmentName ?? t("wholeHall");
  $("sla").textContent = state.minutes ? t("sla", { minutes: state.minutes }) : "";
  tick();
}

/** The countdowns and lights move on with the hall's clock. */
function tick() {
  const now = hallClock.now();
  $("hall-clock").textContent = clockTime(now, { lang: t.lang(), timeZone: state.hall?.timezone, seconds: true });
  const open = [...state.summons.values()].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  const list = $("summons-list");
  if (!open.length) {
    list.replaceChildren(el("li", "empty", t("none")));
    return;
  }
  list.replaceChildren(...open.map((s) => card(s, now)));
}

function card(summons, now) {
  const item = el("li", "summons");
  item.dataset.id = String(summons.id);
  item.dataset.light = summonsLight(summons, now);
  item.dataset.status = summons.status;
  const top = el("div", "s-top");
  top.append(el("span", "s-window", t("window", { n: summons.window })), el("span", "s-place", place(summons.window)));
  const times = el("div", "s-times");
  times.append(el("span", "s-countdown", summonsCountdown(t, summons, now)),
    el("span", "s-since", t("since", {
      time: clockTime(summons.created_at, { lang: t.lang(), timeZone: state.hall.timezone }),
      d: duration((now - Date.parse(summons.created_at)) / 1000),
    })));
  const buttons = el("div", "s-buttons");
  const acknowledge = el("button", "acknowledge", t("acknowledge"));
  acknowledge.type = "button";
  acknowledge.disabled = summons.status !== "open";
  acknowledge.addEventListener("click", () => step(summons, "acknowledge"));
  const arrive = el("button", "arrive", t("arrive"));
  arrive.type = "button";
  arrive.addEventListener("click", () => step(summons, "arrive"));
  buttons.append(acknowledge, arrive);
  item.append(top, el("div", "s-ticket", t("ticket", { number: summons.number, service: summons.service_name })),
    times, el("span", "s-status", summonsStatus(t, summons)), buttons);
  return item;
}

/** "二楼 · A区" from the hall's layout. */
function place(number) {
  const info = state.hall.windows.find((w) => w.number === number);
  if (!info) return "";
  const where = info.zone ? t("zone", { code: info.zone }) : t("universal");
  return [floorName(t, info.floor), where].filter(Boolean).join(" · ");
}

async function step(summons, action) {
  try {
    const answer = await shell.authed(`/api/v1/summons/${summons.id}/${action}`, { method: "POST" });
    keep(answer.summons);
    shell.say(action === "arrive" ? t("arrivedOk", { n: summons.window }) : t("acknowledgedOk", { number: summons.number }));
  } catch (err) {
    shell.showError(err);
  }
}

setInterval(() => state.hall && document.body.dataset.view === "list" && tick(), 1000);
setInterval(() => document.body.dataset.view === "list" && refresh().catch((err) => shell.showError(err)), REFRESH_MS);
shell.start();
