// The day's course in three Apache ECharts charts (vendor/echarts.min.js, loaded
// by the page as a classic script: window.echarts): people waiting and the
// longest wait per zone every ten minutes, and tickets issued against served
// per hour. Data from GET /api/v1/stats/day; axis labels are hall times, made
// here in the hall's time zone (an ECharts time axis would use the browser's).
// Tooltips render into the canvas (richText): HTML tooltips carry inline
// styles, which the pages' Content-Security-Policy refuses.
import { clockTime } from "/static/common/format.js";

const COLOURS = ["#1f6fd1", "#d9480f", "#2b8a3e", "#ae3ec9", "#e8590c", "#0c8599", "#5f3dc4", "#c2255c", "#74b816",
  "#495057"];
const GRID = { left: 44, right: 12, top: 34, bottom: 24 };

export class DayCharts {
  /** nodes: {waiting, longest, flow} elements; t: the page's translator. */
  constructor(nodes, t) {
    this.t = t;
    this.charts = Object.fromEntries(Object.entries(nodes).map(([name, node]) => [name, globalThis.echarts.init(node)]));
    this.course = null;
    this.timeZone = undefined;
    const resize = new ResizeObserver(() => this.resize());
    for (const node of Object.values(nodes)) resize.observe(node);
  }

  show(course, timeZone) {
    this.course = course;
    this.timeZone = timeZone;
    this.render();
  }

  render() {
    const course = this.course;
    if (!course) return;
    const t = this.t;
    const time = (at) => clockTime(at, { lang: t.lang(), timeZone: this.timeZone });
    const samples = course.samples.map(time);
    const zoneName = (zone) => t("zoneCode", { code: zone });
    const perZone = (values) => course.zones.map((z, i) => ({
      name: zoneName(z.zone), type: "line", showSymbol: false, data: values(z), color: COLOURS[i % COLOURS.length],
    }));
    this.charts.waiting.setOption(lineChart(t("chartWaiting"), samples, perZone((z) => z.waiting), t("unitPeople")), true);
    this.charts.longest.setOption(lineChart(t("chartLongest"), samples,
      perZone((z) => z.longest_wait_s.map((s) => Math.round(s / 6) / 10)), t("unitMinutes")), true);
    const hours = course.hours.map((h) => time(h.at));
    this.charts.flow.setOption({
      ...base(t("chartFlow")),
      legend: { top: 4, right: 8, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 11 } },
      xAxis: { type: "category", data: hours, axisLabel: { fontSize: 11 } },
      yAxis: { type: "value", minInterval: 1, name: t("unitTickets"), nameTextStyle: { fontSize: 11 } },
      series: [
        { name: t("seriesArrivals"), type: "bar", data: course.hours.map((h) => h.arrivals), color: "#1f6fd1" },
        { name: t("seriesServed"), type: "bar", data: course.hours.map((h) => h.served), color: "#2b8a3e" },
      ],
    }, true);
  }

  resize() {
    for (const chart of Object.values(this.charts)) chart.resize();
  }
}

function base(title) {
  return {
    animation: false,
    title: { text: title, left: 4, top: 4, textStyle: { fontSize: 13, fontWeight: 700, color: "#3a4756" } },
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: GRID,
  };
}

function lineChart(title, samples, series, unit) {
  return {
    ...base(title),
    legend: { type: "scroll", top: 4, right: 8, left: 150, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 11 } },
    xAxis: { type: "category", data: samples, boundaryGap: false, axisLabel: { fontSize: 11 } },
    yAxis: { type: "value", minInterval: 1, name: unit, nameTextStyle: { fontSize: 11 } },
    series,
  };
}
