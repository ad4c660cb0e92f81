// Chinese by default, English on request (?lang=en or the page's switch).
// Each page passes its own dictionary: {key: {zh: "...", en: "..."}}.
// Texts are only ever set with textContent, never as HTML.
export function makeTranslator(dictionary) {
  let lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "zh";
  const t = (key, vars = {}) => {
    const entry = dictionary[key];
    let text = entry ? entry[lang] ?? entry.zh : key;
    for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
    return text;
  };
  t.lang = () => lang;
  t.setLang = (next) => {
    lang = next === "en" ? "en" : "zh";
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    // The switch (#lang on every page) names the other language in that language.
    document.getElementById("lang")?.setAttribute("lang", lang === "en" ? "zh-CN" : "en");
  };
  return t;
}
