// Finding a service by what a citizen can type at the kiosk: on its letter keys the pinyin
// initials ("bdc" for 不动产) or the full pinyin ("budongchan"), from a keyboard or a scanner
// Chinese characters; on the English page also the start of an English word. The server gives
// each service `pinyin` and `initials` (server/chinese.py); this only compares.
const MAX_RESULTS = 30;

/** The services matching `query`, best first: the name starting with it before containing it. */
export function findServices(services, query, lang) {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const found = [];
  services.forEach((service, index) => {
    const rank = rankOf(service, q, lang);
    if (rank !== null) found.push({ service, rank, index });
  });
  found.sort((a, b) => a.rank - b.rank || a.index - b.index);
  return found.slice(0, MAX_RESULTS).map((hit) => hit.service);
}

/** 0 = the best match, higher = weaker, null = no match. */
function rankOf(service, q, lang) {
  if (/[^\x00-\x7f]/.test(q)) {
    if (!service.name.includes(q)) return null;
    return service.name.startsWith(q) ? 0 : 1;
  }
  const letters = q.replace(/[^a-z0-9]/g, "");
  if (!letters) return null;
  const { initials = "", pinyin = "" } = service;
  const ranks = [
    initials.startsWith(letters), pinyin.startsWith(letters),
    initials.includes(letters), pinyin.includes(letters),
    lang === "en" && englishWordStarts(service.name_en, letters),
  ];
  const rank = ranks.indexOf(true);
  return rank === -1 ? null : rank;
}

function englishWordStarts(name, letters) {
  return Boolean(name) && name.toLowerCase().split(/[^a-z0-9]+/).some((word) => word.startsWith(letters));
}
