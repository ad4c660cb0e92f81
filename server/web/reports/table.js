// A report's table as the server sends it ({title, columns: [{zh, en, cell}], rows}): the very
// cells of the CSV and XLSX downloads, formatted by the kind of cell. Texts go in as textContent.
import { el } from "/static/common/dom.js";

const FORMATS = {
  share: (v) => `${(v * 100).toFixed(1)}%`,
  points: (v) => v.toFixed(2),
  minutes: (v) => v.toFixed(1),
};

export function cellText(kind, value) {
  if (value === null || value === undefined || value === "") return "—";
  return (FORMATS[kind] || String)(value);
}

/** Fill `node` (a <table>) with the table, leaving out the columns `skip` names (by their zh header). */
export function fillTable(node, table, lang, skip = []) {
  const shown = table.columns.map((c, i) => [c, i]).filter(([c]) => !skip.includes(c.zh));
  const head = el("tr");
  for (const [column] of shown) head.append(el("th", `cell-${column.cell}`, lang === "en" ? column.en : column.zh));
  const body = el("tbody");
  for (const row of table.rows) {
    const line = el("tr");
    for (const [column, i] of shown) line.append(el("td", `cell-${column.cell}`, cellText(column.cell, row[i])));
    body.append(line);
  }
  const thead = el("thead");
  thead.append(head);
  node.replaceChildren(thead, body);
}
