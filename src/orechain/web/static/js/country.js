import { barsFromTable, makeSortable } from "./common.js";

document.querySelectorAll("[data-chart=bars]").forEach(barsFromTable);
document.querySelectorAll("table.sortable").forEach(makeSortable);
