// The citizen's booking page: /book[?hall=<id>][&lang=en] books a slot, /b/<token> (the booking's
// QR code and its confirmation's link) shows it and cancels it. Choose a service, a day, a slot, give
// name, ID number and mobile; the answer is the booking number, where to go and the QR code a kiosk
// scans to check in. Every message is said from its code in the dictionary below; the server's own
// message only for a code the page does not know. Times are the hall's, whatever zone the phone is in.
import { el, floorName } from "/static/common/dom.js";
import { api } from "/static/common/api.js";
import { calendarDay, clockTime } from "/static/common/format.js";
import { makeTranslator } from "/static/common/i18n.js";

const params = new URLSearchParams(location.search);
const HALL = params.get("hall");
const MANAGED = location.pathname.startsWith("/b/")
  ? decodeURIComponent(location.pathname.slice(3).replace(/\/+$/, "")) : null;

const t = makeTranslator({
  title: { zh: "网上预约", en: "Book an appointment" },
  stepService: { zh: "选择办理事项", en: "Choose the service" },
  stepDay: { zh: "选择日期", en: "Choose a day" },
  stepSlot: { zh: "选择时段", en: "Choose a time" },
  stepWho: { zh: "实名信息", en: "Your details (real name)" },
  name: { zh: "姓名", en: "Name" },
  idNumber: { zh: "身份证号码", en: "ID card number" },
  mobile: { zh: "手机号码", en: "Mobile number" },
  privacy: { zh: "身份证号码仅以加密形式保存，页面和短信只显示部分号码。", en: "Your ID number is kept only in encrypted form; pages and messages show part of it." },
  submit: { zh: "提交预约", en: "Book" },
  submitting: { zh: "正在提交…", en: "Booking…" },
  yourNumber: { zh: "预约号", en: "Booking number" },
  booked: { zh: "预约成功", en: "Booked" },
  yourBooking: { zh: "我的预约", en: "My booking" },
  service: { zh: "办理事项", en: "Service" },
  slot: { zh: "预约时段", en: "Time" },
  zone: { zh: "办理区域", en: "Area" },
  windows: { zh: "办理窗口", en: "Windows" },
  windowList: { zh: "{list} 号窗口", en: "window {list}" },
  holder: { zh: "预约人", en: "Booked by" },
  floor: { zh: "{floor}楼", en: "floor {floor}" },
  qrNote: { zh: "到大厅后，在取号机扫描此二维码、输入预约号或刷身份证签到", en: "At the hall, scan this code at a ticket machine, type the booking number or use your ID card to check in" },
  checkIn: { zh: "请在 {from} 至 {to} 之间签到，按预约时段优先叫号；迟到将按现场取号排队。", en: "Check in between {from} and {to} to be called by your slot; later you queue as a walk-in." },
  cancel: { zh: "取消预约", en: "Cancel the booking" },
  cancelConfirm: { zh: "再按一次确认取消", en: "Press again to cancel" },
  cancelUntil: { zh: "可在 {until} 前取消", en: "You may cancel until {until}" },
  again: { zh: "预约其他事项", en: "Book something else" },
  free: { zh: "余 {n}", en: "{n} left" },
  full: { zh: "已满", en: "Full" },
  closedSlot: { zh: "暂停", en: "Closed" },
  past: { zh: "已过", en: "Past" },
  noSlots: { zh: "当天没有可预约的时段，请选择其他日期。", en: "No times to book that day: choose another day." },
  dayClosed: { zh: "不办公", en: "Closed" },
  holiday: { zh: "{name}", en: "Holiday" },
  makeup: { zh: "调休上班", en: "Make-up workday" },
  state_booked: { zh: "已预约", en: "Booked" },
  state_checked_in: { zh: "已签到", en: "Checked in" },
  state_called: { zh: "已叫号", en: "Called" },
  state_served: { zh: "已办结", en: "Served" },
  state_no_show: { zh: "未到", en: "Missed" },
  state_cancelled: { zh: "已取消", en: "Cancelled" },
  state_unserved: { zh: "当日未办理", en: "Not served that day" },
  cancelledByHall: { zh: "因窗口安排调整，该时段已暂停预约，请重新预约或现场取号。", en: "The hall closed this time: book again or take a ticket on the day." },
  // Refusals, by the server's error code.
  slot_full: { zh: "该时段已约满，请选择其他时段；当天现场取号不受影响。", en: "That time is fully booked: choose another. Walk-in tickets are still issued on the day." },
  slot_closed: { zh: "该时段已暂停预约，请选择其他时段。", en: "The hall closed that time: choose another." },
  slot_past: { zh: "该时段已开始或已过，请选择其他时段。", en: "That time has begun or passed: choose another." },
  no_such_slot: { zh: "没有这个预约时段，请重新选择。", en: "No such time: choose again." },
  too_far_ahead: { zh: "该日期超出可预约范围，请选择更近的日期。", en: "That day is too far ahead: choose an earlier one." },
  already_booked: { zh: "您当天已预约过该事项，每人每天每项限约一次。", en: "You already booked this service that day: one booking per person, service and day." },
  booking_suspended: { zh: "您近期多次预约未到，暂停网上预约一段时间；可现场取号办理。", en: "Booking is suspended after repeated no-shows; you can still take a ticket at the hall." },
  invalid_id_number: { zh: "身份证号码有误，请核对。", en: "That ID number is not valid: check it." },
  invalid_mobile: { zh: "请填写 11 位手机号码。", en: "Give your 11-digit mobile number." },
  invalid_name: { zh: "请填写姓名。", en: "Give your name." },
  too_many_attempts: { zh: "预约过于频繁，请稍后再试。", en: "Too many bookings from this network: try again later." },
  too_late_to_cancel: { zh: "已临近预约时段，不能再取消。", en: "It is too close to the time to cancel." },
  booking_closed: { zh: "该预约已取消或已签到。", en: "This booking is cancelled or checked in already." },
  booking_not_found: { zh: "找不到这个预约，请核对链接或到服务台咨询。", en: "Booking not found: check the link or ask at the desk." },
  unreachable: { zh: "网络连接失败，请检查网络后重试。", en: "No connection: check your network and try again." },
  database_unavailable: { zh: "服务暂时繁忙，请稍后再试。", en: "The service is busy: try again shortly." },
  failed: { zh: "暂时无法完成，请稍后再试或到服务台咨询。", en: "That did not work: try again later or ask at the desk." },
});

const $ = (id) => document.getElementById(id);
const state = {
  info: null, service: null, day: null, slots: [], slot: null, // the form's choices
  booking: null, token: null, justBooked: false, // the booking shown (GET /api/v1/public/bookings/<token>)
  error: null, confirming: false,
};

function where() {
  return { lang: t.lang(), timeZone: state.info?.timezone || state.booking?.timezone };
}

function sayError(err) {
  state.error = err;
  const known = err && (t(err.code) !== err.code);
  $("bk-error").textContent = err ? (known ? t(err.code) : err.message || t("failed")) : "";
  $("bk-error").hidden = !err;
}

function problemOf(err) {
  // A 422 naming a field of the form says which one, in the page's words.
  if (err.code === "invalid" && /mobile/.test(err.message)) return { ...err, code: "invalid_mobile" };
  if (err.code === "invalid" && /name/.test(err.message)) return { ...err, code: "invalid_name" };
  if (err.code === "invalid" && /id_number/.test(err.message)) return { ...err, code: "invalid_id_number" };
  return err;
}

// -- choosing ----------------------------------------------------------------------------

function renderServices() {
  const select = $("bk-service");
  select.replaceChildren();
  for (const zone of state.info.zones) {
    const services = state.info.services.filter((s) => s.zone === zone.code);
    if (!services.length) continue;
    const group = el("optgroup");
    group.label = `${zone.name} · ${floorName(t, zone.floor)}`;
    for (const service of services) {
      const option = el("option", "", service.name);
      option.value = service.code;
      group.append(option);
    }
    select.append(group);
  }
  state.service = state.service || select.value;
  select.value = state.service;
}

function dayLabel(day) {
  if (day.open) return day.reason === "makeup_workday" ? t("makeup") : "";
  return day.reason === "legal_holiday" ? t("holiday", { name: day.holiday || "" }) : t("dayClosed");
}

function renderDays() {
  const box = $("bk-days");
  box.replaceChildren();
  for (const day of state.info.days) {
    const button = el("button", "bk-day");
    button.type = "button";
    button.dataset.day = day.day;
    button.disabled = !day.open;
    button.setAttribute("aria-pressed", String(day.day === state.day));
    const noon = `${day.day}T12:00:00Z`;
    button.append(el("span", "", calendarDay(noon, { ...where(), short: true })), el("small", "", dayLabel(day)));
    button.addEventListener("click", () => chooseDay(day.day));
    box.append(button);
  }
}

function slotNote(slot) {
  if (slot.closed) return t("closedSlot");
  if (slot.free <= 0) return t("full");
  if (!slot.bookable) return t("past");
  return t("free", { n: slot.free });
}

function renderSlots() {
  const box = $("bk-slots");
  box.replaceChildren();
  for (const slot of state.slots) {
    const button = el("button", "bk-slot");
    button.type = "button";
    button.dataset.start = slot.start;
    button.disabled = !slot.bookable;
    button.setAttribute("aria-pressed", String(slot.start === state.slot));
    button.append(el("span", "", `${clockTime(slot.start, where())}-${clockTime(slot.end, where())}`),
                  el("small", "", slotNote(slot)));
    button.addEventListener("click", () => { state.slot = slot.start; renderSlots(); updateSubmit(); });
    box.append(button);
  }
  $("bk-slot-note").textContent = t("noSlots");
  $("bk-slot-note").hidden = !state.day || state.slots.some((s) => s.bookable);
}

async function chooseDay(day) {
  state.day = day;
  state.slot = null;
  renderDays();
  await loadSlots();
}

async function loadSlots() {
  state.slots = [];
  if (state.day && state.service) {
    const query = new URLSearchParams({ service: state.service, day: state.day });
    if (HALL) query.set("hall", HALL);
    try {
      state.slots = (await api(`/api/v1/slots?${query}`)).slots;
    } catch (err) {
      sayError(err);
    }
  }
  renderSlots();
  updateSubmit();
}

function updateSubmit() {
  $("bk-submit").disabled = !state.slot;
}

// -- booking -----------------------------------------------------------------------------

async function submit(event) {
  event.preventDefault();
  if (!state.slot) return;
  const body = { service: state.service, start: state.slot, name: $("bk-name").value.trim(),
                 id_number: $("bk-id").value.trim(), mobile: $("bk-mobile").value.trim() };
  if (HALL) body.hall = HALL;
  $("bk-submit").disabled = true;
  $("bk-submit").textContent = t("submitting");
  try {
    const answer = await api("/api/v1/bookings", { method: "POST", body });
    sayError(null);
    history.replaceState(null, "", `/b/${encodeURIComponent(answer.token)}${t.lang() === "en" ? "?lang=en" : ""}`);
    await loadBooking(answer.token, true);
  } catch (err) {
    sayError(problemOf(err));
    if (["slot_full", "slot_closed", "slot_past"].includes(err.code)) await loadSlots();
  } finally {
    $("bk-submit").textContent = t("submit");
    updateSubmit();
  }
}

// -- the booking itself ------------------------------------------------------------------

function showBooking(justBooked = false) {
  const { booking } = state.booking;
  state.justBooked = justBooked;
  $("bk-form").hidden = true;
  $("bk-done").hidden = false;
  $("hall-name").textContent = state.booking.hall_name;
  $("bk-done-title").textContent = justBooked ? t("booked") : t("yourBooking");
  $("bk-number").textContent = booking.number;
  $("bk-state").textContent = t(`state_${booking.state}`);
  $("bk-state").className = `bk-state ${booking.state}`;
  const w = where();
  $("bk-f-service").textContent = booking.service_name;
  $("bk-f-slot").textContent = `${calendarDay(booking.starts_at, { ...w, short: true })} ${clockTime(booking.starts_at, w)}-${clockTime(booking.ends_at, w)}`;
  $("bk-f-zone").textContent = `${booking.zone_name} · ${floorName(t, booking.floor)}`;
  const list = booking.window_ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(t.lang() === "zh" ? "、" : ", ");
  $("bk-f-windows").textContent = list ? t("windowList", { list }) : "—";
  $("bk-f-holder").textContent = booking.holder;
  const live = booking.state === "booked";
  $("bk-qr-box").hidden = !live;
  $("bk-qr").src = `/api/v1/public/bookings/${encodeURIComponent(state.token)}/qr.svg`;
  $("bk-qr").alt = t("yourNumber");
  const { check_in_from: from, check_in_until: to } = state.booking;
  $("bk-checkin").textContent = live ? t("checkIn", { from: clockTime(from, w), to: clockTime(to, w) })
    : booking.cancelled_by === "hall" ? t("cancelledByHall") : "";
  $("bk-cancel").hidden = !live;
  const until = state.booking.cancellable_until;
  $("bk-cancel-note").hidden = !live || !until;
  if (until) $("bk-cancel-note").textContent = t("cancelUntil", { until: `${calendarDay(until, { ...w, short: true })} ${clockTime(until, w)}` });
}

async function cancel() {
  if (!state.confirming) { // a second press confirms: no browser dialog
    state.confirming = true;
    $("bk-cancel").textContent = t("cancelConfirm");
    return;
  }
  state.confirming = false;
  $("bk-cancel").textContent = t("cancel");
  const body = { token: state.token };
  if (HALL) body.hall = HALL;
  try {
    const answer = await api(`/api/v1/bookings/${state.booking.booking.number}/cancel`, { method: "POST", body });
    sayError(null);
    state.booking.booking = answer.booking;
    showBooking();
  } catch (err) {
    sayError(err);
  }
}

async function loadBooking(token, justBooked = false) {
  state.token = token;
  state.booking = await api(`/api/v1/public/bookings/${encodeURIComponent(token)}`);
  showBooking(justBooked);
}

async function loadForm() {
  const query = HALL ? `?hall=${encodeURIComponent(HALL)}` : "";
  state.info = await api(`/api/v1/public/booking${query}`);
  $("hall-name").textContent = state.info.hall_name;
  state.day = state.info.days.find((d) => d.open)?.day || null;
  renderServices();
  renderDays();
  $("bk-form").hidden = false;
  await loadSlots();
}

function rerender() {
  if (state.error) sayError(state.error);
  if (!$("bk-done").hidden && state.booking) showBooking(state.justBooked);
  if (!$("bk-form").hidden && state.info) { renderServices(); renderDays(); renderSlots(); }
}

function wire() {
  $("lang").addEventListener("click", () => {
    t.setLang(t.lang() === "zh" ? "en" : "zh");
    $("lang").textContent = t.lang() === "zh" ? "English" : "中文";
    rerender();
  });
  $("bk-service").addEventListener("change", async () => {
    state.service = $("bk-service").value;
    state.slot = null;
    await loadSlots();
  });
  $("bk-form").addEventListener("submit", submit);
  $("bk-cancel").addEventListener("click", cancel);
}

async function main() {
  wire();
  if (t.lang() === "en") { t.setLang("en"); $("lang").textContent = "中文"; }
  try {
    await (MANAGED ? loadBooking(MANAGED) : loadForm());
  } catch (err) {
    sayError(err);
  }
}

main();
