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
// Drafts across an expired login: the login-expired page stores the typed fields for the form's page, with the
// address the form was sent to, and goes on to log in; back on that page, the empty fields of that form (and only
// that form: a task's 验收意见 and 退回原因 share the name "note") are filled again, once, with a note.
(() => {
  const DAY = 24 * 60 * 60 * 1000;
  const expired = document.getElementById("login-expired");
  if (expired) {
    try {
      const fields = JSON.parse(expired.dataset.fields || "{}");
      if (Object.keys(fields).length) {
        localStorage.setItem(`draft:${expired.dataset.draftPath}`,
          JSON.stringify({ at: Date.now(), action: expired.dataset.draftAction, fields }));
      }
    } catch (error) { /* private mode or full storage: the page still shows the text to copy */ }
    window.location.replace(expired.dataset.loginUrl);
    return;
  }
  let draft = null;
  const key = `draft:${window.location.pathname}`;
  try { draft = JSON.parse(localStorage.getItem(key) || "null"); } catch (error) { return; }
  if (!draft || !draft.fields) return;
  if (Date.now() - draft.at > DAY || !draft.action) { localStorage.removeItem(key); return; }
  const sentTo = new URL(draft.action, window.location.href);
  const form = [...document.forms].find((candidate) => {
    // getAttribute, not .action: a control named "action" would shadow the property. No action: this page.
    const action = new URL(candidate.getAttribute("action") || window.location.href, window.location.href);
    return action.pathname === sentTo.pathname && action.search === sentTo.search;
  });
  if (!form) return;  // not yet on the form's page (e.g. still on the login page)
  let restored = 0;
  Object.entries(draft.fields).forEach(([name, value]) => {
    const control = [...form.querySelectorAll("textarea, input[type=text], input:not([type])")]
      .find((element) => element.name === name && !element.value);
    if (control) { control.value = value; restored += 1; }
  });
  if (!restored) return;
  localStorage.removeItem(key);
  const note = document.createElement("div");
  note.className = "alert alert-warning";
  note.setAttribute("role", "status");
  note.textContent = "已填回您登录过期前填写的内容，请检查后重新提交。";
  const main = document.querySelector("main");
  if (main) main.prepend(note);
})();
