// Shared helpers of the dashboard pages: API calls, tables (sortable, CSV) and d3 charts.
// d3 is the vendored UMD build (window.d3); nothing here loads from another host.
const d3 = window.d3;

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

export const fmt = (v, digits = 3) => (v === null || v === undefined || Number.isNaN(v)) ? "n/a"
  : Number(v).toLocaleString("en", { maximumSignificantDigits: digits });
export const pct = (v, digits = 1) => (v === null || v === undefined) ? "n/a" : `${(100 * v).toFixed(digits)} %`;
export const money = (v) => (v === null || v === undefined) ? "n/a" : `${(v / 1e6).toLocaleString("en", { maximumFractionDigits: 1 })} M`;

export function fillTable(table, columns, rows) {
  const head = table.querySelector("thead");
  if (head && columns.some((c) => c.header)) {
    head.innerHTML = "";
    const tr = head.insertRow();
    for (const c of columns) {
      const th = document.createElement("th"); th.scope = "col"; th.textContent = c.header || c.key;
      if (c.num) th.className = "num"; tr.appendChild(th);
    }
  }
  const body = table.querySelector("tbody"); body.innerHTML = "";
  for (const row of rows) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell(); const raw = row[c.key];
      td.textContent = c.format ? c.format(raw, row) : (raw ?? "");
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

function svgIn(el, width, height, label) {
  d3.select(el).selectAll("*").remove();
  return d3.select(el).append("svg").attr("viewBox", `0 0 ${width} ${height}`)
    .attr("width", width).attr("height", height).attr("role", "img").attr("aria-label", label || "chart");
}

export function barChart(el, items, { max = null, format = pct, label = "" } = {}) {
  const width = 560, row = 24, left = 190, height = row * items.length + 30;
  const svg = svgIn(el, width, height, label);
  const top = max ?? (d3.max(items, (d) => d.value) || 1);
  const x = d3.scaleLinear().domain([0, top]).range([left, width - 70]);
  const g = svg.selectAll("g.row").data(items).join("g").attr("class", "row")
    .attr("transform", (d, i) => `translate(0, ${5 + i * row})`);
  g.append("text").attr("x", left - 6).attr("y", 15).attr("text-anchor", "end").attr("font-size", 12).text((d) => d.label);
  g.append("rect").attr("class", "bar").attr("x", left).attr("y", 3).attr("height", 16)
    .attr("width", (d) => Math.max(0, x(d.value ?? 0) - left));
  g.append("text").attr("x", (d) => x(d.value ?? 0) + 4).attr("y", 15).attr("font-size", 12).text((d) => format(d.value));
  svg.append("g").attr("class", "axis").attr("transform", `translate(0, ${height - 22})`).call(d3.axisBottom(x).ticks(5));
  return svg;
}

export function barsFromTable(el) {
  const table = document.getElementById(el.dataset.table);
  const items = [...table.tBodies[0].rows].map((tr) => {
    const key = tr.querySelector("[data-key]"); const val = tr.querySelector("[data-value]");
    return { label: key.textContent.trim(), value: val && val.dataset.value !== "" ? Number(val.dataset.value) : null };
  }).filter((d) => d.value !== null);
  barChart(el, items, { max: 1, label: el.dataset.label });
}

export function lineChart(el, series, { label = "", yFormat = fmt } = {}) {
  const width = 640, height = 300, m = { l: 70, r: 130, t: 10, b: 30 };
  const svg = svgIn(el, width, height, label);
  const all = series.flatMap((s) => s.values);
  const x = d3.scaleLinear().domain(d3.extent(all, (d) => d.x)).range([m.l, width - m.r]);
  const y = d3.scaleLinear().domain([0, d3.max(all, (d) => d.y) || 1]).nice().range([height - m.b, m.t]);
  const color = d3.scaleOrdinal(d3.schemeTableau10);
  svg.append("g").attr("class", "axis").attr("transform", `translate(0, ${height - m.b})`).call(d3.axisBottom(x).tickFormat(d3.format("d")));
  svg.append("g").attr("class", "axis").attr("transform", `translate(${m.l}, 0)`).call(d3.axisLeft(y).ticks(6).tickFormat((v) => yFormat(v)));
  const line = d3.line().x((d) => x(d.x)).y((d) => y(d.y));
  series.forEach((s, i) => {
    svg.append("path").attr("d", line(s.values)).attr("fill", "none").attr("stroke", color(i)).attr("stroke-width", 2);
    svg.append("text").attr("x", width - m.r + 6).attr("y", m.t + 14 * (i + 1)).attr("fill", color(i)).attr("font-size", 12).text(s.name);
  });
  return svg;
}

export function columnChart(el, items, { label = "", format = money } = {}) {
  const width = 640, height = 280, m = { l: 70, r: 10, t: 10, b: 30 };
  const svg = svgIn(el, width, height, label);
  const x = d3.scaleBand().domain(items.map((d) => d.label)).range([m.l, width - m.r]).padding(0.15);
  const ext = d3.extent(items, (d) => d.value); const y = d3.scaleLinear().domain([Math.min(0, ext[0]), Math.max(0, ext[1])]).nice().range([height - m.b, m.t]);
  svg.append("g").selectAll("rect").data(items).join("rect").attr("class", "bar")
    .attr("x", (d) => x(d.label)).attr("width", x.bandwidth())
    .attr("y", (d) => y(Math.max(0, d.value))).attr("height", (d) => Math.abs(y(d.value) - y(0)))
    .attr("fill", (d) => d.value < 0 ? "#7a8ca3" : null);
  svg.append("g").attr("class", "axis").attr("transform", `translate(0, ${y(0)})`).call(d3.axisBottom(x).tickValues(x.domain().filter((d, i) => i % 2 === 0)));
  svg.append("g").attr("class", "axis").attr("transform", `translate(${m.l}, 0)`).call(d3.axisLeft(y).ticks(6).tickFormat(format));
  return svg;
}

export function sankeyChart(el, links, { label = "", width = 900, height = 460 } = {}) {
  const names = [...new Set(links.flatMap((l) => [l.source, l.target]))];
  const graph = d3.sankey().nodeId((d) => d.name).nodeWidth(12).nodePadding(8)
    .extent([[1, 5], [width - 160, height - 5]])({
      nodes: names.map((name) => ({ name })),
      links: links.map((l) => ({ source: l.source, target: l.target, value: l.value })),
    });
  const svg = svgIn(el, width, height, label);
  svg.append("g").selectAll("path").data(graph.links).join("path").attr("class", "link")
    .attr("d", d3.sankeyLinkHorizontal()).attr("stroke-width", (d) => Math.max(1, d.width))
    .append("title").text((d) => `${d.source.name} → ${d.target.name}: ${fmt(d.value)} t`);
  const node = svg.append("g").selectAll("g").data(graph.nodes).join("g").attr("class", "node");
  node.append("rect").attr("x", (d) => d.x0).attr("y", (d) => d.y0).attr("width", (d) => d.x1 - d.x0).attr("height", (d) => Math.max(1, d.y1 - d.y0));
  node.append("text").attr("x", (d) => d.x1 + 4).attr("y", (d) => (d.y0 + d.y1) / 2 + 4).text((d) => d.name);
  return svg;
}

export function status(el, text, kind = "") { el.textContent = text; el.className = kind; }
