// How the pages write durations and times, one convention each: durations
// from seconds, clock times in the hall's time zone (this device's when the
// hall names none), in the page's language.
const LOCALES = { zh: "zh-CN", en: "en-GB" };

/** 75 -> "1:15", 3725 -> "1:02:05"; "—" when unknown. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** A share of 0..1 as "66.7%"; "—" when there is none. */
export function percent(share) {
  return share === null || share === undefined ? "—" : `${(100 * share).toFixed(1)}%`;
}

/** "14:05", or "14:05:09" with seconds, of a Date or ISO time; "" when there is none. */
export function clockTime(moment, { lang = "zh", timeZone, seconds = false } = {}) {
  if (moment === null || moment === undefined || moment === "") return "";
  return new Date(moment).toLocaleTimeString(LOCALES[lang] || LOCALES.zh, {
    hour: "2-digit", minute: "2-digit", second: seconds ? "2-digit" : undefined, hour12: false, timeZone,
  });
}

/** The day of `moment` written out: "2026年11月23日星期一", or short: "11月23日 周一". */
export function calendarDay(moment, { lang = "zh", timeZone, short = false } = {}) {
  const parts = short ? { month: "long", day: "numeric", weekday: "short" }
    : { year: "numeric", month: "long", day: "numeric", weekday: "long" };
  return new Date(moment).toLocaleDateString(LOCALES[lang] || LOCALES.zh, { ...parts, timeZone });
}

/** Calendar days from `from` to `to` in the time zone: 0 on the same day, 1 on the next. */
export function daysApart(from, to, timeZone) {
  const midnight = (moment) => Date.parse(new Date(moment).toLocaleDateString("en-CA", { timeZone })); // "2026-11-23"
  return Math.round((midnight(to) - midnight(from)) / 86400000);
}
