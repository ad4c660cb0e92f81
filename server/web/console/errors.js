// The console's words for every refusal the server gives it, by the error's
// code: plain Chinese, English when switched. The server's own message (which
// names states and carries English for logs) is shown only for a code not
// listed here. Texts take {n} (this window), {number} (the ticket acted on)
// and {action} (what was tried, in words).
export const ERROR_TEXTS = {
  err_window_paused: { zh: "{n} 号窗口已暂停，请先按 P 恢复", en: "Window {n} is paused: press P to resume first" },
  err_window_busy: { zh: "本窗口还有号在办理，请先办结、过号或转办", en: "A ticket is still at this window: finish, no-show or transfer it first" },
  err_invalid_state: { zh: "{number} 号的状态已变化，不能{action}", en: "{number} has moved on: cannot {action} it" },
  err_not_signed_in: { zh: "您没有在本窗口签到，请重新签到", en: "You are not signed in at this window: sign in again" },
  err_not_your_ticket: { zh: "{number} 号不在本窗口", en: "{number} is at another window" },
  err_not_served_here: { zh: "本窗口不办理该号的事项，请转办", en: "This window does not serve that ticket: transfer it" },
  err_no_ticket: { zh: "本窗口当前没有已叫的号", en: "No ticket has been called at this window" },
  err_busy: { zh: "其他窗口正在叫同一批号，请再按一次", en: "Other windows are calling the same tickets: press again" },
  err_window_closed: { zh: "目标窗口未开放，请改为转到事项或区域", en: "That window is not open: transfer to a service or an area" },
  err_undo_expired: { zh: "过号已超过 10 秒，不能撤销；群众回来后可按 C 指定叫号", en: "Too late to undo: when the citizen returns, call the number with C" },
  err_not_found: { zh: "没有这个号码或窗口", en: "No such ticket or window" },
  err_invalid: { zh: "输入有误，请检查后重试", en: "Check what you entered and try again" },
  err_window_held: { zh: "{n} 号窗口已有同事在岗：请对方签退，或由 AB 岗搭档在另一岗位接岗", en: "A colleague holds window {n}: they sign out, or their A/B partner takes over" },
  err_take_over_refused: { zh: "只有本窗口的 AB 岗搭档（另一岗位）或值班主任可以接岗", en: "Only the window's A/B partner, on the other post, or a manager may take over" },
  err_not_your_window: { zh: "您不在 {n} 号窗口的排班中", en: "You are not rostered at window {n}" },
  err_already_signed_in: { zh: "您已在其他窗口签到，请先在那里签退", en: "You hold another window: sign out there first" },
  err_unknown_post: { zh: "该窗口没有这个岗位", en: "This window has no such post" },
  err_bad_credentials: { zh: "工号或密码错误", en: "Wrong staff id or password" },
  err_too_many_attempts: { zh: "尝试次数过多，请稍后再试", en: "Too many attempts: try again later" },
  err_unauthorized: { zh: "登录已失效，请重新登录", en: "Your session has ended: sign in again" },
  err_forbidden: { zh: "您没有权限进行此操作", en: "You may not do this" },
  err_unreachable: { zh: "无法连接服务器，请检查网络", en: "Cannot reach the server: check the network" },
  err_database_unavailable: { zh: "服务器暂时无法保存，请稍后再试", en: "The server cannot save just now: try again shortly" },
  err_outcome_unknown: { zh: "保存时连接中断，操作可能已完成：请先看当前号再操作", en: "The connection broke while saving: check the current ticket before repeating" },
};

/** The words for `err` in the page's language: from its code in the page's dictionary, else the server's message. */
export function describeError(t, err, vars = {}) {
  const key = `err_${err.code}`;
  const text = t(key, vars);
  return text === key ? err.message || String(err) : text;
}
