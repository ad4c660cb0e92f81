// A summons of a 事进人不进 department as every staff page shows it: its light
// and countdown on the hall's clock (the server's rule in server/summons.py:
// yellow from warn_at, red after due_at, done once arrived or cancelled), and
// the texts for it, refusals as err_<code>. Pages add SUMMONS_TEXTS to their dictionary.
import { duration } from "/static/common/format.js";

export const SUMMONS_TEXTS = {
  sOpen: { zh: "已通知", en: "Notified" },
  sAcknowledged: { zh: "已确认", en: "Acknowledged" },
  sArrived: { zh: "已到达", en: "Arrived" },
  sCancelled: { zh: "已取消", en: "Cancelled" },
  sLeft: { zh: "剩余 {d}", en: "{d} left" },
  sLate: { zh: "超时 {d}", en: "{d} late" },
  err_not_summoned_service: { zh: "该事项不是事进人不进事项，无需通知部门", en: "This service summons no department" },
  err_already_summoned: { zh: "已通知部门，请勿重复通知", en: "The department is already summoned" },
  err_summons_acknowledged: { zh: "该通知已确认收到", en: "The summons is already acknowledged" },
  err_summons_arrived: { zh: "工作人员已到达", en: "The officer has already arrived" },
  err_summons_cancelled: { zh: "该通知已取消", en: "The summons was cancelled" },
  err_not_your_department: { zh: "这不是您部门的通知", en: "The summons is for another department" },
  err_not_an_officer: { zh: "仅限事进人不进部门的工作人员或管理人员", en: "Department officers and managers only" },
};

const STATUS_KEYS = { open: "sOpen", acknowledged: "sAcknowledged", arrived: "sArrived", cancelled: "sCancelled" };

/** green, yellow or red at `now` (ms, the hall's clock) while open; done once arrived or cancelled. */
export function summonsLight(summons, now) {
  if (summons.status === "arrived" || summons.status === "cancelled") return "done";
  if (now > Date.parse(summons.due_at)) return "red";
  return now >= Date.parse(summons.warn_at) ? "yellow" : "green";
}

/** "剩余 4:59" before the deadline, "超时 1:02" after it. */
export function summonsCountdown(t, summons, now) {
  const left = (Date.parse(summons.due_at) - now) / 1000;
  return left >= 0 ? t("sLeft", { d: duration(left) }) : t("sLate", { d: duration(-left) });
}

export function summonsStatus(t, summons) {
  return t(STATUS_KEYS[summons.status] ?? "sOpen");
}

/** The hall's clock learnt from server times (a listing's `at`, an event's `at`), counted on locally. */
export class HallClock {
  constructor() {
    this.offsetMs = 0;
  }

  learn(iso) {
    if (iso) this.offsetMs = Date.parse(iso) - Date.now();
  }

  now() {
    return Date.now() + this.offsetMs;
  }
}
