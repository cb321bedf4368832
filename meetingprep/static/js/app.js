// Small progressive enhancements; every page works without them. No inline scripts (CSP).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  const back = event.target.closest("[data-action=back]");
  if (back) { event.preventDefault(); history.back(); }
});
// A notification's 查看 is a plain link (it opens in a new tab too); following it marks the notification read.
// A plain click waits for the mark before leaving, so the next page's badge already counts it.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-mark-read]");
  if (!link) return;
  const sent = fetch(link.dataset.markRead, {
    method: "POST", body: new URLSearchParams({ csrf_token: link.dataset.csrf }), keepalive: true,
    credentials: "same-origin", redirect: "manual",
  });
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  sent.finally(() => { window.location.href = link.href; });
});
