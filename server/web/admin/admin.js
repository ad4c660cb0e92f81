// The admin's page (设备与人员管理): the hall's devices — kiosks, screens, evaluation
// tablets — with their settings, last heartbeat (when, page version, resolution) and
// alarms, and its staff; an admin adds, changes and revokes them here without a
// restart. A new device's token is shown once. The lists follow the managers' live
// topic (device.changed, staff.changed, device.status) and are re-read every 30 s
// for the heartbeats. Refusals are said from their code; texts go in with textContent.
import { el } from "/static/common/dom.js";
import { EVENT_KINDS } from "/static/common/events.js";
import { clockTime } from "/static/common/format.js";
import { makeTranslator } from "/static/common/i18n.js";
import { LiveFeed, showLiveStatus } from "/static/common/live.js";
import { STAFF_TEXTS, StaffShell } from "/static/common/staff.js";

const REFRESH_MS = 30 * 1000;
const PAGE_OF_KIND = { kiosk: "/kiosk", screen: "/screen", evaluator: "/evaluator" };

const t = makeTranslator({
  ...STAFF_TEXTS,
  title: { zh: "设备与人员管理", en: "Devices and staff" },
  loginTitle: { zh: "系统管理员登录", en: "Administrator sign-in" },
  notAdmin: { zh: "{name}（{id}）不是系统管理员：本页仅限系统管理员使用。", en: "{name} ({id}) is no administrator: this page is for administrators." },
  devicesTitle: { zh: "设备", en: "Devices" },
  staffTitle: { zh: "工作人员", en: "Staff" },
  colId: { zh: "编号", en: "Id" },
  colKind: { zh: "类型", en: "Kind" },
  colSettings: { zh: "设置", en: "Settings" },
  colSeen: { zh: "最近心跳", en: "Last seen" },
  colVersion: { zh: "页面版本", en: "Page version" },
  colResolution: { zh: "分辨率", en: "Resolution" },
  colState: { zh: "状态", en: "State" },
  kind_kiosk: { zh: "自助取号机", en: "Kiosk" },
  kind_screen: { zh: "叫号屏", en: "Screen" },
  kind_evaluator: { zh: "评价器", en: "Evaluation tablet" },
  screenType: { zh: "屏幕类型", en: "Screen type" },
  screen_hall: { zh: "大厅屏", en: "Hall screen" },
  screen_zone: { zh: "区域屏", en: "Zone screen" },
  screen_window: { zh: "窗口屏", en: "Window sign" },
  none: { zh: "（无）", en: "(none)" },
  zones: { zh: "区域（逗号分隔）", en: "Zones (comma-separated)" },
  window: { zh: "窗口号", en: "Window" },
  printer: { zh: "打印机", en: "Printer" },
  settingZones: { zh: "区域 {zones}", en: "zones {zones}" },
  settingWindow: { zh: "{n} 号窗口", en: "window {n}" },
  settingPrinter: { zh: "打印机 {p}", en: "printer {p}" },
  allZones: { zh: "全部区域", en: "all zones" },
  agentConnected: { zh: "代理已连接", en: "agent connected" },
  never: { zh: "从未", en: "never" },
  ok: { zh: "正常", en: "OK" },
  awaitingFirst: { zh: "等待首次连接", en: "Awaiting first contact" },
  revoked: { zh: "已停用", en: "Revoked" },
  edit: { zh: "修改", en: "Edit" },
  revoke: { zh: "停用", en: "Revoke" },
  add: { zh: "登记", en: "Add" },
  save: { zh: "保存修改", en: "Save changes" },
  cancelEdit: { zh: "取消修改", en: "Cancel" },
  addDevice: { zh: "登记新设备", en: "Add a device" },
  editDevice: { zh: "修改设备 {id}", en: "Change device {id}" },
  addStaff: { zh: "新增工作人员", en: "Add a staff member" },
  editStaff: { zh: "修改工作人员 {id}（密码留空则不变）", en: "Change staff member {id} (leave the password empty to keep it)" },
  tokenOnce: { zh: "设备令牌（仅显示这一次，请妥善保存）", en: "Device token (shown this once only: keep it safe)" },
  openPage: { zh: "打开设备页面", en: "Open the device's page" },
  name: { zh: "姓名", en: "Name" },
  role: { zh: "角色", en: "Role" },
  windows: { zh: "窗口", en: "Windows" },
  windowsInput: { zh: "窗口（逗号分隔，空：全部）", en: "Windows (comma-separated; empty: all)" },
  everyWindow: { zh: "全部", en: "all" },
  role_clerk: { zh: "窗口人员", en: "Clerk" },
  role_manager: { zh: "值班主任", en: "Manager" },
  role_admin: { zh: "系统管理员", en: "Administrator" },
  role_officer: { zh: "部门人员", en: "Department officer" },
  confirmRevokeDevice: { zh: "停用设备 {id}？其令牌将立即失效。", en: "Revoke device {id}? Its token stops working at once." },
  confirmRevokeStaff: { zh: "停用 {id}？其登录将立即失效。", en: "Revoke {id}? Their sessions end at once." },
  deviceAdded: { zh: "已登记设备 {id}", en: "Device {id} added" },
  deviceChanged: { zh: "已修改设备 {id}", en: "Device {id} changed" },
  deviceRevoked: { zh: "已停用设备 {id}", en: "Device {id} revoked" },
  staffAdded: { zh: "已新增工作人员 {id}", en: "Staff member {id} added" },
  staffChanged: { zh: "已修改工作人员 {id}", en: "Staff member {id} changed" },
  staffRevoked: { zh: "已停用工作人员 {id}", en: "Staff member {id} revoked" },
  // alarms, by code
  device_silent: { zh: "无心跳", en: "No heartbeat" },
  agent_never_connected: { zh: "代理程序从未连接", en: "Agent never connected" },
  agent_offline: { zh: "设备离线", en: "Offline" },
  reader_offline: { zh: "身份证阅读器离线", en: "ID card reader offline" },
  reader_faulty: { zh: "身份证阅读器故障", en: "ID card reader faulty" },
  printer_paper_out: { zh: "打印机缺纸", en: "Printer out of paper" },
  printer_cover_open: { zh: "打印机仓盖未关", en: "Printer cover open" },
  printer_error: { zh: "打印机故障", en: "Printer error" },
  printer_offline: { zh: "打印机离线", en: "Printer offline" },
  printer_paper_low: { zh: "打印纸即将用完", en: "Printer paper low" },
  // refusals, by code
  err_invalid: { zh: "填写有误：{field}（{problem}）", en: "Check {field}: {problem}" },
  err_device_exists: { zh: "已有编号相同的设备", en: "A device of this id exists" },
  err_staff_exists: { zh: "已有工号相同的工作人员", en: "A staff member of this id exists" },
  err_device_revoked: { zh: "此设备已停用", en: "Device revoked" },
  err_staff_revoked: { zh: "此账号已停用", en: "Staff member revoked" },
  err_own_account: { zh: "不能停用自己的账号", en: "You may not revoke your own account" },
  err_forbidden: { zh: "需要系统管理员权限", en: "This needs an administrator" },
  err_not_found: { zh: "没有这个设备或工作人员", en: "No such device or staff member" },
});

const $ = (id) => document.getElementById(id);
const state = { devices: [], staff: [], editing: { device: null, staff: null }, live: null, timer: null };

function describe(err) {
  const key = `err_${err.code}`;
  const text = t(key, { field: err.details?.field ?? "", problem: err.details?.problem ?? err.message });
  return text === key ? err.message || String(err) : text;
}

const shell = new StaffShell({
  page: "admin",
  t,
  admit: (staff) => (staff.role === "admin" ? null : t("notAdmin", { name: staff.name, id: staff.id })),
  enter: openPage,
  leave: closePage,
  onLanguage: render,
  describe,
});

async function openPage() {
  await refresh();
  shell.showView("admin");
  state.live = new LiveFeed({ token: shell.token, topics: ["managers"], onEvent: follow, onStatus: showLiveStatus });
  state.live.start();
  state.timer = setInterval(refresh, REFRESH_MS);
}

function closePage() {
  state.live?.stop();
  state.live = null;
  clearInterval(state.timer);
}

const WATCHED = new Set([EVENT_KINDS.DEVICE_CHANGED, EVENT_KINDS.STAFF_CHANGED, EVENT_KINDS.DEVICE_STATUS]);

function follow(event) {
  if (WATCHED.has(event.kind)) refresh();
}

async function refresh() {
  try {
    const [devices, staff] = await Promise.all([shell.authed("/api/v1/devices"), shell.authed("/api/v1/staff")]);
    state.devices = devices.devices;
    state.staff = staff.staff;
    render();
  } catch (err) {
    shell.showError(err);
  }
}

// -- rendering -------------------------------------------------------------------

function render() {
  if (!shell.staff) return;
  $("device-rows").replaceChildren(...state.devices.map(deviceRow));
  $("staff-rows").replaceChildren(...state.staff.map(staffRow));
  $("device-form-title").textContent = state.editing.device ? t("editDevice", { id: state.editing.device }) : t("addDevice");
  $("staff-form-title").textContent = state.editing.staff ? t("editStaff", { id: state.editing.staff }) : t("addStaff");
  $("device-submit").textContent = t(state.editing.device ? "save" : "add");
  $("staff-submit").textContent = t(state.editing.staff ? "save" : "add");
}

function settingsText(device) {
  const parts = [];
  if (device.screen) parts.push(t(`screen_${device.screen}`));
  if (device.zones.length) parts.push(t("settingZones", { zones: device.zones.join("、") }));
  else if (device.kind === "kiosk") parts.push(t("allZones"));
  if (device.window) parts.push(t("settingWindow", { n: device.window }));
  if (device.printer_profile) parts.push(t("settingPrinter", { p: device.printer_profile }));
  if (device.kind === "kiosk" && device.connected) parts.push(t("agentConnected"));
  return parts.join(" · ");
}

function lastSeen(device) {
  return device.kind === "kiosk" ? device.updated_at : device.last_seen;
}

function seenText(device) {
  const seen = lastSeen(device);
  return seen ? clockTime(new Date(seen), { lang: t.lang(), timeZone: shell.hall?.timezone }) : t("never");
}

function stateCell(device) {
  if (device.revoked) return el("td", "state-revoked", t("revoked"));
  // Not yet heard and not yet overdue: nobody can tell it works until it reports.
  if (!device.alarms.length && !lastSeen(device)) return el("td", "state-waiting", t("awaitingFirst"));
  if (!device.alarms.length) return el("td", "state-ok", t("ok"));
  const cell = el("td", "state-alarm", device.alarms.map((a) => (t(a.code) === a.code ? a.message : t(a.code))).join("；"));
  cell.dataset.alarms = device.alarms.map((a) => a.code).join(" ");
  return cell;
}

function rowButtons(revoked, onEdit, onRevoke) {
  const cell = el("td");
  if (revoked) return cell;
  const box = el("div", "row-buttons");
  const edit = el("button", "edit", t("edit"));
  edit.type = "button";
  edit.addEventListener("click", onEdit);
  const revoke = el("button", "revoke", t("revoke"));
  revoke.type = "button";
  revoke.addEventListener("click", onRevoke);
  box.append(edit, revoke);
  cell.append(box);
  return cell;
}

function deviceRow(device) {
  const row = el("tr");
  row.dataset.device = device.id;
  row.dataset.revoked = String(device.revoked);
  row.append(el("td", "", device.id), el("td", "", t(`kind_${device.kind}`)), el("td", "wrap", settingsText(device)),
             el("td", "num seen", seenText(device)), el("td", "num version", device.page_version || "–"),
             el("td", "num resolution", device.resolution || "–"), stateCell(device),
             rowButtons(device.revoked, () => editDevice(device), () => revoke("devices", "Device", device.id)));
  return row;
}

/** Window numbers as runs: 1-48、89-94. */
function runs(numbers) {
  const parts = [];
  for (const n of [...numbers].sort((a, b) => a - b)) {
    const last = parts[parts.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else parts.push([n, n]);
  }
  return parts.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join("、");
}

function staffRow(member) {
  const row = el("tr");
  row.dataset.staff = member.id;
  row.dataset.revoked = String(member.revoked);
  row.append(el("td", "", member.id), el("td", "", member.name), el("td", "", t(`role_${member.role}`)),
             el("td", "wrap", member.role === "officer" ? "–" : member.windows ? runs(member.windows) : t("everyWindow")),
             member.revoked ? el("td", "state-revoked", t("revoked")) : el("td", "state-ok", t("ok")),
             rowButtons(member.revoked, () => editStaff(member), () => revoke("staff", "Staff", member.id)));
  return row;
}

// -- devices -------------------------------------------------------------------------

function listOf(text) {
  return text.split(/[,，、\s]+/).map((part) => part.trim()).filter(Boolean);
}

function deviceBody() {
  const window = $("device-window").value;
  return {
    zones: listOf($("device-zones").value),
    screen: $("device-screen").value || null,
    window: window ? Number(window) : null,
    printer: $("device-printer").value || null,
  };
}

async function saveDevice(event) {
  event.preventDefault();
  const editing = state.editing.device;
  try {
    if (editing) {
      await shell.authed(`/api/v1/devices/${encodeURIComponent(editing)}`, { method: "PATCH", body: deviceBody() });
      shell.say(t("deviceChanged", { id: editing }));
    } else {
      const body = { id: $("device-id").value.trim(), kind: $("device-kind").value, ...deviceBody() };
      const added = await shell.authed("/api/v1/devices", { method: "POST", body });
      showToken(added.device, added.token);
      shell.say(t("deviceAdded", { id: added.device.id }));
    }
    resetDeviceForm();
    await refresh();
  } catch (err) {
    shell.showError(err);
  }
}

function showToken(device, token) {
  $("new-token").hidden = false;
  $("new-token-text").textContent = token;
  $("new-token-link").href = `${PAGE_OF_KIND[device.kind]}?token=${encodeURIComponent(token)}`;
}

function editDevice(device) {
  state.editing.device = device.id;
  $("device-id").value = device.id;
  $("device-kind").value = device.kind;
  $("device-id").disabled = $("device-kind").disabled = true;
  $("device-screen").value = device.screen || "";
  $("device-zones").value = device.zones.join(",");
  $("device-window").value = device.window ?? "";
  $("device-printer").value = device.printer_profile || "";
  $("device-cancel").hidden = false;
  render();
}

function resetDeviceForm() {
  state.editing.device = null;
  $("device-form").reset();
  $("device-id").disabled = $("device-kind").disabled = false;
  $("device-cancel").hidden = true;
  render();
}

/** Revoke a device ("devices", "Device") or staff member ("staff", "Staff") once the admin confirms it. */
async function revoke(collection, what, id) {
  if (!confirm(t(`confirmRevoke${what}`, { id }))) return;
  try {
    await shell.authed(`/api/v1/${collection}/${encodeURIComponent(id)}/revoke`, { method: "POST" });
    shell.say(t(`${what.toLowerCase()}Revoked`, { id }));
    await refresh();
  } catch (err) {
    shell.showError(err);
  }
}

// -- staff ---------------------------------------------------------------------------

function staffBody() {
  const windows = listOf($("staff-windows").value).map(Number);
  const body = { name: $("staff-name").value.trim(), role: $("staff-role").value,
                 windows: $("staff-role").value === "clerk" && windows.length ? windows : null };
  if ($("staff-password").value) body.password = $("staff-password").value;
  return body;
}

async function saveStaff(event) {
  event.preventDefault();
  const editing = state.editing.staff;
  try {
    if (editing) {
      await shell.authed(`/api/v1/staff/${encodeURIComponent(editing)}`, { method: "PATCH", body: staffBody() });
      shell.say(t("staffChanged", { id: editing }));
    } else {
      const body = { id: $("staff-id").value.trim(), ...staffBody() };
      await shell.authed("/api/v1/staff", { method: "POST", body });
      shell.say(t("staffAdded", { id: body.id }));
    }
    resetStaffForm();
    await refresh();
  } catch (err) {
    shell.showError(err);
  }
}

function editStaff(member) {
  state.editing.staff = member.id;
  $("staff-id").value = member.id;
  $("staff-id").disabled = true;
  $("staff-name").value = member.name;
  $("staff-role").value = member.role;
  $("staff-windows").value = member.windows ? member.windows.join(",") : "";
  $("staff-password").value = "";
  $("staff-cancel").hidden = false;
  render();
}

function resetStaffForm() {
  state.editing.staff = null;
  $("staff-form").reset();
  $("staff-id").disabled = false;
  $("staff-cancel").hidden = true;
  render();
}

$("device-form").addEventListener("submit", saveDevice);
$("device-cancel").addEventListener("click", resetDeviceForm);
$("staff-form").addEventListener("submit", saveStaff);
$("staff-cancel").addEventListener("click", resetStaffForm);
shell.start();
