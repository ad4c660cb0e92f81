// The shell both staff pages (console, dashboard) share: the sign-in form, the
// tab's session (a reload stays signed in), log-out, the header's hall and
// staff names and language switch, and the message banner. Texts go in as
// textContent; the page's dictionary includes STAFF_TEXTS.
//
//   const shell = new StaffShell({ page: "console", t, enter, leave });
//   shell.start();
//
// Sections with id "view-<name>" are the page's views; an element with
// data-views="a b" shows only in those views.
//
// A manager of several halls opens a page on one of them with ?hall=<id>: every call the
// page makes through the shell acts in that hall, and a hall outside their scope is refused.
import { api, ApiError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";

export const STAFF_TEXTS = {
  hall: { zh: "服务大厅", en: "Hall" },
  staffId: { zh: "工号", en: "Staff id" },
  password: { zh: "密码", en: "Password" },
  login: { zh: "登录", en: "Sign in" },
  logout: { zh: "退出登录", en: "Log out" },
  who: { zh: "{name}（{id}）", en: "{name} ({id})" },
  langSwitch: { zh: "English", en: "中文" },
  offline: { zh: "实时连接中断，正在重连…", en: "Live connection lost, reconnecting…" },
  other_hall: { zh: "您无权查看或操作 {hall} 大厅", en: "You may not see or act in hall {hall}" },
};

const $ = (id) => document.getElementById(id);

export class StaffShell {
  /**
   * page: names what this tab and PC remember ("console", "dashboard");
   * admit(staff): a refusal in words for someone who may not use the page, else null;
   * enter(me, hall): opens the page for the signed-in person (me from /api/v1/staff/me);
   * leave(): closes it when the session ends (stop live feeds);
   * beforeLogout(): runs first on log-out; when it throws, the error is shown and the session stays;
   * onLanguage(): re-renders the page's texts after a language switch;
   * describe(err): the words for an error, from its code in the page's dictionary (default: the server's).
   */
  constructor({
    page, t, admit = () => null, enter, leave = () => {}, beforeLogout = async () => {}, onLanguage = () => {},
    describe = (err) => err.message || String(err),
  }) {
    Object.assign(this, { t, admit, enter, leave, beforeLogout, onLanguage, describe });
    this.sessionKey = `hallq.${page}.session`;
    this.lastKey = `hallq.${page}.last`;
    this.token = null;
    this.staff = null;
    this.hall = null; // layout from /api/v1/hall
    this.actingHall = new URLSearchParams(location.search).get("hall"); // null: the staff member's own
    this.timer = null;
  }

  /** A call with the session, in the hall the page acts in. */
  authed(path, options = {}) {
    return api(this.inHall(path), { ...options, token: this.token });
  }

  /** `path` with the page's ?hall= (a path that names its own hall keeps it). */
  inHall(path) {
    if (!this.actingHall) return path;
    const url = new URL(path, location.origin);
    if (!url.searchParams.has("hall")) url.searchParams.set("hall", this.actingHall);
    return url.pathname + url.search;
  }

  /** Banner: errors stay until cleared, info goes after 5 s. */
  say(message, kind = "info") {
    const box = $("banner");
    $("banner-text").textContent = message;
    box.className = `banner ${kind}`;
    box.hidden = false;
    clearTimeout(this.timer);
    if (kind === "info") this.timer = setTimeout(() => this.clearBanner(), 5000);
  }

  clearBanner() {
    $("banner").hidden = true;
  }

  /** A refusal in the page's words; a session that has lapsed (401) goes back to the sign-in. */
  showError(err) {
    if (err instanceof ApiError && err.status === 401) this.signedOut();
    this.say(this.describe(err), "error");
  }

  showView(name) {
    for (const view of document.querySelectorAll("[id^='view-']")) view.hidden = view.id !== `view-${name}`;
    for (const node of document.querySelectorAll("[data-views]")) node.hidden = !node.dataset.views.split(" ").includes(name);
    document.body.dataset.view = name;
    if (name === "login") setTimeout(() => ($("login-staff").value ? $("login-password") : $("login-staff")).focus(), 0);
  }

  /** What this PC remembers for the page (hall, staff id, and what the page adds). */
  lastUsed() {
    return JSON.parse(localStorage.getItem(this.lastKey) || "{}");
  }

  rememberLast(fields) {
    localStorage.setItem(this.lastKey, JSON.stringify({ ...this.lastUsed(), ...fields }));
  }

  async start() {
    $("login-form").addEventListener("submit", (event) => this.login(event));
    $("banner-close").addEventListener("click", () => this.clearBanner());
    $("btn-logout").addEventListener("click", () => this.logout());
    $("lang").addEventListener("click", () => this.switchLanguage(this.t.lang() === "zh" ? "en" : "zh"));
    this.switchLanguage(this.t.lang());
    await this.prepareSignIn();
    const saved = JSON.parse(sessionStorage.getItem(this.sessionKey) || "null");
    if (!saved?.token) {
      this.showView("login");
      return;
    }
    this.token = saved.token;
    try {
      await this.resume();
    } catch (err) {
      this.resumeFailed(err);
    }
  }

  /** A hall outside the caller's scope keeps the session and shows only why; anything else signs out. */
  resumeFailed(err) {
    if (err.code === "other_hall") {
      this.showView("refused");
      this.say(this.t("other_hall", { hall: this.actingHall }), "error");
      return;
    }
    if (err.status !== 401) this.showError(err);
    this.signedOut();
  }

  /** The hall choice from /api/v1/health, preset with the hall and staff id last used here. */
  async prepareSignIn() {
    const select = $("login-hall");
    try {
      const health = await api("/api/v1/health");
      select.replaceChildren(...health.halls.map((h) => {
        const option = el("option", "", h.name);
        option.value = h.id;
        return option;
      }));
    } catch (err) {
      this.showError(err); // the form stays usable
    }
    const last = this.lastUsed();
    if (last.hall) select.value = last.hall;
    if (last.staff) $("login-staff").value = last.staff;
  }

  async login(event) {
    event.preventDefault();
    const password = $("login-password");
    const staffId = $("login-staff").value.trim();
    const body = { hall: $("login-hall").value, staff_id: staffId, password: password.value };
    password.value = "";
    try {
      const result = await api("/api/v1/staff/login", { method: "POST", body });
      this.rememberLast({ hall: result.hall, staff: staffId });
      this.token = result.token;
      sessionStorage.setItem(this.sessionKey, JSON.stringify({ token: result.token, hall: result.hall }));
      this.clearBanner();
    } catch (err) {
      this.showError(err);
      return;
    }
    try {
      await this.resume();
    } catch (err) {
      this.resumeFailed(err);
    }
  }

  /** With a session: who is signed in, their hall, then the page. */
  async resume() {
    const me = await this.authed("/api/v1/staff/me");
    const refusal = this.admit(me.staff);
    if (refusal) {
      this.endSession().catch(() => {});
      this.signedOut();
      this.say(refusal, "error");
      return;
    }
    this.staff = me.staff;
    this.hall = await this.authed("/api/v1/hall");
    $("hall-name").textContent = this.hall.name;
    this.showWho();
    await this.enter(me, this.hall);
  }

  /** The session ends wherever the page acts: log-out names no hall. */
  endSession() {
    return api("/api/v1/staff/logout", { method: "POST", token: this.token });
  }

  async logout() {
    try {
      await this.beforeLogout();
    } catch (err) {
      this.showError(err);
      return;
    }
    try {
      await this.endSession();
    } catch (err) {
      // the session is dropped here either way
    }
    this.signedOut();
  }

  signedOut() {
    sessionStorage.removeItem(this.sessionKey);
    this.token = null;
    this.staff = null;
    this.leave();
    this.showWho();
    this.showView("login");
  }

  showWho() {
    $("who").textContent = this.staff ? this.t("who", { name: this.staff.name, id: this.staff.id }) : "";
  }

  switchLanguage(lang) {
    this.t.setLang(lang);
    document.title = this.t("title");
    this.showWho();
    this.onLanguage();
  }
}
