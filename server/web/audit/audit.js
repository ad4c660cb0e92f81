// 全程留痕: the manager's audit query on a desk PC (1366×768 and up). Filters (time range on the
// hall's clock, staff id, window, ticket, kind, outcome), the entries newest first a page at a
// time with "more" (the answer's cursor, so nothing is lost or repeated while the hall goes on),
// and the same query as a CSV file. The hall is the page's ?hall= (a manager of several halls),
// else the manager's own. All texts go in with textContent.
import { ApiError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { EVENT_KINDS } from "/static/common/events.js";
import { makeTranslator } from "/static/common/i18n.js";
import { STAFF_TEXTS, StaffShell } from "/static/common/staff.js";

const PAGE = 100;
const DETAIL = 9; // the column of an entry's detail

// Audit actions (server.audit.Action) and outcomes, in the order the filter offers them.
const ACTIONS = {
  sign_in: { zh: "登录", en: "Sign-in" },
  sign_out: { zh: "退出登录", en: "Sign-out" },
  lockout: { zh: "账号锁定", en: "Lockout" },
  unlock: { zh: "解除锁定", en: "Unlock" },
  take_over: { zh: "接岗", en: "Take-over" },
  follow_up_callback: { zh: "差评回访", en: "Callback" },
  follow_up_fix: { zh: "差评整改", en: "Fix" },
  assessment_entry: { zh: "考核录入", en: "Assessment entry" },
  config_reload: { zh: "配置重载", en: "Configuration reload" },
  device_added: { zh: "新增设备", en: "Device added" },
  device_changed: { zh: "修改设备", en: "Device changed" },
  device_revoked: { zh: "停用设备", en: "Device revoked" },
  staff_added: { zh: "新增人员", en: "Staff added" },
  staff_changed: { zh: "修改人员", en: "Staff changed" },
  staff_revoked: { zh: "停用人员", en: "Staff revoked" },
};
// Outcome words are keyed apart from messages: a reload's outcome "invalid" is also an error code.
const outcomeKey = (code) => `outcome_${code}`;
const OUTCOMES = {
  ok: { zh: "成功", en: "OK" },
  bad_credentials: { zh: "工号或密码错误", en: "Wrong id or password" },
  throttled: { zh: "尝试过于频繁", en: "Too many attempts" },
  locked: { zh: "账号已锁定", en: "Account locked" },
  invalid: { zh: "配置有误", en: "Invalid configuration" },
  refused: { zh: "不能在线生效", en: "Cannot apply live" },
};
const KINDS = {
  [EVENT_KINDS.TICKET_ISSUED]: { zh: "取号", en: "Ticket issued" },
  [EVENT_KINDS.TICKET_CALLED]: { zh: "叫号", en: "Called" },
  [EVENT_KINDS.TICKET_RECALLED]: { zh: "重呼", en: "Recalled" },
  [EVENT_KINDS.TICKET_STARTED]: { zh: "开始办理", en: "Service started" },
  [EVENT_KINDS.TICKET_FINISHED]: { zh: "办结", en: "Finished" },
  [EVENT_KINDS.TICKET_NO_SHOW]: { zh: "过号", en: "No-show" },
  [EVENT_KINDS.TICKET_NO_SHOW_UNDONE]: { zh: "撤销过号", en: "No-show undone" },
  [EVENT_KINDS.TICKET_TRANSFERRED]: { zh: "转办", en: "Transferred" },
  [EVENT_KINDS.TICKET_CANCELLED]: { zh: "取消", en: "Cancelled" },
  [EVENT_KINDS.TICKET_REJOINED]: { zh: "重新排队", en: "Rejoined" },
  [EVENT_KINDS.WINDOW_SIGNED_IN]: { zh: "窗口签到", en: "Window signed in" },
  [EVENT_KINDS.WINDOW_SIGNED_OUT]: { zh: "窗口签退", en: "Window signed out" },
  [EVENT_KINDS.WINDOW_PAUSED]: { zh: "暂停服务", en: "Window paused" },
  [EVENT_KINDS.WINDOW_RESUMED]: { zh: "恢复服务", en: "Window resumed" },
  [EVENT_KINDS.KIOSK_IDENTITY]: { zh: "读取身份证", en: "ID card read" },
  [EVENT_KINDS.KIOSK_CARD_ERROR]: { zh: "读卡失败", en: "Card read failed" },
  [EVENT_KINDS.KIOSK_PRINTED]: { zh: "打印票据", en: "Ticket printed" },
  [EVENT_KINDS.KIOSK_PRINT_FAILED]: { zh: "打印失败", en: "Printing failed" },
  [EVENT_KINDS.PRINT_REQUESTED]: { zh: "请求打印", en: "Print requested" },
  [EVENT_KINDS.DEVICE_STATUS]: { zh: "设备状态", en: "Device status" },
  [EVENT_KINDS.BOOKING_BOOKED]: { zh: "预约", en: "Booked" },
  [EVENT_KINDS.BOOKING_CANCELLED]: { zh: "取消预约", en: "Booking cancelled" },
  [EVENT_KINDS.BOOKING_CHECKED_IN]: { zh: "预约签到", en: "Booking checked in" },
  [EVENT_KINDS.SUMMONS_CREATED]: { zh: "通知部门", en: "Department summoned" },
  [EVENT_KINDS.SUMMONS_ACKNOWLEDGED]: { zh: "部门已确认", en: "Summons seen" },
  [EVENT_KINDS.SUMMONS_ARRIVED]: { zh: "部门已到达", en: "Officer arrived" },
  [EVENT_KINDS.SUMMONS_CANCELLED]: { zh: "取消通知", en: "Summons cancelled" },
  [EVENT_KINDS.RATING_GIVEN]: { zh: "好差评", en: "Rating" },
  [EVENT_KINDS.FOLLOW_UP_OPENED]: { zh: "差评立案", en: "Case opened" },
  [EVENT_KINDS.FOLLOW_UP_CALLED_BACK]: { zh: "回访登记", en: "Called back" },
  [EVENT_KINDS.FOLLOW_UP_FIXED]: { zh: "整改登记", en: "Fix recorded" },
  [EVENT_KINDS.FOLLOW_UP_CLOSED]: { zh: "差评办结", en: "Case closed" },
};

const t = makeTranslator({
  ...STAFF_TEXTS,
  ...ACTIONS,
  ...Object.fromEntries(Object.entries(OUTCOMES).map(([code, words]) => [outcomeKey(code), words])),
  ...KINDS,
  title: { zh: "全程留痕", en: "Audit trail" },
  loginTitle: { zh: "管理人员登录", en: "Manager sign-in" },
  loginHint: { zh: "全程留痕查询仅限管理人员使用", en: "The audit trail is for hall managers only" },
  notManager: {
    zh: "{name}（{id}）是窗口工作人员，没有管理权限：全程留痕查询仅限管理人员登录。",
    en: "{name} ({id}) is window staff, not a manager: only managers may query the audit trail.",
  },
  linkDashboard: { zh: "管理看板", en: "Dashboard" },
  fFrom: { zh: "开始时间", en: "From" },
  fTo: { zh: "结束时间", en: "To" },
  fStaff: { zh: "工号", en: "Staff id" },
  fWindow: { zh: "窗口", en: "Window" },
  fTicket: { zh: "票据编号", en: "Ticket id" },
  fKind: { zh: "类别", en: "Kind" },
  fOutcome: { zh: "结果", en: "Outcome" },
  anyKind: { zh: "全部类别", en: "All kinds" },
  anyOutcome: { zh: "全部结果", en: "All outcomes" },
  groupActions: { zh: "登录与管理操作", en: "Sign-ins and entries" },
  groupEvents: { zh: "业务事件", en: "Hall events" },
  search: { zh: "查询", en: "Search" },
  reset: { zh: "重置", en: "Reset" },
  csv: { zh: "导出 CSV", en: "Export CSV" },
  entriesTitle: { zh: "操作记录", en: "Entries" },
  count: { zh: "已显示 {n} 条", en: "{n} shown" },
  countAll: { zh: "共 {n} 条", en: "{n} in all" },
  empty: { zh: "没有符合条件的记录", en: "No entries match" },
  more: { zh: "更多", en: "More" },
  cAt: { zh: "时间", en: "Time" },
  cKind: { zh: "类别", en: "Kind" },
  cOutcome: { zh: "结果", en: "Outcome" },
  cActor: { zh: "操作人", en: "By" },
  cSubject: { zh: "对象", en: "On" },
  cCounterpart: { zh: "相关人员", en: "Also" },
  cWindow: { zh: "窗口", en: "Window" },
  cTicket: { zh: "票号", en: "Ticket" },
  cService: { zh: "事项", en: "Service" },
  cDetail: { zh: "详情", en: "Detail" },
  cAddress: { zh: "地址", en: "Address" },
  subject_window: { zh: "{n} 号窗口", en: "Window {n}" },
  subject_ticket: { zh: "票据 {n}", en: "Ticket {n}" },
  subject_follow_up: { zh: "差评整改 {n}", en: "Case {n}" },
  invalid: { zh: "查询条件有误，请检查后重试", en: "A search field is not right: check it and try again" },
  unreachable: { zh: "无法连接服务器", en: "Server unreachable" },
});

const $ = (id) => document.getElementById(id);

const shell = new StaffShell({
  page: "dashboard", // one manager session for the dashboard, the overview and this page
  t,
  admit: (staff) => (["manager", "admin"].includes(staff.role) ? null : t("notManager", { name: staff.name, id: staff.id })),
  enter: open,
  leave: () => { entries = []; },
  onLanguage: () => { fillChoices(); render(); },
  describe: (err) => (err.code && t(err.code) !== err.code ? t(err.code) : err.message),
});

let entries = []; // shown so far, newest first
let next = null; // the cursor of the page after them
let query = ""; // the filters of the entries shown, as a query string

function open() {
  $("link-dashboard").href = shell.inHall("/dashboard");
  fillChoices();
  shell.showView("trail");
  search();
}

function fillChoices() {
  const kind = $("f-kind");
  const chosen = kind.value;
  const group = (label, codes) => {
    const box = el("optgroup");
    box.label = t(label);
    box.append(...codes.map((code) => option(code, t(code))));
    return box;
  };
  kind.replaceChildren(option("", t("anyKind")), group("groupActions", Object.keys(ACTIONS)), group("groupEvents", Object.keys(KINDS)));
  kind.value = chosen;
  const outcome = $("f-outcome");
  const picked = outcome.value;
  outcome.replaceChildren(option("", t("anyOutcome")), ...Object.keys(OUTCOMES).map((code) => option(code, t(outcomeKey(code)))));
  outcome.value = picked;
}

function option(value, label) {
  const node = el("option", "", label);
  node.value = value;
  return node;
}

/** The moment a datetime-local value names on the hall's clock, as ISO in UTC. */
function onHallClock(local) {
  const asUtc = Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`);
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone: shell.hall.timezone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(asUtc)).map((p) => [p.type, p.value]));
  const shown = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return new Date(asUtc - (shown - asUtc)).toISOString();
}

function filters() {
  const params = new URLSearchParams();
  const from = $("f-from").value;
  const to = $("f-to").value;
  if (from) params.set("from", onHallClock(from));
  if (to) params.set("to", onHallClock(to));
  for (const [id, name] of [["f-staff", "staff"], ["f-window", "window"], ["f-ticket", "ticket"], ["f-kind", "kind"], ["f-outcome", "outcome"]]) {
    const value = $(id).value.trim();
    if (value) params.set(name, value);
  }
  return params;
}

async function search() {
  query = filters().toString();
  entries = [];
  next = null;
  await load();
}

async function load() {
  const params = new URLSearchParams(query);
  params.set("limit", String(PAGE));
  if (next) params.set("cursor", next);
  $("btn-more").disabled = true;
  try {
    const page = await shell.authed(`/api/v1/audit?${params}`);
    entries = [...entries, ...page.entries];
    next = page.next;
    shell.clearBanner();
  } catch (err) {
    shell.showError(err);
  } finally {
    $("btn-more").disabled = false;
    render();
  }
}

async function downloadCsv() {
  try {
    const response = await fetch(shell.inHall(`/api/v1/audit.csv?${filters()}`), {
      headers: { Authorization: `Bearer ${shell.token}` },
    });
    if (!response.ok) {
      const error = (await response.json().catch(() => ({}))).error || {};
      throw new ApiError(response.status, error.code || "error", error.message || `HTTP ${response.status}`);
    }
    const link = el("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = `audit-${shell.hall.id}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (err) {
    shell.showError(err instanceof ApiError ? err : new ApiError(0, "unreachable", String(err)));
  }
}

/** "window:15" as 15 号窗口, "follow_up:3" as 差评整改 3, a staff id as it is. */
function subjectText(subject) {
  const [, kind, n] = /^(window|ticket|follow_up):(\d+)$/.exec(subject || "") || [];
  return kind ? t(`subject_${kind}`, { n }) : subject;
}

function render() {
  $("entries").replaceChildren(...entries.map((entry) => {
    const row = el("tr");
    row.dataset.source = entry.source;
    row.dataset.kind = entry.kind;
    row.dataset.outcome = entry.outcome;
    const cells = [
      entry.at.slice(0, 19).replace("T", " "), t(entry.kind), t(outcomeKey(entry.outcome)), entry.actor, subjectText(entry.subject),
      entry.counterpart, entry.window, entry.ticket_number, entry.service, entry.detail, entry.address,
    ];
    row.append(...cells.map((value) => el("td", "", value === null || value === undefined ? "" : String(value))));
    row.children[DETAIL].lang = "en"; // the trail's own words, as the server recorded them
    return row;
  }));
  $("empty").hidden = entries.length > 0;
  $("btn-more").hidden = next === null;
  $("count").textContent = entries.length ? t(next === null ? "countAll" : "count", { n: entries.length }) : "";
}

$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});
$("btn-reset").addEventListener("click", () => {
  $("filters").reset();
  search();
});
$("btn-more").addEventListener("click", load);
$("btn-csv").addEventListener("click", downloadCsv);
shell.start();
