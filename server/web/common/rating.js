// 好差评 as the window's tablet and the ticket's phone ask for it: the five
// national levels with their faces and words, and a bad rating's reasons (the
// hall's checklist, from the server's rules) with a few optional words. The
// server keeps the levels (server.model.RatingLevel); a test keeps the two equal.
//
//   const form = new RatingForm(box, { t, rules, onSubmit: async (answer) => … });
//   form.ask();            // the faces
//   form.render();         // again, after a language switch
//
// `t` is the page's translator, built with RATING_MESSAGES in its dictionary.
import { el } from "/static/common/dom.js";

// Best first; a face's mouth bends with the score, its colour goes from green to red.
export const LEVELS = Object.freeze([
  { code: "very_satisfied", score: 5, color: "#1e7d3a" },
  { code: "satisfied", score: 4, color: "#4f9a2c" },
  { code: "basic", score: 3, color: "#b58b00" },
  { code: "dissatisfied", score: 2, color: "#d0641f" },
  { code: "very_dissatisfied", score: 1, color: "#b8262b" },
]);

export const RATING_MESSAGES = {
  very_satisfied: { zh: "非常满意", en: "Very satisfied" },
  satisfied: { zh: "满意", en: "Satisfied" },
  basic: { zh: "基本满意", en: "Fairly satisfied" },
  dissatisfied: { zh: "不满意", en: "Dissatisfied" },
  very_dissatisfied: { zh: "非常不满意", en: "Very dissatisfied" },
  ratePrompt: { zh: "请您对本次服务作出评价", en: "Please rate this service" },
  reasonsPrompt: { zh: "请选择不满意的原因（可多选）", en: "What went wrong? (choose one or more)" },
  textLabel: { zh: "其他意见（选填，仅工作人员可见）", en: "Anything else? (optional, seen by staff only)" },
  textPlaceholder: { zh: "请简要描述，最多 {n} 字", en: "A few words, at most {n} characters" },
  submit: { zh: "提交评价", en: "Submit" },
  back: { zh: "返回", en: "Back" },
  thanks: { zh: "感谢您的评价！", en: "Thank you for your rating!" },
  thanksBad: { zh: "感谢您的评价，我们会认真改进", en: "Thank you: we will look into it" },
  already_rated: { zh: "本次服务已评价，每次服务只能评价一次", en: "This service has already been rated: one rating per service" },
  rating_closed: { zh: "评价时间已过，本次服务记为未评价", en: "The time to rate this service is over: it stays unrated" },
  not_finished: { zh: "业务办结后才能评价", en: "You can rate once the service is finished" },
  not_this_window: { zh: "此业务不是在本窗口办结的", en: "This service was not finished at this window" },
  reasons_required: { zh: "请至少选择一项原因", en: "Choose at least one reason" },
  unknown_reason: { zh: "原因有误，请重新选择", en: "Choose the reasons again" },
  reasons_not_asked: { zh: "满意的评价无需填写原因", en: "Reasons are only asked for a bad rating" },
  unreachable: { zh: "网络中断，请稍后重试", en: "No connection: try again shortly" },
  database_unavailable: { zh: "服务暂时繁忙，请稍后重试", en: "The service is busy: try again shortly" },
  ratingFailed: { zh: "评价未能提交，请重试", en: "The rating could not be sent: try again" },
};

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** The face of a level: a coloured disc, two eyes and a mouth that smiles with the score. */
export function face(level) {
  const bend = (level.score - 3) * 9;
  const image = svg("svg", { viewBox: "0 0 100 100", class: "face", "aria-hidden": "true" });
  image.append(
    svg("circle", { cx: 50, cy: 50, r: 46, fill: level.color }),
    svg("circle", { cx: 35, cy: 40, r: 6, fill: "#fff" }),
    svg("circle", { cx: 65, cy: 40, r: 6, fill: "#fff" }),
    svg("path", { d: `M 28 ${66 - bend / 2} Q 50 ${66 + bend * 1.4} 72 ${66 - bend / 2}`, stroke: "#fff",
      "stroke-width": 7, fill: "none", "stroke-linecap": "round" }),
  );
  return image;
}

/** A level's code is a bad rating's (不满意, 非常不满意): the server's rules say which. */
export function isBad(rules, code) {
  return rules.bad_levels.includes(code);
}

/** The checklist entry's name in the page's language. */
function reasonName(t, reason) {
  return t.lang() === "en" ? reason.name_en : reason.name;
}

export class RatingForm {
  constructor(root, { t, rules, onSubmit }) {
    this.root = root;
    this.t = t;
    this.rules = rules;
    this.onSubmit = onSubmit; // (answer) => Promise; the page says what came of it
    this.step = "faces";
    this.level = null;
    this.reasons = new Set();
    this.text = "";
    this.busy = false;
  }

  ask() {
    this.step = "faces";
    this.level = null;
    this.reasons = new Set();
    this.text = "";
    this.render();
  }

  render() {
    this.root.dataset.step = this.step;
    this.root.replaceChildren(...(this.step === "faces" ? this.faces() : this.reasonsStep()));
  }

  faces() {
    const row = el("div", "faces");
    for (const level of LEVELS) {
      const button = el("button", "level");
      button.type = "button";
      button.dataset.level = level.code;
      button.append(face(level), el("span", "level-word", this.t(level.code)));
      button.addEventListener("click", () => this.choose(level.code));
      row.append(button);
    }
    return [el("p", "rate-prompt", this.t("ratePrompt")), row];
  }

  choose(code) {
    if (this.busy) return;
    this.level = code;
    if (!isBad(this.rules, code)) {
      this.send({ level: code });
      return;
    }
    this.step = "reasons";
    this.render();
  }

  reasonsStep() {
    const level = LEVELS.find((l) => l.code === this.level);
    const head = el("div", "reasons-head");
    head.append(face(level), el("span", "level-word", this.t(level.code)), el("span", "reasons-prompt", this.t("reasonsPrompt")));
    const list = el("div", "reasons");
    for (const reason of this.rules.reasons) {
      const button = el("button", "reason", reasonName(this.t, reason));
      button.type = "button";
      button.dataset.reason = reason.code;
      button.setAttribute("aria-pressed", String(this.reasons.has(reason.code)));
      button.addEventListener("click", () => {
        if (!this.reasons.delete(reason.code)) this.reasons.add(reason.code);
        button.setAttribute("aria-pressed", String(this.reasons.has(reason.code)));
        submit.disabled = !this.reasons.size;
      });
      list.append(button);
    }
    const label = el("label", "reason-text");
    const text = el("textarea");
    text.maxLength = this.rules.text_max;
    text.rows = 2;
    text.value = this.text;
    text.placeholder = this.t("textPlaceholder", { n: this.rules.text_max });
    text.addEventListener("input", () => { this.text = text.value; });
    label.append(el("span", "", this.t("textLabel")), text);
    const back = el("button", "rate-back", this.t("back"));
    back.type = "button";
    back.addEventListener("click", () => this.ask());
    const submit = el("button", "rate-submit", this.t("submit"));
    submit.type = "button";
    submit.disabled = !this.reasons.size;
    submit.addEventListener("click", () => this.send({
      level: this.level, reasons: this.rules.reasons.map((r) => r.code).filter((code) => this.reasons.has(code)),
      text: this.text.trim() || null,
    }));
    const actions = el("div", "reason-actions");
    actions.append(back, submit);
    return [head, list, label, actions];
  }

  async send(answer) {
    this.busy = true;
    this.root.classList.add("busy");
    try {
      await this.onSubmit(answer);
    } finally {
      this.busy = false;
      this.root.classList.remove("busy");
    }
  }
}

/** What a refusal of the server says, in the page's words: its code when the page knows it. */
export function ratingError(t, err) {
  return err.code in RATING_MESSAGES ? t(err.code) : err.message || t("ratingFailed");
}
