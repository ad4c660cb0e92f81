// The manager's report page (考核报表): 周公示, 月通报 and 季评比 of one or several halls (a manager's
// further halls), as tables, as CSV and XLSX downloads, and printed on A4 (reports.css). The tables
// are the server's, the downloads' very cells; the month's notes (红旗窗口, 优秀服务标兵, the bottom
// three, accountability) are read from the report. Texts go in as textContent.
import { api, ApiError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { makeTranslator } from "/static/common/i18n.js";
import { STAFF_TEXTS, StaffShell } from "/static/common/staff.js";
import { ERROR_TEXTS, describeError } from "/static/console/errors.js";
import { fillTable } from "/static/reports/table.js";

const t = makeTranslator({
  ...STAFF_TEXTS,
  ...ERROR_TEXTS,
  title: { zh: "考核报表", en: "Reports" },
  loginTitle: { zh: "管理人员登录", en: "Manager sign-in" },
  notManager: { zh: "{name}（{id}）不是管理人员：本页仅限管理人员。", en: "{name} ({id}) is no manager: this page is for managers." },
  kind: { zh: "报表", en: "Report" },
  weekly: { zh: "周公示", en: "Weekly ranking" },
  monthly: { zh: "月通报", en: "Monthly report" },
  quarterly: { zh: "季评比", en: "Quarterly ranking" },
  period: { zh: "期间", en: "Period" },
  halls: { zh: "大厅", en: "Halls" },
  show: { zh: "查询", en: "Show" },
  csv: { zh: "下载 CSV", en: "Download CSV" },
  xlsx: { zh: "下载 Excel", en: "Download Excel" },
  print: { zh: "打印", en: "Print" },
  heading: { zh: "{period} {kind}", en: "{kind} {period}" },
  scope: { zh: "{halls} · {from} 至 {to}", en: "{halls} · {from} to {to}" },
  redFlags: { zh: "红旗窗口", en: "Red-flag windows" },
  modelStaff: { zh: "优秀服务标兵", en: "Model staff" },
  bottom: { zh: "末位窗口（低于 80 分）", en: "Bottom windows (below 80)" },
  accountability: { zh: "启动问责", en: "Accountability" },
  windowOf: { zh: "{hall} {n} 号窗口", en: "{hall} window {n}" },
  staffOf: { zh: "{name}（{hall} {n} 号窗口）", en: "{name} ({hall} window {n})" },
  pointsOf: { zh: "{where}：{points} 分", en: "{where}: {points} points" },
  dueOf: {
    zh: "{where}：一年内末位 {times} 次，连续 {row} 个月低于 80 分",
    en: "{where}: bottom {times} times within a year, below 80 for {row} months in a row",
  },
  none: { zh: "无", en: "None" },
  err_bad_parameter: { zh: "期间格式有误：周如 2026-W48，月如 2026-11，季度如 2026-Q4", en: "Period: a week as 2026-W48, a month as 2026-11, a quarter as 2026-Q4" },
  err_other_hall: { zh: "您无权查看该大厅的报表", en: "You may not see that hall's reports" },
});
const PLACEHOLDER = { weekly: "2026-W48", monthly: "2026-11", quarterly: "2026-Q4" };
const $ = (id) => document.getElementById(id);
const state = { halls: [], report: null, kind: "monthly" };

const shell = new StaffShell({
  page: "reports",
  t,
  admit: (staff) => (["manager", "admin"].includes(staff.role) ? null : t("notManager", { name: staff.name, id: staff.id })),
  enter: open,
  onLanguage: render,
  describe: (err) => describeError(t, err),
});

async function open(me) {
  const health = await api("/api/v1/health");
  const mine = [me.hall, ...me.staff.halls];
  state.halls = health.halls.filter((h) => mine.includes(h.id));
  $("halls").replaceChildren($("halls").firstElementChild, ...state.halls.map((hall) => {
    const label = el("label", "check");
    const box = el("input");
    Object.assign(box, { type: "checkbox", value: hall.id, checked: hall.id === me.hall });
    label.append(box, el("span", "", hall.name));
    return label;
  }));
  shell.showView("report");
  await load();
}

function query() {
  const params = new URLSearchParams();
  const halls = [...$("halls").querySelectorAll("input:checked")].map((box) => box.value);
  if (halls.length) params.set("halls", halls.join(","));
  if ($("period").value.trim()) params.set("period", $("period").value.trim());
  return params;
}

async function load() {
  state.kind = $("kind").value;
  try {
    state.report = await shell.authed(`/api/v1/reports/${state.kind}?${query()}`);
    render();
  } catch (err) {
    shell.showError(err);
  }
}

function hallName(id) {
  return state.halls.find((h) => h.id === id)?.name ?? id;
}

function notes(report) {
  const where = (item) => t("windowOf", { hall: hallName(item.hall), n: item.window });
  const lists = [
    ["redFlags", report.red_flag_windows.map(where)],
    ["modelStaff", report.model_staff.map((s) => t("staffOf", { name: s.name, hall: hallName(s.hall), n: s.window }))],
    ["bottom", report.bottom.map((b) => t("pointsOf", { where: where(b), points: b.points.toFixed(2) }))],
    ["accountability", report.accountability.map((a) => t("dueOf", { where: where(a), times: a.bottom_times, row: a.below_in_a_row }))],
  ];
  return lists.map(([key, items]) => {
    const box = el("section", `note note-${key}`);
    const list = el("ul");
    list.append(...(items.length ? items : [t("none")]).map((text) => el("li", "", text)));
    box.append(el("h3", "", t(key)), list);
    return box;
  });
}

function render() {
  const report = state.report;
  if (!report) return;
  const halls = report.halls.map((h) => (typeof h === "string" ? hallName(h) : h.name)).join("、");
  $("report-title").textContent = t("heading", { period: report.period, kind: t(state.kind) });
  $("report-scope").textContent = t("scope", { halls, from: report.from, to: report.to });
  $("notes").replaceChildren(...(state.kind === "monthly" ? notes(report) : []));
  $("tables").replaceChildren(...report.tables.map((table) => {
    const section = el("section", "report-table");
    const node = el("table");
    fillTable(node, table, t.lang());
    section.append(el("h3", "", table.title), node);
    return section;
  }));
}

async function download(kind) {
  try {
    const response = await fetch(`/api/v1/reports/${state.kind}.${kind}?${query()}`,
                                 { headers: { Authorization: `Bearer ${shell.token}` } });
    if (!response.ok) {
      const error = (await response.json().catch(() => ({}))).error || {};
      throw new ApiError(response.status, error.code || "error", error.message || `HTTP ${response.status}`);
    }
    const link = el("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = `${state.kind}-${state.report?.period ?? ""}.${kind}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (err) {
    shell.showError(err);
  }
}

$("pick").addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
$("kind").addEventListener("change", () => {
  $("period").placeholder = PLACEHOLDER[$("kind").value];
  $("period").value = "";
});
$("period").placeholder = PLACEHOLDER.monthly;
$("csv").addEventListener("click", () => download("csv"));
$("xlsx").addEventListener("click", () => download("xlsx"));
$("print").addEventListener("click", () => window.print());
shell.start();
