// 人员配置建议 on the dashboard: for today, per zone (and the universal windows) and hour, the
// windows needed to call the target share in time beside those open (hours begun) or
// rostered (hours to come), from GET /api/v1/staffing. A cell short of windows stands out;
// a zone that misses the target with all its windows shows its count with "+".
// The server works an advice out in a second or more and keeps it five minutes: the panel
// asks when the board opens, every quarter hour and on its refresh button.
import { el } from "/static/common/dom.js";

export const STAFFING_TEXTS = {
  staffingTitle: { zh: "人员配置建议", en: "Staffing advice" },
  staffingTarget: { zh: "目标：{share}% 在 {minutes} 分钟内叫号", en: "Target: {share}% called within {minutes} min" },
  staffingHistory: { zh: "依据：近{n}周同日取号", en: "From the same weekday of {n} week(s)" },
  staffingProfile: { zh: "依据：典型日客流（暂无历史）", en: "From a typical day (no history yet)" },
  staffingKey: { zh: "需要/在岗", en: "needed/open" },
  staffingShortKey: { zh: "窗口不足", en: "short" },
  staffingZone: { zh: "{code}区", en: "Zone {code}" },
  staffingUniversal: { zh: "无差别", en: "Universal" },
  staffingHour: { zh: "{h}时", en: "{h}:00" },
  staffingClosed: { zh: "今日不开放", en: "Closed today" },
  staffingWorking: { zh: "正在测算…", en: "Working it out…" },
  staffingCell: {
    zh: "{zone} {h}时：预计 {arrivals} 人，需要 {needed} 个窗口（{share} 按时叫号），{open}",
    en: "{zone} {h}:00: {arrivals} expected, {needed} windows needed ({share} called in time), {open}",
  },
  staffingUniversalCell: {
    zh: "无差别窗口 {h}时：需要 {needed} 个（补足窗口不足的区），{open}",
    en: "Universal windows {h}:00: {needed} needed (for zones short of their own), {open}",
  },
  staffingNotEnough: { zh: "本区窗口全部开放仍达不到目标", en: "not enough even with all the zone's windows" },
  open_observed: { zh: "实际开放 {n}", en: "{n} open" },
  open_signed_in: { zh: "当前在岗 {n}", en: "{n} signed in now" },
  open_last_week: { zh: "上周同日开放 {n}", en: "{n} open the same day last week" },
  open_unknown: { zh: "在岗未知", en: "open not known" },
};

const REFRESH_MS = 15 * 60 * 1000;

const STILL_WORKING_RETRY_MS = 3000; // the server's Retry-After for an advice it is still working out

export class StaffingPanel {
  /** `fetch(path)` calls the API, `t` translates, `today()` is the hall's day "YYYY-MM-DD" (null until known). */
  constructor({ fetch, t, today, onError }) {
    Object.assign(this, { fetch, t, today, onError });
    this.advice = null;
    this.busy = false;
    document.getElementById("btn-staffing").addEventListener("click", () => this.refresh());
    setInterval(() => this.refresh(), REFRESH_MS);
  }

  async refresh() {
    const day = this.today();
    if (!day || this.busy) return;
    this.busy = true;
    document.getElementById("btn-staffing").disabled = true;
    if (!this.advice) document.getElementById("staffing-note").textContent = this.t("staffingWorking");
    try {
      this.advice = await this.fetch(`/api/v1/staffing?day=${day}`);
      this.render();
    } catch (err) {
      if (err.code === "still_working") setTimeout(() => this.refresh(), STILL_WORKING_RETRY_MS); // worked out meanwhile
      else this.onError(err);
    } finally {
      this.busy = false;
      document.getElementById("btn-staffing").disabled = false;
    }
  }

  render() {
    const advice = this.advice;
    if (!advice) return;
    const t = this.t;
    const { forecast, target } = advice;
    document.getElementById("staffing-target").textContent = t("staffingTarget", {
      share: Math.round(target.share * 100), minutes: target.minutes });
    document.getElementById("staffing-source").textContent = forecast.source === "history"
      ? t("staffingHistory", { n: forecast.days.length }) : t("staffingProfile");
    document.getElementById("staffing-note").textContent = advice.hours.length ? "" : t("staffingClosed");
    const head = el("tr");
    head.append(el("th", "", ""), ...advice.hours.map((h) => el("th", "", t("staffingHour", { h }))));
    document.getElementById("staffing-head").replaceChildren(head);
    const zones = [...new Set(advice.rows.map((r) => r.zone))];
    const rows = zones.map((zone) => this.row(t("staffingZone", { code: zone }), zone,
      advice.rows.filter((r) => r.zone === zone), (r) => this.zoneHint(r)));
    if (advice.universal.some((u) => u.windows)) {
      rows.push(this.row(t("staffingUniversal"), "*", advice.universal, (u) => this.universalHint(u)));
    }
    document.getElementById("staffing-body").replaceChildren(...rows);
  }

  row(label, zone, cells, hint) {
    const tr = el("tr");
    tr.dataset.zone = zone;
    tr.append(el("th", "", label), ...cells.map((cell) => {
      const open = cell.open === null ? "—" : String(cell.open);
      const td = el("td", cellState(cell), `${cell.needed}${cell.enough ? "" : "+"}/${open}`);
      td.dataset.hour = String(cell.hour);
      td.title = hint(cell);
      return td;
    }));
    return tr;
  }

  openWords(cell) {
    return cell.open === null ? this.t("open_unknown") : this.t(`open_${cell.open_from}`, { n: cell.open });
  }

  zoneHint(r) {
    const share = r.called_within_share === null ? "—" : `${(100 * r.called_within_share).toFixed(0)}%`;
    const text = this.t("staffingCell", { zone: this.t("staffingZone", { code: r.zone }), h: r.hour,
      arrivals: r.arrivals.toFixed(1), needed: r.needed, share, open: this.openWords(r) });
    return r.enough ? text : `${text}${this.t.lang() === "zh" ? "；" : "; "}${this.t("staffingNotEnough")}`;
  }

  universalHint(u) {
    return this.t("staffingUniversalCell", { h: u.hour, needed: u.needed, open: this.openWords(u) });
  }
}

/** "short" when fewer are open than needed, "none" when none is needed nor open, "unknown" when
 * nobody knows what is open, else "ok". */
function cellState(cell) {
  if (cell.open === null) return "unknown";
  if (cell.open < cell.needed) return "short";
  if (!cell.needed && !cell.open) return "none";
  return "ok";
}
