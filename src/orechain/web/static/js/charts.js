// The dashboard's chart system: every chart is drawn at its card's pixel width (no viewBox
// shrinking, so text stays at the CSS size, >= 12 px), has axis titles or a legend, a
// tooltip on hover and keyboard focus naming value, unit and source, and is redrawn when
// the card changes width. A table next to each chart carries the same numbers.
import { number, percent } from "./formatting.js";

const d3 = window.d3;
export const FONT = 12; // px; the browser tests fail a chart with text under 11 px
const PALETTE = ["#1f5f8b", "#b4462b", "#2e7d4f", "#8a5a00", "#6b4c9a", "#b0306b", "#4d7f91", "#7a6a3a", "#5a5a5a", "#c07a1a"];
export const colourOf = (keys) => d3.scaleOrdinal(keys, PALETTE);

// ---------------------------------------------------------------- frame, resize, tooltip
const drawn = new WeakMap();
const observer = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const state = drawn.get(entry.target);
    const width = Math.round(entry.contentRect.width);
    if (state && width && Math.abs(width - state.width) > 4) { state.width = width; state.draw(); }
  }
});

// Draw `draw()` into `el` now and again whenever el's width changes.
function responsive(el, draw) {
  drawn.set(el, { width: el.clientWidth, draw });
  observer.observe(el);
  draw();
}

function widthOf(el) { return Math.max(260, Math.floor(el.clientWidth || el.parentElement.clientWidth || 600)); }
const narrow = (width) => width < 480;

function svgIn(el, width, height, label) {
  d3.select(el).selectAll("svg, .legend").remove();
  el.classList.add("chart");
  return d3.select(el).insert("svg", ":first-child").attr("width", width).attr("height", height)
    .attr("viewBox", `0 0 ${width} ${height}`).attr("role", "img").attr("aria-label", label || "chart");
}

let tip = null;
function tooltip() {
  if (!tip) {
    tip = document.createElement("div"); tip.className = "tooltip"; tip.setAttribute("role", "status"); tip.hidden = true;
    document.body.appendChild(tip);
  }
  return tip;
}

// Hover and keyboard focus on `selection` show text(d); marks become focusable.
export function withTooltip(selection, text) {
  selection.attr("tabindex", 0).attr("aria-label", (d) => text(d))
    .on("mouseenter focus", function show(event, d) {
      const t = tooltip(); t.textContent = text(d); t.hidden = false;
      const box = this.getBoundingClientRect();
      const left = Math.min(window.scrollX + box.left + box.width / 2, window.scrollX + document.documentElement.clientWidth - t.offsetWidth - 4);
      t.style.left = `${Math.max(window.scrollX + 4, left)}px`; t.style.top = `${window.scrollY + box.top - t.offsetHeight - 6}px`;
    })
    .on("mouseleave blur", () => { tooltip().hidden = true; });
  selection.append("title").text((d) => text(d));
}

// One line of a tooltip: "label: value unit — source".
export function tipText(label, value, unit, source) {
  return `${label}: ${value}${unit ? ` ${unit}` : ""}${source ? ` — ${source}` : ""}`;
}

// An HTML legend under the chart (wraps on a phone instead of being cut).
export function legend(el, items, { title = "" } = {}) {
  const box = d3.select(el).append("div").attr("class", "legend");
  if (title) box.append("span").attr("class", "legend-title").text(title);
  const item = box.selectAll("span.item").data(items).join("span").attr("class", "item");
  item.append("span").attr("class", "swatch").style("background", (d) => d.colour)
    .classed("line", (d) => d.kind === "line");
  item.append("span").text((d) => d.label);
  return box;
}

function axisTitle(svg, text, { x, y, rotate = false, anchor = "middle" }) {
  return svg.append("text").attr("class", "axis-title").attr("text-anchor", anchor)
    .attr("transform", `translate(${x}, ${y})${rotate ? " rotate(-90)" : ""}`).text(text);
}

// Thin the ticks so labels of about `chars` characters never collide.
function tickCount(pixels, chars) { return Math.max(2, Math.floor(pixels / (chars * 7.5 + 16))); }

// ---------------------------------------------------------------- horizontal bars
// items: {label, value, href?, tip?}; the label sits above its bar so long names never clip.
export function barChart(el, items, { max = null, format = percent, tickFormat = null, label = "", xTitle = "", unit = "", source = "" } = {}) {
  responsive(el, () => {
    const width = widthOf(el), row = 38, m = { l: 4, r: 70, t: 4, b: 48 };
    const height = m.t + row * items.length + m.b;
    const svg = svgIn(el, width, height, label);
    const top = max ?? (d3.max(items, (d) => d.value) || 1);
    const x = d3.scaleLinear().domain([0, top]).range([m.l, width - m.r]);
    const g = svg.selectAll("g.row").data(items).join("g").attr("class", "row")
      .attr("transform", (d, i) => `translate(0, ${m.t + i * row})`);
    g.each(function name(d) {
      const parent = d.href ? d3.select(this).append("a").attr("href", d.href) : d3.select(this);
      parent.append("text").attr("class", "bar-label").attr("x", m.l).attr("y", 13).text(d.label);
    });
    const bar = g.append("rect").attr("class", "bar").attr("x", m.l).attr("y", 18).attr("height", 14)
      .attr("width", (d) => Math.max(0, x(d.value ?? 0) - m.l));
    withTooltip(bar, (d) => d.tip || tipText(d.label, format(d.value), unit, source));
    g.append("text").attr("class", "bar-value").attr("x", (d) => x(d.value ?? 0) + 4).attr("y", 30).text((d) => format(d.value));
    const axisY = height - m.b + 4;
    svg.append("g").attr("class", "axis").attr("transform", `translate(0, ${axisY})`)
      .call(d3.axisBottom(x).ticks(tickCount(width - m.l - m.r, 6)).tickFormat((v) => (tickFormat || format)(v)));
    axisTitle(svg, xTitle || label, { x: (m.l + width - m.r) / 2, y: height - 6 });
  });
}

// ---------------------------------------------------------------- lines
// series: {name, values: [{x, y}]}; a legend below names every series in full.
export function lineChart(el, series, { label = "", yFormat = number, xTitle = "year", yTitle = "", unit = "", source = "" } = {}) {
  const colour = colourOf(series.map((s) => s.name));
  responsive(el, () => {
    const width = widthOf(el), height = narrow(width) ? 240 : 300, m = { l: 72, r: 16, t: 12, b: 46 };
    const svg = svgIn(el, width, height, label);
    const all = series.flatMap((s) => s.values);
    const x = d3.scaleLinear().domain(d3.extent(all, (d) => d.x)).range([m.l, width - m.r]);
    const y = d3.scaleLinear().domain([0, d3.max(all, (d) => d.y) || 1]).nice().range([height - m.b, m.t]);
    svg.append("g").attr("class", "axis").attr("transform", `translate(0, ${height - m.b})`)
      .call(d3.axisBottom(x).tickValues(x.ticks(tickCount(width - m.l - m.r, 4)).filter(Number.isInteger)).tickFormat(d3.format("d")));
    svg.append("g").attr("class", "axis").attr("transform", `translate(${m.l}, 0)`).call(d3.axisLeft(y).ticks(5).tickFormat((v) => yFormat(v)));
    axisTitle(svg, xTitle, { x: (m.l + width - m.r) / 2, y: height - 6 });
    axisTitle(svg, yTitle, { x: 14, y: (m.t + height - m.b) / 2, rotate: true });
    const line = d3.line().x((d) => x(d.x)).y((d) => y(d.y));
    for (const s of series) {
      svg.append("path").attr("class", "series").attr("d", line(s.values)).attr("fill", "none").attr("stroke", colour(s.name)).attr("stroke-width", 2.5);
      const dots = svg.append("g").selectAll("circle").data(s.values).join("circle").attr("class", "point")
        .attr("cx", (d) => x(d.x)).attr("cy", (d) => y(d.y)).attr("r", 3.5).style("fill", colour(s.name));
      withTooltip(dots, (d) => tipText(`${s.name}, ${d.x}`, yFormat(d.y), unit, d.source || source));
    }
    legend(el, series.map((s) => ({ label: s.name, colour: colour(s.name), kind: "line" })));
  });
}

// ---------------------------------------------------------------- columns (may be negative)
// Category labels sit under the plot, never on a negative bar.
export function columnChart(el, items, { label = "", format = number, xTitle = "", yTitle = "", unit = "", source = "" } = {}) {
  responsive(el, () => {
    const width = widthOf(el), height = 300, m = { l: 72, r: 12, t: 12, b: 48 };
    const svg = svgIn(el, width, height, label);
    const x = d3.scaleBand().domain(items.map((d) => d.label)).range([m.l, width - m.r]).padding(0.15);
    const ext = d3.extent(items, (d) => d.value);
    const y = d3.scaleLinear().domain([Math.min(0, ext[0]), Math.max(0, ext[1])]).nice().range([height - m.b, m.t]);
    const bars = svg.append("g").selectAll("rect").data(items).join("rect").attr("class", (d) => d.value < 0 ? "bar negative" : "bar")
      .attr("x", (d) => x(d.label)).attr("width", x.bandwidth())
      .attr("y", (d) => y(Math.max(0, d.value))).attr("height", (d) => Math.abs(y(d.value) - y(0)));
    withTooltip(bars, (d) => tipText(d.label, format(d.value), unit, source));
    svg.append("line").attr("class", "zero").attr("x1", m.l).attr("x2", width - m.r).attr("y1", y(0)).attr("y2", y(0));
    const every = Math.ceil(items.length / tickCount(width - m.l - m.r, 4));
    svg.append("g").attr("class", "axis").attr("transform", `translate(0, ${height - m.b})`)
      .call(d3.axisBottom(x).tickValues(x.domain().filter((d, i) => i % every === 0)));
    svg.append("g").attr("class", "axis").attr("transform", `translate(${m.l}, 0)`).call(d3.axisLeft(y).ticks(5).tickFormat((v) => format(v)));
    axisTitle(svg, xTitle, { x: (m.l + width - m.r) / 2, y: height - 6 });
    axisTitle(svg, yTitle, { x: 14, y: (m.t + height - m.b) / 2, rotate: true });
  });
}

// ---------------------------------------------------------------- diverging bars (tornado)
// bars: {factor, low, high}; low and high are drawn from `base`, with a legend for the two.
export function tornadoChart(el, base, bars, { format = number, label = "", xTitle = "", lowLabel = "low", highLabel = "high", unit = "" } = {}) {
  const colours = { low: "#4d7f91", high: "#b4462b" };
  responsive(el, () => {
    const width = widthOf(el), row = 40, m = { l: 8, r: 16, t: 4, b: 48 };
    const height = m.t + row * bars.length + m.b;
    const svg = svgIn(el, width, height, label);
    const x = d3.scaleLinear().domain(d3.extent(bars.flatMap((b) => [b.low, b.high, base]))).nice().range([m.l, width - m.r]);
    const g = svg.selectAll("g.row").data(bars).join("g").attr("class", "row").attr("transform", (d, i) => `translate(0, ${m.t + i * row})`);
    g.append("text").attr("class", "bar-label").attr("x", m.l).attr("y", 13).text((d) => d.factor);
    for (const side of ["low", "high"]) {
      const rect = g.append("rect").attr("class", `bar ${side}`).attr("fill", colours[side]).attr("y", 18).attr("height", 16)
        .attr("x", (d) => Math.min(x(d[side]), x(base))).attr("width", (d) => Math.abs(x(d[side]) - x(base)));
      withTooltip(rect, (d) => tipText(`${d.factor}, ${side === "low" ? lowLabel : highLabel}`, format(d[side]), unit, ""));
    }
    svg.append("line").attr("class", "zero").attr("x1", x(base)).attr("x2", x(base)).attr("y1", 0).attr("y2", height - m.b + 4);
    svg.append("g").attr("class", "axis").attr("transform", `translate(0, ${height - m.b + 4})`)
      .call(d3.axisBottom(x).ticks(tickCount(width, 9)).tickFormat((v) => format(v)));
    axisTitle(svg, xTitle, { x: width / 2, y: height - 6 });
    legend(el, [{ label: lowLabel, colour: colours.low }, { label: highLabel, colour: colours.high }, { label: `base ${format(base)}`, colour: "#222", kind: "line" }]);
  });
}

// ---------------------------------------------------------------- scatter with labels
// points: {x, y, label, tip}; labels are pushed apart vertically and dropped when they
// would still collide (the table and tooltips carry every point).
export function scatterChart(el, points, { label = "", xTitle = "", yTitle = "", xFormat = number, yFormat = number, yMax = null } = {}) {
  responsive(el, () => {
    const width = widthOf(el), height = narrow(width) ? 340 : 420, m = { l: 64, r: 16, t: 14, b: 48 };
    const svg = svgIn(el, width, height, label);
    const x = d3.scaleLinear().domain([0, d3.max(points, (p) => p.x) || 1]).nice().range([m.l, width - m.r]);
    const y = d3.scaleLinear().domain([0, yMax ?? (d3.max(points, (p) => p.y) || 1)]).nice().range([height - m.b, m.t]);
    svg.append("g").attr("class", "axis").attr("transform", `translate(0, ${height - m.b})`).call(d3.axisBottom(x).ticks(tickCount(width, 4)).tickFormat((v) => xFormat(v)));
    svg.append("g").attr("class", "axis").attr("transform", `translate(${m.l}, 0)`).call(d3.axisLeft(y).ticks(5).tickFormat((v) => yFormat(v)));
    axisTitle(svg, xTitle, { x: (m.l + width - m.r) / 2, y: height - 6 });
    axisTitle(svg, yTitle, { x: 14, y: (m.t + height - m.b) / 2, rotate: true });
    const dots = svg.append("g").selectAll("circle").data(points).join("circle").attr("class", "point")
      .attr("cx", (p) => x(p.x)).attr("cy", (p) => y(p.y)).attr("r", 5);
    withTooltip(dots, (p) => p.tip || `${p.label}: ${xFormat(p.x)}, ${yFormat(p.y)}`);
    placeLabels(svg, points.map((p) => ({ ...p, px: x(p.x), py: y(p.y) })), width - m.r, m.t);
  });
}

function placeLabels(svg, pts, right, top) {
  const placed = []; // boxes of labels already drawn
  const sorted = [...pts].sort((a, b) => b.x - a.x || a.py - b.py);
  for (const p of sorted) {
    const w = p.label.length * 7 + 4, h = FONT + 2;
    const leftSide = p.px + 8 + w > right;
    const x0 = leftSide ? p.px - 8 - w : p.px + 8;
    let spot = null, shift = 0;
    for (const dy of [0, -14, 14, -28, 28, -42, 42]) {
      const y0 = p.py - h / 2 + dy;
      if (y0 < top) continue;
      const box = [x0, y0, x0 + w, y0 + h];
      if (!placed.some((b) => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1])) { spot = box; shift = dy; break; }
    }
    if (!spot) continue;
    placed.push(spot);
    if (shift) { // a leader line ties a moved label to its point
      svg.append("line").attr("class", "leader").attr("x1", p.px).attr("y1", p.py)
        .attr("x2", leftSide ? spot[2] : spot[0]).attr("y2", (spot[1] + spot[3]) / 2);
    }
    svg.append("text").attr("class", "point-label").attr("x", spot[0]).attr("y", spot[3] - 3).text(p.label);
  }
}

// ---------------------------------------------------------------- Sankey
// links: {source, target, value, group}; links are coloured by `group` (e.g. the country a
// flow leaves; `colours` fixes a colour per group) with a legend, and `highlight` groups
// are drawn opaque over the rest. Several links between the same two nodes, one per group,
// are drawn as adjacent bands of one flow (e.g. a flow split by origin); a tooltip names
// the group under `groupTitle`. On a phone the diagram keeps a readable width and scrolls
// inside its card (never the page).
export function sankeyChart(el, links, { label = "", height = 460, unit = "t", highlight = [], groupTitle = "origin", colours = null } = {}) {
  const present = [...new Set(links.map((l) => l.group ?? "all"))];
  const groups = colours ? [...Object.keys(colours).filter((g) => present.includes(g)), ...present.filter((g) => !(g in colours))] : present;
  const colour = (g) => (colours && colours[g]) || colourOf(groups)(g);
  el.classList.add("scroll-x");
  responsive(el, () => {
    const width = Math.max(620, widthOf(el));
    const names = [...new Set(links.flatMap((l) => [l.source, l.target]))];
    const graph = d3.sankey().nodeId((d) => d.name).nodeWidth(10).nodePadding(14)
      .extent([[1, 6], [width - 1, height - 6]])({
        nodes: names.map((name) => ({ name })),
        links: links.map((l) => ({ ...l, group: l.group ?? "all" })),
      });
    const svg = svgIn(el, width, height, label);
    const ordered = [...graph.links].sort((a, b) => highlight.includes(a.group) - highlight.includes(b.group));
    const path = svg.append("g").selectAll("path").data(ordered).join("path")
      .attr("class", (d) => highlight.includes(d.group) ? "link highlight" : "link")
      .attr("d", d3.sankeyLinkHorizontal()).attr("stroke", (d) => colour(d.group))
      .attr("stroke-width", (d) => Math.max(2, d.width));
    path.attr("data-group", (d) => d.group);
    withTooltip(path, (d) => tipText(`${d.source.name} → ${d.target.name}${d.group !== "all" ? ` (${groupTitle}: ${d.group})` : ""}`, number(d.value), unit, ""));
    const node = svg.append("g").selectAll("g").data(graph.nodes).join("g").attr("class", "node");
    node.append("rect").attr("x", (d) => d.x0).attr("y", (d) => d.y0).attr("width", (d) => d.x1 - d.x0).attr("height", (d) => Math.max(1, d.y1 - d.y0));
    const taken = [];
    node.append("text").attr("x", (d) => (d.x0 < width / 2 ? d.x1 + 4 : d.x0 - 4)).attr("y", (d) => (d.y0 + d.y1) / 2 + 4)
      .attr("text-anchor", (d) => (d.x0 < width / 2 ? "start" : "end"))
      .text((d) => d.name).attr("display", (d) => {
        const key = Math.round(d.x0), mid = (d.y0 + d.y1) / 2;
        if (taken.some((t) => t[0] === key && Math.abs(t[1] - mid) < FONT + 1)) return "none";
        taken.push([key, mid]); return null;
      });
    if (groups.length > 1) legend(el, groups.map((g) => ({ label: g, colour: colour(g) })), { title: `Colour: ${groupTitle}` });
    else legend(el, [{ label: `flow [${unit}] (width)`, colour: colour(groups[0]) }]);
  });
}

// ---------------------------------------------------------------- choropleth
// features: GeoJSON; valueOf(f) -> number|null; scale "log" or "linear", with a colour legend.
export function choropleth(el, features, valueOf, { scale = "linear", label = "", unit = "", source = "", nameOf = (f) => f.properties.name, onClick = null } = {}) {
  responsive(el, () => {
    const width = widthOf(el), height = Math.round(width * 0.5);
    const svg = svgIn(el, width, height, label);
    const values = features.map(valueOf).filter((v) => v !== null && v > 0);
    const top = d3.max(values) || 1;
    const colour = scale === "log"
      ? d3.scaleSequentialLog(d3.interpolateYlOrRd).domain([Math.max(d3.min(values) || 1, 1e-9), top])
      : d3.scaleSequential(d3.interpolateYlOrRd).domain([0, top]);
    const path = d3.geoPath(d3.geoNaturalEarth1().fitSize([width, height], { type: "FeatureCollection", features }));
    const shapes = svg.append("g").selectAll("path").data(features).join("path")
      .attr("class", (f) => valueOf(f) === null ? "country nodata" : "country").attr("d", path)
      .attr("fill", (f) => valueOf(f) === null ? null : colour(Math.max(valueOf(f), scale === "log" ? 1e-9 : 0)));
    withTooltip(shapes.filter((f) => valueOf(f) !== null), (f) => tipText(nameOf(f), number(valueOf(f)), unit, source));
    shapes.filter((f) => valueOf(f) === null).append("title").text((f) => `${nameOf(f)}: no data`);
    if (onClick) shapes.on("click", (event, f) => onClick(f));
    colourLegend(el, colour, { title: `${label} [${unit}], ${scale} scale`, log: scale === "log" });
  });
}

function colourLegend(el, colour, { title, log }) {
  const box = d3.select(el).append("div").attr("class", "legend colour-legend");
  box.append("span").attr("class", "legend-title").text(title);
  const width = Math.min(320, widthOf(el) - 20), height = 44;
  const svg = box.append("svg").attr("width", width).attr("height", height).attr("viewBox", `0 0 ${width} ${height}`).attr("aria-hidden", "true");
  const [lo, hi] = colour.domain();
  const x = (log ? d3.scaleLog() : d3.scaleLinear()).domain([lo, hi]).range([8, width - 12]);
  const steps = d3.range(0, 1.0001, 0.02).map((t) => (log ? lo * (hi / lo) ** t : lo + (hi - lo) * t));
  svg.append("g").selectAll("rect").data(steps.slice(0, -1)).join("rect")
    .attr("x", (v) => x(v)).attr("width", (v, i) => Math.max(1, x(steps[i + 1]) - x(v)) + 0.5).attr("y", 2).attr("height", 12).attr("fill", (v) => colour(v));
  const decades = d3.range(Math.ceil(Math.log10(lo)), Math.floor(Math.log10(hi)) + 1).map((e) => 10 ** e);
  const ticks = log ? (decades.length > 4 ? decades.filter((d, i) => i % 2 === 0) : decades) : x.ticks(4);
  svg.append("g").attr("class", "axis").attr("transform", "translate(0, 14)")
    .call(d3.axisBottom(x).tickValues(ticks).tickFormat(d3.format("~s")));
  box.append("span").attr("class", "swatch nodata-swatch").attr("title", "no data");
  box.append("span").text("no data");
}
