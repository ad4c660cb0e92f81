// Parts shared by the staff pages (console, dashboard): the message banner at
// the top and the sign-in form's choice of hall. Texts go in as textContent.
import { api } from "/static/common/api.js";
import { el } from "/static/common/dom.js";

/** The page's #banner with #banner-text: errors stay until cleared, info goes after 5 s. */
export function makeBanner() {
  const box = document.getElementById("banner");
  const text = document.getElementById("banner-text");
  let timer = null;
  const clear = () => { box.hidden = true; };
  const show = (message, kind = "info") => {
    text.textContent = message;
    box.className = `banner ${kind}`;
    box.hidden = false;
    clearTimeout(timer);
    if (kind === "info") timer = setTimeout(clear, 5000);
  };
  return { show, clear };
}

/**
 * Fill the sign-in form's hall choice from /api/v1/health and preset the hall
 * and staff id last used on this PC (stored under `lastKey`). A failure to
 * list the halls goes to `onError`; the form stays usable.
 */
export async function prepareSignIn(select, staffInput, lastKey, onError) {
  try {
    const health = await api("/api/v1/health");
    select.replaceChildren(...health.halls.map((h) => {
      const option = el("option", "", h.name);
      option.value = h.id;
      return option;
    }));
  } catch (err) {
    onError(err);
  }
  const last = JSON.parse(localStorage.getItem(lastKey) || "{}");
  if (last.hall) select.value = last.hall;
  if (last.staff) staffInput.value = last.staff;
}

/**
 * Sign in with the form's hall, staff id and password (the password field is
 * emptied either way); the hall and staff id are remembered under `lastKey`.
 * Returns the server's answer: {token, hall, staff}.
 */
export async function signInFromForm(lastKey) {
  const password = document.getElementById("login-password");
  const staffId = document.getElementById("login-staff").value.trim();
  const body = { hall: document.getElementById("login-hall").value, staff_id: staffId, password: password.value };
  try {
    const result = await api("/api/v1/staff/login", { method: "POST", body });
    const last = JSON.parse(localStorage.getItem(lastKey) || "{}");
    localStorage.setItem(lastKey, JSON.stringify({ ...last, hall: result.hall, staff: staffId }));
    return result;
  } finally {
    password.value = "";
  }
}

/** This tab's session {token, hall} kept under `key`, so a reload stays signed in; null when none. */
export function savedSession(key) {
  const saved = JSON.parse(sessionStorage.getItem(key) || "null");
  return saved && saved.token ? saved : null;
}

export function keepSession(key, token, hall) {
  sessionStorage.setItem(key, JSON.stringify({ token, hall }));
}
