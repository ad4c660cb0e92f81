// 通知部门 at the desk: for a ticket of a 事进人不进 service the clerk summons its
// department, follows the summons (已通知 / 已确认 / 已到达, the countdown to the
// officer's deadline) from the window's live topic, and may cancel it.
// The console hands it the ticket at the window and every summons event.
import {
  HallClock, summonsCountdown, summonsLight, summonsStatus,
} from "/static/common/summons.js";

const $ = (id) => document.getElementById(id);

export const DESK_SUMMONS_TEXTS = {
  summon: { zh: "通知部门", en: "Summon department" },
  summonFor: { zh: "通知{department}到窗口", en: "Summon {department} to the window" },
  summonCancel: { zh: "取消通知", en: "Cancel summons" },
  summonedOk: { zh: "已通知{department}，{minutes}分钟内到达", en: "{department} summoned: due within {minutes} minutes" },
  summonsCancelledOk: { zh: "已取消对{department}的通知", en: "Summons of {department} cancelled" },
};

export class DeskSummons {
  /**
   * authed(path, options): the console's API call; act(run): runs it, saying a refusal in the console's words;
   * say(message): the console's message line; windowNo(): the window signed in at.
   */
  constructor({ t, authed, act, say, windowNo }) {
    Object.assign(this, { t, authed, act, say, windowNo });
    this.clock = new HallClock();
    this.hall = null;
    this.ticket = null;
    this.summons = null; // the latest summons of the ticket at the window
    $("btn-summon").addEventListener("click", () => this.summon());
    $("btn-summons-cancel").addEventListener("click", () => this.cancel());
  }

  /** The ticket at the window changed: a summons belongs to its ticket only. */
  show(hall, ticket) {
    this.hall = hall;
    if (this.summons && this.summons.ticket_id !== ticket?.id) this.summons = null;
    this.ticket = ticket;
    this.render();
  }

  /** The ticket's latest summons as the server has it at `at`, for a desk opened after it was made. */
  restore(summons, at) {
    this.clock.learn(at);
    this.summons = summons;
  }

  /** A summons event on the window's topic (ours, or made when service started in a hall that summons by itself). */
  follow(event) {
    if (!event.summons || event.summons.ticket_id !== this.ticket?.id) return;
    this.clock.learn(event.at);
    this.summons = event.summons;
    this.render();
  }

  department() {
    return this.hall?.services.find((s) => s.code === this.ticket?.service)?.summons ?? null;
  }

  summon() {
    return this.act(async () => {
      const { summons } = await this.authed(`/api/v1/windows/${this.windowNo()}/summons`, { method: "POST" });
      this.clock.learn(summons.created_at);
      this.summons = summons;
      this.render();
      const minutes = Math.round((Date.parse(summons.due_at) - Date.parse(summons.created_at)) / 60000);
      this.say(this.t("summonedOk", { department: summons.department_name, minutes }));
    });
  }

  cancel() {
    return this.act(async () => {
      const { summons } = await this.authed(`/api/v1/summons/${this.summons.id}/cancel`, { method: "POST" });
      this.summons = summons;
      this.render();
      this.say(this.t("summonsCancelledOk", { department: summons.department_name }));
    });
  }

  render() {
    const department = this.department();
    $("summons-row").hidden = !department;
    if (!department) return;
    const open = this.summons && ["open", "acknowledged"].includes(this.summons.status);
    const button = $("btn-summon");
    button.textContent = this.t("summon");
    button.title = this.t("summonFor", { department });
    button.hidden = Boolean(this.summons && this.summons.status !== "cancelled");
    $("btn-summons-cancel").textContent = this.t("summonCancel");
    $("btn-summons-cancel").hidden = !open;
    $("summons-state").hidden = !this.summons;
    this.tick();
  }

  /** The countdown and light move on with the hall's clock. */
  tick() {
    const summons = this.summons;
    const state = $("summons-state");
    if (!summons || $("summons-row").hidden) return;
    const now = this.clock.now();
    state.dataset.light = summonsLight(summons, now);
    const open = ["open", "acknowledged"].includes(summons.status);
    state.textContent = open ? `${summonsStatus(this.t, summons)} · ${summonsCountdown(this.t, summons, now)}`
      : summonsStatus(this.t, summons);
  }
}
