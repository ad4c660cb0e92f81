// A QR scanner at the kiosk is a keyboard wedge: it types what it read into the page, fast, then
// Enter, with no field to type into. A burst tells it from a person: at least MIN_LENGTH characters,
// each within GAP_MS of the one before, and Enter as quickly after the last. The on-screen keypads
// make clicks, no key events, and a person at a keyboard is several times slower.
const GAP_MS = 80;
const MIN_LENGTH = 8;

/** Call `scanned(text)` for each burst typed on `target` while `active()`. */
export function listenForScans(target, { active, scanned }) {
  let text = "";
  let last = -Infinity;
  target.addEventListener("keydown", (event) => {
    if (!active() || event.ctrlKey || event.altKey || event.metaKey) {
      text = "";
      return;
    }
    const quick = event.timeStamp - last <= GAP_MS;
    if (event.key === "Enter") {
      if (quick && text.length >= MIN_LENGTH) {
        event.preventDefault(); // not a press of the focused button
        scanned(text);
      }
      text = "";
      return;
    }
    if (event.key.length !== 1) return; // Shift before a capital, and the like
    text = quick ? text + event.key : event.key;
    last = event.timeStamp;
  }, { capture: true });
}
