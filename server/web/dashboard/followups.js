// 差评整改 on the dashboard: every open bad-rating case (window, staff, service, rating,
// reasons, deadline, state) with its callback and fix forms, and the yellow and red
// alarms of those near or past their deadline. Where a case stands is read from its
// warn_at and due_at against the hall's clock at every tick, as the server reads it, so
// the alarms turn at their moments with no event to bring them. The citizen's own words
// are shown here only: the managers' list has them, the events never do.
import { el } from "/static/common/dom.js";
import { EVENT_KINDS } from "/static/common/events.js";

export const FOLLOW_UP_TEXTS = {
  casesTitle: { zh: "差评整改", en: "Bad-rating follow-up" },
  casesOk: { zh: "差评整改：无临期或超期", en: "Follow-up: nothing near or past its deadline" },
  casesAlarm: { zh: "差评整改告警 {n}", en: "Follow-up alarms: {n}" },
  caseNear: { zh: "{window} 号窗口 {number} 差评临近整改期限 {deadline}", en: "Window {window} {number}: follow-up due {deadline}" },
  caseOverdue: { zh: "{window} 号窗口 {number} 差评整改已超期（期限 {deadline}）", en: "Window {window} {number}: follow-up overdue (due {deadline})" },
  casesNone: { zh: "暂无待整改的差评", en: "No open bad-rating cases" },
  colCaseWindow: { zh: "窗口", en: "Window" },
  colCaseStaff: { zh: "工作人员", en: "Staff" },
  colCaseService: { zh: "事项", en: "Service" },
  colCaseRating: { zh: "评价", en: "Rating" },
  colCaseReasons: { zh: "原因", en: "Reasons" },
  colCaseDeadline: { zh: "期限", en: "Deadline" },
  colCaseState: { zh: "状态", en: "State" },
  case_open: { zh: "待办", en: "Open" },
  case_warning: { zh: "临期", en: "Due soon" },
  case_overdue: { zh: "超期", en: "Overdue" },
  case_closed: { zh: "已办结", en: "Closed" },
  calledBack: { zh: "已回访", en: "Called back" },
  fixed: { zh: "已整改", en: "Fixed" },
  attempts: { zh: "回访 {n} 次", en: "{n} callback(s)" },
  doCallback: { zh: "回访", en: "Callback" },
  doFix: { zh: "整改", en: "Fix" },
  callbackTitle: { zh: "登记回访", en: "Record a callback" },
  fixTitle: { zh: "登记整改", en: "Record the fix" },
  reachedYes: { zh: "已联系上", en: "Reached" },
  reachedNo: { zh: "未联系上", en: "Not reached" },
  callbackNote: { zh: "回访情况", en: "What was said" },
  fixNote: { zh: "整改措施", en: "What was done" },
  citizenWords: { zh: "群众留言：{text}", en: "The citizen wrote: {text}" },
  save: { zh: "保存", en: "Save" },
  cancelCase: { zh: "取消", en: "Cancel" },
  caseSaved: { zh: "已保存", en: "Saved" },
  already_called_back: { zh: "该差评已完成回访", en: "The citizen has been called back already" },
  already_fixed: { zh: "该差评已登记整改", en: "The fix is recorded already" },
  case_closed: { zh: "该差评已办结", en: "The case is closed" },
};

const KINDS = new Set([EVENT_KINDS.FOLLOW_UP_OPENED, EVENT_KINDS.FOLLOW_UP_CALLED_BACK,
  EVENT_KINDS.FOLLOW_UP_FIXED, EVENT_KINDS.FOLLOW_UP_CLOSED]);

/** "closed", "overdue", "warning" or "open" at `now` (ms): server.follow_ups.state_of. */
export function caseState(c, now) {
  if (c.closed_at) return "closed";
  if (now >= Date.parse(c.due_at)) return "overdue";
  return now >= Date.parse(c.warn_at) ? "warning" : "open";
}

export class FollowUpsPanel {
  /** `shell` calls the API, `t` translates, `now()` is the hall's clock (ms), `day(iso)` a deadline's words. */
  constructor({ shell, t, now, day }) {
    Object.assign(this, { shell, t, now, day });
    this.cases = new Map(); // id -> case, open ones only
    this.dialogCase = null;
    document.getElementById("callback-form").addEventListener("submit", (e) => this.submit(e, "callback"));
    document.getElementById("fix-form").addEventListener("submit", (e) => this.submit(e, "fix"));
    for (const button of document.querySelectorAll("dialog [data-close]")) {
      button.addEventListener("click", () => button.closest("dialog").close());
    }
  }

  async refresh() {
    try {
      const { follow_ups: cases } = await this.shell.authed("/api/v1/follow-ups?state=open");
      this.cases = new Map(cases.map((c) => [c.id, c]));
      this.render();
    } catch (err) {
      if (err.status === 401) this.shell.showError(err);
    }
  }

  /** A case's step from the `managers` topic; a new case is read for the citizen's words. */
  onEvent(event) {
    if (!KINDS.has(event?.kind)) return false;
    const c = event.case;
    if (event.kind === EVENT_KINDS.FOLLOW_UP_OPENED) this.refresh();
    else if (c.closed_at) this.cases.delete(c.id);
    else this.cases.set(c.id, { ...c, rating: { ...c.rating, comment: this.cases.get(c.id)?.rating.comment } });
    this.render();
    return true;
  }

  render() {
    const now = this.now();
    const cases = [...this.cases.values()];
    this.renderAlarms(cases, now);
    const body = document.getElementById("cases-body");
    if (!cases.length) {
      const row = el("tr");
      const cell = el("td", "muted", this.t("casesNone"));
      cell.colSpan = 8;
      row.append(cell);
      body.replaceChildren(row);
      return;
    }
    body.replaceChildren(...cases.map((c) => this.row(c, caseState(c, now))));
  }

  renderAlarms(cases, now) {
    const items = [];
    for (const c of cases) {
      const state = caseState(c, now);
      if (state !== "warning" && state !== "overdue") continue;
      const item = el("li", `alarm ${state === "overdue" ? "red" : "yellow"}`);
      item.dataset.case = String(c.id);
      item.append(el("b", "", this.t(state === "overdue" ? "caseOverdue" : "caseNear",
        { window: c.rating.window, number: c.rating.number, deadline: this.day(c.deadline) })));
      items.push(item);
    }
    document.getElementById("cases-list").replaceChildren(...items);
    const red = items.some((item) => item.classList.contains("red"));
    document.getElementById("cases-alarm").className = `alarms ${items.length ? (red ? "red" : "yellow") : "ok"}`;
    document.getElementById("cases-title").textContent = items.length ? this.t("casesAlarm", { n: items.length })
      : this.t("casesOk");
  }

  row(c, state) {
    const t = this.t;
    const r = c.rating;
    const tr = el("tr", `case ${state}`);
    tr.dataset.case = String(c.id);
    const rating = el("td", "", t(r.level));
    if (r.comment) rating.title = t("citizenWords", { text: r.comment });
    const steps = [];
    steps.push(c.called_back ? t("calledBack") : t("attempts", { n: c.callbacks.length }));
    if (c.fix) steps.push(t("fixed"));
    const actions = el("td", "case-actions");
    if (!c.called_back) actions.append(this.button(c, "callback", t("doCallback")));
    if (!c.fix) actions.append(this.button(c, "fix", t("doFix")));
    tr.append(el("td", "num", String(r.window)), el("td", "", r.staff_name ?? r.staff_id ?? ""),
      el("td", "", r.service_name), rating, el("td", "", r.reason_names.map((n) => n[t.lang()] ?? n.zh).join(t.lang() === "zh" ? "、" : ", ")),
      el("td", "num", this.day(c.deadline)),
      el("td", "case-state", `${t(`case_${state}`)} · ${steps.join(" · ")}`), actions);
    return tr;
  }

  button(c, step, label) {
    const button = el("button", "small", label);
    button.type = "button";
    button.dataset.step = step;
    button.addEventListener("click", () => this.open(c, step));
    return button;
  }

  open(c, step) {
    this.dialogCase = c.id;
    const dialog = document.getElementById(`dlg-${step}`);
    dialog.querySelector("form").reset();
    dialog.showModal();
  }

  async submit(event, step) {
    event.preventDefault();
    const form = event.target;
    const body = { note: form.querySelector("textarea").value.trim() };
    if (step === "callback") body.reached = form.querySelector("input[name=reached]:checked").value === "yes";
    form.closest("dialog").close();
    try {
      const { follow_up: c } = await this.shell.authed(`/api/v1/follow-ups/${this.dialogCase}/${step}`,
        { method: "POST", body });
      if (c.closed_at) this.cases.delete(c.id);
      else this.cases.set(c.id, c);
      this.render();
      this.shell.say(this.t("caseSaved"));
    } catch (err) {
      this.shell.showError(err); // its code in this page's words
    }
  }
}
