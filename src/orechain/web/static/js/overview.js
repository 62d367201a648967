import { api, barsFromTable, fmt, pct } from "./common.js";

document.querySelectorAll("[data-chart=bars]").forEach(barsFromTable);

async function pollRun(jobId) {
  for (;;) {
    const job = await api(`/api/scenarios/runs/${jobId}`);
    if (!["queued", "running"].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

function digestTable(result) {
  const sides = [["with the Pakistan mitigations", result]];
  if (result.without) sides.push([result.without.variant, result.without]);
  const last = (years) => years[years.length - 1];
  const stages = Object.keys(last(result.years).supply_share_by_origin || {});
  const rows = sides.map(([label, doc]) => {
    const shares = last(doc.years).supply_share_by_origin || {};
    return `<tr><td>${label}</td><td class="num">${fmt(doc.summary.shortfall_t)}</td><td class="num">${pct(doc.summary.shortfall_share)}</td>`
      + stages.map((s) => `<td class="num">${pct((shares[s] || {}).CHN || 0)}</td>`).join("") + "</tr>";
  });
  const year = last(result.years).year;
  return `<table class="data" id="digest-table"><caption>${result.summary.region} shortfall over ${result.years.length} years, and China's share of its supply in ${year}</caption>`
    + `<thead><tr><th scope="col">run</th><th scope="col" class="num">shortfall [t]</th><th scope="col" class="num">share of demand</th>`
    + stages.map((s) => `<th scope="col" class="num">China, ${s}</th>`).join("") + `</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

const box = document.getElementById("scenario-digest");
if (box) {
  api("/api/scenarios/runs", { body: { name: "pakistan-us-corridor" } })
    .then((job) => pollRun(job.job_id))
    .then((job) => {
      if (job.status !== "done") throw new Error(job.error ? job.error.message : job.status);
      box.innerHTML = digestTable(job.result);
    })
    .catch((error) => { box.textContent = `The scenario could not run: ${error.message}`; });
}
