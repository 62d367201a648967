import { number } from "./formatting.js";

// The corridor's colour key: Pakistan, China and the United States each get one colour,
// every other country one grey, so Pakistan's route stands out in any flow diagram.
// Shared by every page that draws a scenario run's Sankey (overview, Scenarios), so the
// same run reads the same on each.
export const ORIGIN_COLOURS = {
  Pakistan: "#1e8a4c", China: "#b4462b", "United States": "#1f5f8b", "other countries": "#a3a3a3",
};
const NAMES = { PAK: "Pakistan", CHN: "China", USA: "United States" };

// The colour group of a modelled node id ("PAK separation (pk-sep)" → "Pakistan") or of
// an origin key ("PAK"; "OTHER" has no word break after three letters → other countries).
export function originGroup(node) {
  const iso = /^[A-Z]{3}\b/.test(node) ? node.slice(0, 3) : "";
  return NAMES[iso] || "other countries";
}

// One Sankey link per colour band: a link's mined origin {ISO3: t} (docs/scenarios.md,
// "Origin of each Sankey link") grouped into Pakistan, China, the United States and other
// countries, each band its share of the link's tonnes. A link without origins falls back
// to the country it leaves (traced: false). `by` names what the colours mean: "origin"
// when any band is traced, else "departure" (a run document from before per-link origins).
export function originBands(links) {
  const bands = [];
  for (const l of links.filter((k) => k.tonnes > 1e-6)) {
    const mix = l.origin || {}, total = Object.values(mix).reduce((a, b) => a + b, 0);
    if (total <= 0) { bands.push({ source: l.source, target: l.target, value: l.tonnes, group: originGroup(l.source), traced: false }); continue; }
    const groups = new Map();
    for (const [iso, t] of Object.entries(mix)) groups.set(originGroup(iso), (groups.get(originGroup(iso)) || 0) + t);
    for (const [group, t] of groups) {
      if (t / total * l.tonnes > 1e-6) bands.push({ source: l.source, target: l.target, value: (t / total) * l.tonnes, group, traced: true });
    }
  }
  return { bands, by: bands.some((b) => b.traced) ? "origin" : "departure" };
}

// The legend title and the caption's colour sentence for `by` ("origin" | "departure").
export const GROUP_TITLE = { origin: "where the material was mined", departure: "country the flow leaves" };
const COLOURED = {
  origin: "each flow is split into bands by where the material was mined (traced plant by plant with the same pools as the run's origin shares; "
    + "Pakistan green, drawn on top)",
  departure: "coloured by the country each flow leaves (this run reports no traced origin per flow; Pakistan green, drawn on top)",
};

// "Modelled flows between stages and countries in 2035 [t]; each flow is split ...".
export function sankeyCaption(by, year = null) {
  return `Modelled flows between stages and countries${year === null ? "" : ` in ${year}`} [t]; ${COLOURED[by]}. `
    + "Model prediction, not a record of shipments.";
}

// "CHN 143,120 · USA 21,582 · MMR 12,555 · 11 others 22,653": a link's largest mined
// origins in tonnes, for tables that must read without the colours. No-break spaces
// inside each item, so a narrow column wraps between origins, never within one.
export function minedIn(origin, top = 3) {
  const parts = Object.entries(origin || {}).sort((a, b) => b[1] - a[1]);
  if (!parts.length) return "–";
  const shown = parts.slice(0, top).map(([iso, t]) => `${iso}\u00a0${number(t)}`);
  const rest = parts.slice(top);
  if (rest.length) shown.push(`${rest.length}\u00a0others\u00a0${number(rest.reduce((a, [, t]) => a + t, 0))}`);
  return shown.join(" · ");
}
