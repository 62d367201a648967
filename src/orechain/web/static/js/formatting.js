// The dashboard's number formatter: the rules of orechain/formatting.py, digit for digit.
// Python formats the exact binary value with round-half-even; so does fixed() below, so
// 7,042 on a page is 7,042 in the CLI and the report (tests/web/test_web_formatting.py
// compares the two on fixed and random values).

export const MISSING = "–";

export function isMissing(value) {
  return value === null || value === undefined || (typeof value === "number" && Number.isNaN(value));
}

function group(digits) { return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }

// `x` with `d` decimals and thousands separators, as Python's f"{x:,.{d}f}".
export function fixed(x, d) {
  const negative = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  if (!Number.isFinite(abs)) return negative ? "-inf" : (Number.isNaN(x) ? "nan" : "inf");
  if (abs >= 1e21) return `${negative ? "-" : ""}${group(BigInt(abs).toString())}${d ? "." + "0".repeat(d) : ""}`;
  const exact = abs.toFixed(100); // the exact decimal expansion of the double (to 100 places)
  const [int, frac] = exact.split(".");
  let q = BigInt(int + frac.slice(0, d));
  const next = Number(frac[d]), rest = /[1-9]/.test(frac.slice(d + 1));
  if (next > 5 || (next === 5 && (rest || q % 2n === 1n))) q += 1n;
  let s = q.toString().padStart(d + 1, "0");
  const whole = s.slice(0, s.length - d), part = s.slice(s.length - d);
  s = group(whole) + (d ? `.${part}` : "");
  return (negative ? "-" : "") + s;
}

// A number for a table cell: 1,234 · 12.35 · 0.05; "–" when missing (formatting.number).
export function number(value, digits = 2) {
  if (isMissing(value)) return MISSING;
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value !== "number") return String(value);
  if (Math.abs(value) >= 1000 || value === Math.trunc(value)) return fixed(value, 0);
  return fixed(value, digits);
}

// A fraction as a percentage: 0.4412 → "44.1 %" (formatting.percent).
export function percent(fraction, digits = 1) {
  if (isMissing(fraction)) return MISSING;
  return `${fixed(100 * Number(fraction), digits)} %`;
}

// A difference of two fractions in percentage points: -0.043 → "-4.3 pp" (formatting.points).
export function points(delta, digits = 1) {
  if (isMissing(delta)) return MISSING;
  const text = fixed(100 * Number(delta), digits);
  return `${text.startsWith("-") ? "" : "+"}${text} pp`;
}

// Money in millions: -31,842,631 → "-31.8 M USD" (formatting.money).
export function money(value, currency = "", scale = "M") {
  if (isMissing(value)) return MISSING;
  const amount = Number(value);
  const text = scale === "M" ? `${fixed(amount / 1e6, 1)} M` : fixed(amount, 0);
  return `${text} ${currency}`.trim();
}

// A plain multiplier or index: 1.4832 → "1.48" (formatting.ratio).
export function ratio(value, digits = 2) {
  if (isMissing(value)) return MISSING;
  return fixed(Number(value), digits);
}

// A scenario run's origin share beside its range over equally cheap routings
// (docs/scenarios.md, "Ranges over equally cheap routings"): 0.69, [0.076, 0.979] →
// "69.0 % (8–98 %)". The least-cost stage has many optima; the point is the one HiGHS
// returned, and the model does not determine the share inside the range, so the page must
// not show the point alone when the range is open. As the CLI: a range no wider than
// OPEN_RANGE (1 percentage point) is not printed, the bounds are whole percents (still two
// different numbers for an open range), and a run without ranges (older documents,
// routing_samples 0: `span` undefined) shows the point alone.
export const OPEN_RANGE = 0.01;

export function isOpenRange(span) {
  return Array.isArray(span) && span.length === 2 && span[1] - span[0] > OPEN_RANGE;
}

export function shareRange(point, span, digits = 1) {
  const text = percent(point, digits);
  if (isMissing(point) || !isOpenRange(span)) return text;
  return `${text} (${fixed(100 * span[0], 0)}–${fixed(100 * span[1], 0)} %)`;
}

// The same text as an element for a table cell: the range kept on one line (a narrow
// column may wrap between the point and the range, never inside "(0–41 %)").
export function shareRangeCell(point, span, digits = 1) {
  const text = shareRange(point, span, digits), cut = text.indexOf(" (");
  const cell = document.createElement("span");
  if (cut === -1) { cell.textContent = text; return cell; }
  const range = document.createElement("span");
  range.className = "nowrap"; range.textContent = text.slice(cut + 1);
  cell.append(text.slice(0, cut + 1), range);
  return cell;
}

// The note under a table that shows an open range; `samples` = the run's routing_samples.
export function rangeNote(samples) {
  return `(lo–hi %) beside a share: its range over ${samples ? `${samples} ` : ""}equally cheap routings of the least-cost stage; `
    + "the model does not determine the share inside it.";
}
