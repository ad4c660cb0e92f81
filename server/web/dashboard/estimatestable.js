// 等候预估准确度: how close today's waits told at issue came to the waits until the
// first call, per zone with the whole hall at the foot (GET /api/v1/stats/estimates
// ?by=zone and ?by=hall: the tickets told an estimate and called at least once).
import { el } from "/static/common/dom.js";
import { percent } from "/static/common/format.js";
import { showEmpty } from "/static/dashboard/statstable.js";

export const ESTIMATE_TEXTS = {
  estimatesTitle: { zh: "等候预估准确度", en: "Wait estimate accuracy" },
  estimatesHint: {
    zh: "误差 = 取号时告知的预计等候 − 实际等候（取号至首次叫号）；偏差为负：告知的等候偏短",
    en: "Error = wait told at issue − actual wait (issue to first call); a negative bias: told too short",
  },
  colEstZone: { zh: "区域", en: "Zone" },
  colEstTickets: { zh: "已叫号", en: "Called" },
  colEstMae: { zh: "平均误差（分钟）", en: "MAE (min)" },
  colEstWithin: { zh: "±5分钟内", en: "Within ±5 min" },
  colEstBias: { zh: "偏差（分钟）", en: "Bias (min)" },
  estimatesHall: { zh: "全馆", en: "Whole hall" },
  estimatesEmpty: { zh: "今日暂无已叫号的取号可评估", en: "No ticket called today to measure yet" },
};

const COLUMNS = 5;

/** body: the <tbody>; estimates: {zones, hall} reports (null before the first); t: the translator. */
export function renderEstimatesTable(body, estimates, t) {
  if (!estimates?.zones.groups.length) {
    showEmpty(body, estimates ? t("estimatesEmpty") : "", COLUMNS);
    return;
  }
  body.replaceChildren(
    ...estimates.zones.groups.map((g) => accuracyRow(g, t("zoneCode", { code: g.key }), { zone: g.key })),
    ...estimates.hall.groups.map((g) => accuracyRow(g, t("estimatesHall"), { total: "hall" })),
  );
}

function accuracyRow(g, label, data) {
  const row = el("tr", data.total ? "total day-total" : "");
  Object.assign(row.dataset, data);
  row.append(
    el("th", "", label),
    el("td", "num", String(g.tickets)),
    el("td", "num", g.mae_min.toFixed(1)),
    el("td", "num", percent(g.within_5_share)),
    el("td", `num ${g.bias_min < 0 ? "short" : ""}`, signed(g.bias_min)),
  );
  return row;
}

/** Minutes with their sign: "+2.5", "−4.0", "0.0". */
function signed(value) {
  const text = Math.abs(value).toFixed(1);
  return text === "0.0" ? text : `${value > 0 ? "+" : "−"}${text}`;
}
