// The corridor's colour key: Pakistan, China and the United States each get one colour,
// every other country one grey, so Pakistan's route stands out in any flow diagram.
export const ORIGIN_COLOURS = {
  Pakistan: "#1e8a4c", China: "#b4462b", "United States": "#1f5f8b", "other countries": "#a3a3a3",
};
const NAMES = { PAK: "Pakistan", CHN: "China", USA: "United States" };

// The colour group of a modelled node id ("PAK separation (pk-sep)" → "Pakistan").
export function originGroup(node) {
  const iso = /^[A-Z]{3}\b/.test(node) ? node.slice(0, 3) : "";
  return NAMES[iso] || "other countries";
}
