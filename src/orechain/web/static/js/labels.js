// Human labels and citations for the page scripts: the table orechain/web/labels.py embeds
// in every page (one label table for templates and scripts alike).
const table = JSON.parse(document.getElementById("labels")?.textContent || '{"fields":{},"sources":{},"units":{}}');

// "fcf" → "Free cash flow [M USD]"; unknown ids are spaced and capitalised.
export function label(key) {
  if (key in table.fields) return table.fields[key];
  const text = String(key).replace(/[_-]/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// "metr. t" → "t" (formatting.unit_label).
export function unitLabel(unit) {
  if (!unit) return "";
  return table.units[unit.trim()] ?? unit;
}

// The short name of a source id, for tooltips and captions.
export function sourceName(id) { return table.sources[id]?.short || id || ""; }

// A link to the source's entry in the provenance register.
export function cite(id) {
  const c = table.sources[id];
  if (!c) { const span = document.createElement("span"); span.textContent = id || ""; return span; }
  const a = document.createElement("a"); a.className = "cite"; a.href = c.href; a.title = c.citation; a.textContent = c.short;
  return a;
}
