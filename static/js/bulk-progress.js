// Live progress of a bulk award job (templates/bulk/detail.html), without reloading the page: while the job or its
// undo is under way (#bulk-job has data-follow), every second it asks the job's progress.json and moves the bar, the
// figures under it and the done / failed / revoked counts. When the status or the undo changes (running, paused,
// finished, cancelled, undone — here or elsewhere), the job's part of the page (#bulk-job) is fetched again and
// swapped in place, so that what fits the new state appears (the results, the undo, resume) with the server's own
// markup; polling goes on while the new state is still under way. A file of our own under
// 'self': nothing inline, as the Content-Security-Policy requires (docs/decisions.md D35, D48). Without JavaScript,
// the page refreshes itself every 5 s instead (a <noscript> meta refresh). No words of its own: the figures are worded
// with the parts the page gives in the reader's language (data-words-* on #bulk-progress-text, from
// bulk.views.progress_words) and written as that language writes numbers (<html lang>).
(function () {
  "use strict";
  const INTERVAL_MS = 1000;
  const RETRY_MS = 5000;

  const LANGUAGE = document.documentElement.lang || "en";
  const number = (n) => n.toLocaleString(LANGUAGE);
  const decimal = (n) => n.toLocaleString(LANGUAGE, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  // A part such as "%(handled)s of %(valid)s rows done" with its values put in (Python's named placeholders).
  function fill(part, values) {
    return (part || "").replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? values[name] : whole));
  }

  // The same wording as bulk.views.duration_text.
  function duration(seconds, words) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 60) return fill(words.seconds, { seconds: Math.max(seconds, 1) });
    if (seconds < 3600) return fill(words.minutes, { minutes: Math.round(seconds / 60) });
    return fill(words.hours, { hours: Math.floor(seconds / 3600), minutes: Math.round((seconds % 3600) / 60) });
  }

  // The same wording as bulk.views.progress_text.
  function describe(p, words) {
    const parts = [
      fill(words.done, { handled: number(p.handled), valid: number(p.valid) }),
      fill(words.failed, { failed: number(p.failed) }),
    ];
    if (p.rate !== null && p.rate !== undefined) parts.push(fill(words.rate, { rate: decimal(p.rate) }));
    const eta = duration(p.eta_seconds, words);
    if (eta) parts.push(eta);
    return parts.join(", ");
  }

  function show(progress) {
    const bar = document.getElementById("bulk-progress-bar");
    const text = document.getElementById("bulk-progress-text");
    const label = document.getElementById("bulk-status");
    if (bar) {
      bar.value = progress.percent;
      bar.textContent = `${Math.round(progress.percent)}%`;
    }
    if (text) {
      const words = text.dataset;
      text.textContent = describe(progress, {
        done: words.wordsDone,
        failed: words.wordsFailed,
        rate: words.wordsRate,
        seconds: words.wordsSeconds,
        minutes: words.wordsMinutes,
        hours: words.wordsHours,
      });
    }
    if (label) label.textContent = progress.status_label;
    for (const figure of document.querySelectorAll("[data-progress]")) {
      const value = progress[figure.dataset.progress];
      if (typeof value === "number") figure.textContent = number(value);
    }
  }

  // The job's part of the page as the server now renders it, swapped in place (no navigation, no scroll jump).
  async function refresh() {
    const response = await fetch(window.location.href, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("bulk-job");
    const current = document.getElementById("bulk-job");
    if (!fresh || !current) throw new Error("no #bulk-job on the page");
    current.replaceWith(document.importNode(fresh, true));
  }

  async function poll() {
    const job = document.getElementById("bulk-job");
    if (!job || !("follow" in job.dataset)) return; // nothing under way any more: nothing to follow
    try {
      const response = await fetch(job.dataset.progressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const progress = await response.json();
      show(progress);
      if (progress.status !== job.dataset.status || progress.undo !== job.dataset.undo) await refresh();
    } catch (error) {
      // A lost connection, a restarting server, a signed-out session: try again, a little later.
      window.setTimeout(poll, RETRY_MS);
      return;
    }
    window.setTimeout(poll, INTERVAL_MS);
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
