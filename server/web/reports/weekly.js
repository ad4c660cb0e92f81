// 周公示 on the lobby screen (1920×1080) and the centre's website: last week's ranking of the hall's
// windows and units, no token, nothing personal (windows and units only). ?hall= names the hall
// where the server runs several, ?period=YYYY-Www a week, ?lang=en English. Re-read every 5 minutes.
// A screen wider than a phone shows as many rows as fit and turns the page every 15 seconds (a lobby
// screen cannot be scrolled: the reference hall has 192 windows); ?all=1, or a phone, shows every row.
import { api } from "/static/common/api.js";
import { makeTranslator } from "/static/common/i18n.js";
import { fillTable } from "/static/reports/table.js";

const REFRESH_MS = 5 * 60 * 1000;
const PAGE_MS = 15 * 1000;
const EVERY_ROW = new URLSearchParams(location.search).has("all");
const WIDE = matchMedia("(min-width: 901px)");
const t = makeTranslator({
  title: { zh: "窗口服务周公示", en: "Weekly service ranking" },
  langSwitch: { zh: "English", en: "中文" },
  windows: { zh: "窗口排名", en: "Windows" },
  units: { zh: "单位排名", en: "Units" },
  span: { zh: "{week}（{from} 至 {to}）", en: "{week} ({from} to {to})" },
  how: {
    zh: "排名依次比较：满意率（高者在前）、办理时长指数（实际办理时长 ÷ 事项标准时长，低者在前）、平均等候（短者在前）。",
    en: "Ranked by satisfaction (highest first), then the handling index (time taken ÷ the services' typical time, lowest first), then the mean wait (shortest first).",
  },
  none: { zh: "该周暂无办结业务", en: "Nothing was served that week" },
  page: { zh: "第 {page}/{pages} 页", en: "page {page} of {pages}" },
  err_unreachable: { zh: "无法连接服务器，稍后自动重试", en: "Cannot reach the server: retrying shortly" },
  err_error: { zh: "暂时无法显示周公示", en: "The ranking cannot be shown just now" },
});
const $ = (id) => document.getElementById(id);
let report = null;
let turn = 0; // pages turned since the page was opened

function render() {
  if (!report) return;
  $("hall-name").textContent = report.halls.map((h) => h.name).join("、");
  $("span").textContent = t("span", { week: report.period, from: report.from, to: report.to });
  const [windows, units] = report.tables;
  fillTable($("windows"), windows, t.lang(), ["大厅"]);
  fillTable($("units"), units, t.lang(), ["大厅"]);
  $("message").textContent = windows.rows.length ? "" : t("none");
  showPage();
}

/** Show each table's rows of the current page: as many as fit in its board. */
function showPage() {
  const paged = !EVERY_ROW && WIDE.matches;
  document.body.classList.toggle("paged", paged);
  for (const id of ["windows", "units"]) {
    const table = $(id), label = $(`${id}-page`);
    const rows = [...(table.tBodies[0]?.rows || [])];
    for (const row of rows) row.hidden = false;
    label.textContent = "";
    if (!paged || !rows.length) continue;
    const board = table.closest(".board");
    const room = board.getBoundingClientRect().bottom - parseFloat(getComputedStyle(board).paddingBottom)
      - table.tBodies[0].getBoundingClientRect().top;
    const perPage = Math.max(1, Math.floor(room / rows[0].getBoundingClientRect().height));
    const pages = Math.ceil(rows.length / perPage), page = turn % pages;
    rows.forEach((row, i) => { row.hidden = Math.floor(i / perPage) !== page; });
    if (pages > 1) label.textContent = t("page", { page: page + 1, pages });
  }
}

async function load() {
  const params = new URLSearchParams(location.search);
  const query = new URLSearchParams();
  for (const name of ["hall", "period"]) if (params.get(name)) query.set(name, params.get(name));
  try {
    report = await api(`/api/v1/public/reports/weekly?${query}`);
    render();
  } catch (err) {
    $("message").textContent = t(`err_${err.code}`) === `err_${err.code}` ? t("err_error") : t(`err_${err.code}`);
  }
}

$("lang").addEventListener("click", () => {
  t.setLang(t.lang() === "zh" ? "en" : "zh");
  render();
});
t.setLang(t.lang());
load();
setInterval(load, REFRESH_MS);
setInterval(() => { turn += 1; showPage(); }, PAGE_MS);
addEventListener("resize", showPage);
