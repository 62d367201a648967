// Shareable views: a page's selection (commodity, measure, year, scenario, country …) lives
// in the query string, so a copied URL opens the same view.

// The value of `key` in the URL, or `fallback`.
export function getState(key, fallback = "") {
  return new URLSearchParams(location.search).get(key) ?? fallback;
}

// Write `values` into the URL (empty values are removed) without reloading the page.
export function setState(values) {
  const params = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(values)) {
    if (value === "" || value === null || value === undefined) params.delete(key); else params.set(key, String(value));
  }
  const query = params.toString();
  history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
}

// Set a <select> or <input> from the URL when the URL names a value it can take.
export function restore(element, key) {
  const value = getState(key, null);
  if (value === null) return false;
  if (element.tagName === "SELECT" && ![...element.options].some((o) => o.value === value)) return false;
  element.value = value;
  return true;
}
