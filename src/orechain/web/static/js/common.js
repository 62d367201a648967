// Shared helpers of the dashboard pages: API calls and tables (sortable, CSV). Charts are
// in charts.js, numbers in formatting.js, labels in labels.js; nothing loads from another host.
import { barChart } from "./charts.js";
import { percent } from "./formatting.js";
import { label } from "./labels.js";

export function token() { return sessionStorage.getItem("orechain-token") || ""; }
export function setToken(value) {
  if (value) sessionStorage.setItem("orechain-token", value); else sessionStorage.removeItem("orechain-token");
}

export async function api(path, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.auth && token()) headers.Authorization = `Bearer ${token()}`;
  const response = await fetch(path, {
    method: options.method || (options.body !== undefined ? "POST" : "GET"),
    headers, body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const message = data && data.error ? data.error.message : `HTTP ${response.status}`;
    const error = new Error(message); error.status = response.status; throw error;
  }
  return data;
}

export function fillTable(table, columns, rows) {
  const head = table.querySelector("thead");
  if (head && !head.dataset.fixed) {
    head.innerHTML = "";
    const tr = head.insertRow();
    for (const c of columns) {
      const th = document.createElement("th"); th.scope = "col"; th.textContent = c.header || label(c.key);
      if (c.num) th.className = "num"; tr.appendChild(th);
    }
  }
  const body = table.querySelector("tbody"); body.innerHTML = "";
  for (const row of rows) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell(); const raw = row[c.key];
      const shown = c.format ? c.format(raw, row) : (raw ?? "");
      if (shown instanceof Node) td.appendChild(shown); else td.textContent = shown;
      if (c.num) { td.className = "num"; if (typeof raw === "number") td.dataset.value = raw; }
    }
  }
}

function cellValue(cell) {
  const v = cell.dataset.value;
  if (v !== undefined && v !== "") return Number(v);
  const n = Number(cell.textContent.replace(/[ ,%≥]/g, ""));
  return Number.isNaN(n) || cell.textContent.trim() === "" ? cell.textContent.trim().toLowerCase() : n;
}

export function makeSortable(table) {
  table.querySelectorAll("thead th").forEach((th, index) => {
    const button = document.createElement("button"); button.type = "button";
    button.append(...th.childNodes); th.appendChild(button);
    button.addEventListener("click", () => {
      const descending = th.getAttribute("aria-sort") === "ascending";
      table.querySelectorAll("thead th").forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      const rows = [...table.tBodies[0].rows];
      rows.sort((a, b) => {
        const x = cellValue(a.cells[index]), y = cellValue(b.cells[index]);
        const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return descending ? -order : order;
      });
      table.tBodies[0].append(...rows);
    });
  });
}

export function tableRows(table) {
  return [...table.rows].map((tr) => [...tr.cells].map((c) => c.textContent.trim()));
}

export function downloadCsv(filename, rows) {
  const quote = (v) => /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v ?? "");
  const blob = new Blob([rows.map((r) => r.map(quote).join(",")).join("\n") + "\n"], { type: "text/csv" });
  const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = filename;
  document.body.appendChild(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// Bars drawn from a server-rendered table: the row's [data-key] cell names the bar, its
// [data-value] cell gives the fraction, [data-href] links the bar, [data-source] cites it.
export function barsFromTable(el, top = Infinity) {
  const table = document.getElementById(el.dataset.table);
  const items = [...table.tBodies[0].rows].map((tr) => {
    const key = tr.querySelector("[data-key]"); const val = tr.querySelector("[data-value]");
    const source = tr.querySelector("[data-source]");
    return {
      label: key.textContent.trim(), href: tr.dataset.href || null,
      value: val && val.dataset.value !== "" ? Number(val.dataset.value) : null,
      source: source ? source.textContent.trim() : "",
    };
  }).filter((d) => d.value !== null).slice(0, top);
  barChart(el, items, {
    max: el.dataset.max ? Number(el.dataset.max) : 1, tickFormat: (v) => percent(v, 0), label: el.dataset.label, xTitle: el.dataset.xtitle || el.dataset.label,
    source: items.length ? items[0].source : "",
  });
}

export function status(el, text, kind = "") { el.textContent = text; el.className = kind; }
