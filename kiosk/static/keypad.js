// The kiosk's numeric keypad: big digit keys with 清空 and 退格, for a booking number and a mobile
// number. It makes clicks, never key events, so the QR scanner's listener (wedge.js) never hears it.
import { el } from "/static/common/dom.js";

const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"];
const NAMED = { clear: "keyClear", back: "keyBack" }; // dictionary keys of the function keys

/** The keys in `box`; `pressed(key)` gets "0"…"9", "clear" or "back". */
export function buildKeypad(box, t, pressed) {
  for (const key of KEYS) {
    const button = el("button", NAMED[key] ? "fn" : "", NAMED[key] ? t(NAMED[key]) : key);
    button.type = "button";
    button.dataset.key = key;
    if (NAMED[key]) button.dataset.i18n = NAMED[key];
    box.append(button);
  }
  box.addEventListener("click", (event) => {
    const key = event.target.closest("button")?.dataset.key;
    if (key) pressed(key);
  });
}

/** `digits` after `key`, at most `max` long. */
export function typed(digits, key, max) {
  if (key === "clear") return "";
  if (key === "back") return digits.slice(0, -1);
  return digits.length < max ? digits + key : digits;
}

/** "20261123" as "2026 1123", "13800000005" as "138 0000 0005": in groups, as people read them out. */
export function grouped(digits, sizes) {
  const groups = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= digits.length) break;
    groups.push(digits.slice(at, at + size));
    at += size;
  }
  return groups.join(" ");
}
