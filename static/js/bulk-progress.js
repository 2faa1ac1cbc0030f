// Live progress of a bulk award job (templates/badges/bulk/detail.html): polls the job's progress.json every
// second and updates the bar and the figures under it. When the status changes (finished, cancelled, paused,
// resumed elsewhere), polling stops and the page reloads to show what fits the new status. Without JavaScript,
// the page refreshes itself every 5 s instead (a <noscript> meta refresh).
(function () {
  "use strict";
  const box = document.getElementById("bulk-progress");
  if (!box) return;
  const url = box.dataset.progressUrl;
  const shown = box.dataset.status;
  const bar = document.getElementById("bulk-progress-bar");
  const text = document.getElementById("bulk-progress-text");
  const label = document.getElementById("bulk-status");
  const INTERVAL_MS = 1000;

  const number = (n) => n.toLocaleString("en");

  // The same wording as views_bulk.duration_text.
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 60) return `about ${Math.max(seconds, 1)} s left`;
    if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
    return `about ${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min left`;
  }

  // The same wording as views_bulk.progress_text.
  function describe(p) {
    const parts = [`${number(p.handled)} of ${number(p.valid)} rows done`, `${number(p.failed)} failed`];
    if (p.rate !== null && p.rate !== undefined) parts.push(`${p.rate.toFixed(1)} rows/s`);
    const eta = duration(p.eta_seconds);
    if (eta) parts.push(eta);
    return parts.join(", ");
  }

  async function poll() {
    let progress;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      progress = await response.json();
    } catch (error) {
      // A lost connection or a restarting server: try again, a little later.
      window.setTimeout(poll, INTERVAL_MS * 5);
      return;
    }
    bar.value = progress.percent;
    bar.textContent = `${Math.round(progress.percent)}%`;
    text.textContent = describe(progress);
    if (label) label.textContent = progress.status_label;
    if (progress.status !== shown) {
      window.location.reload();
      return;
    }
    window.setTimeout(poll, INTERVAL_MS);
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
