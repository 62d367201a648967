import { barsFromTable, makeSortable } from "./common.js";

// Charts show the 15 largest shares of each group; the tables list every entry.
document.querySelectorAll("[data-chart=bars]").forEach((el) => barsFromTable(el, 15));
document.querySelectorAll("table.sortable").forEach(makeSortable);
