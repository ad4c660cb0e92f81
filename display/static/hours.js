// Where the hall's day stands at a moment, from its hours (GET /api/v1/hall
// `hours`) in its time zone: open, not yet open, in its lunch break, or over.
const WEEKDAYS = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function localParts(moment, timeZone) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(moment));
  const part = (type) => parts.find((p) => p.type === type).value;
  return { weekday: WEEKDAYS[part("weekday")], time: `${part("hour")}:${part("minute")}` };
}

/** {phase: "open" | "before" | "break" | "after", resumes: "HH:MM" of the next start or null}. */
export function servicePhase(hours, moment, timeZone) {
  const { weekday, time } = localParts(moment, timeZone);
  const sessions = hours.sessions;
  if (!hours.weekdays.includes(weekday) || !sessions.length) return { phase: "after", resumes: null };
  const [first, last] = [sessions[0], sessions[sessions.length - 1]];
  if (time < first[0]) return { phase: "before", resumes: first[0] };
  if (time >= last[1]) return { phase: "after", resumes: null };
  if (hours.lunch_service) return { phase: "open", resumes: null };
  const next = sessions.find(([start, end]) => time < end);
  return time >= next[0] ? { phase: "open", resumes: null } : { phase: "break", resumes: next[0] };
}
