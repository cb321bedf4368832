// Small progressive enhancements; every page works without them. No inline scripts (CSP).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  const back = event.target.closest("[data-action=back]");
  if (back) { event.preventDefault(); history.back(); }
});
