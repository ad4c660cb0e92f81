// Small DOM helpers shared by the pages. Text always goes in as textContent.
const ZH_DIGITS = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** "一楼" in Chinese, "Floor 1" in English: `t` needs a "floor" entry with {floor}. */
export function floorName(t, floor) {
  if (floor === null || floor === undefined) return "";
  return t("floor", { floor: t.lang() === "zh" && floor > 0 && floor <= 10 ? ZH_DIGITS[floor] : floor });
}

/** `render` as a function that runs it once at the next frame, however often it is called before. */
export function onNextFrame(render) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  };
}
