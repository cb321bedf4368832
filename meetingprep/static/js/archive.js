// The archive page: while a bundle is being built, its progress is fetched every second and a half and drawn
// into the bar; the page works without this (it shows the state as of its loading, with a link to refresh).
(() => {
  const card = document.querySelector("[data-archive-progress]");
  if (!card || card.dataset.active !== "true") return;
  const bar = card.querySelector("[data-archive-bar]");
  const fill = bar.querySelector(".progress-bar");
  const status = card.querySelector("[data-archive-status]");
  const step = card.querySelector("[data-archive-step]");
  const done = card.querySelector("[data-archive-done]");
  const poll = () => {
    fetch(card.dataset.archiveProgress, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((state) => {
        if (!state.status) return;
        bar.setAttribute("aria-valuenow", state.percent);
        fill.style.width = `${state.percent}%`;
        fill.textContent = `${state.percent}%`;
        status.textContent = state.label;
        step.textContent = state.status === "failed" ? state.error : state.step;
        if (state.active) { window.setTimeout(poll, 1500); return; }
        fill.classList.remove("progress-bar-striped", "progress-bar-animated");
        status.className = `badge text-bg-${state.done ? "success" : "danger"}`;
        if (state.done) window.location.reload();  // the file's size and checksum come with the page
      })
      .catch(() => window.setTimeout(poll, 5000));
  };
  window.setTimeout(poll, 1000);
})();
