// Attendance: live counts, the check-in desk (search as you type, Enter checks in), print, check-all.
// Every page works without this file; it only makes the desk fast at the door.
(() => {
  "use strict";

  const csrfToken = () => {
    const meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  };

  const showCounts = (counts) => {
    Object.entries(counts || {}).forEach(([key, value]) => {
      document.querySelectorAll(`[data-count="${key}"]`).forEach((cell) => { cell.textContent = value; });
    });
  };

  // Live counts: poll while the page says so (a sitting under way, a desk).
  document.querySelectorAll("[data-counts-url][data-poll]").forEach((panel) => {
    const seconds = Math.max(3, parseInt(panel.dataset.poll, 10) || 10);
    const refresh = () => {
      if (document.hidden) return;
      fetch(panel.dataset.countsUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : null))
        .then((counts) => counts && showCounts(counts))
        .catch(() => {});
    };
    window.setInterval(refresh, seconds * 1000);
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-action=print]")) window.print();
  });
  document.addEventListener("change", (event) => {
    const all = event.target.closest("[data-check-all]");
    if (!all) return;
    document.querySelectorAll(`input[type=checkbox][name="${all.dataset.checkAll}"]`)
      .forEach((box) => { box.checked = all.checked; });
  });

  const desk = document.querySelector(".checkin-desk");
  if (!desk) return;
  const input = desk.querySelector("#desk-q");
  const list = desk.querySelector("#desk-results");
  const message = desk.querySelector("#desk-message");
  const verb = desk.dataset.mode === "registration" ? "报到" : "签到";
  let results = [];
  let selected = 0;  // the highlighted result: Enter acts on it, ↑/↓ move it
  let stale = false;  // typed since the last search finished
  let searchSeq = 0;
  let timer = null;

  const say = (text, kind) => {
    message.className = `alert alert-${kind}`;
    message.textContent = text;
  };

  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const render = () => {
    list.replaceChildren();
    if (!results.length && input.value.trim()) {
      list.append(element("li", "list-group-item text-secondary", `没有找到“${input.value.trim()}”。`));
    }
    results.forEach((member, index) => {
      const item = element("li", "list-group-item d-flex justify-content-between align-items-center gap-2");
      if (index === selected) {
        item.classList.add("list-group-item-primary");
        item.setAttribute("aria-current", "true");
      }
      const who = element("div");
      who.append(element("strong", "fs-5", member.name), " ", element("span", "text-secondary", member.member_no));
      const detail = element("div", "small text-secondary", [member.sector, member.group].filter(Boolean).join(" · "));
      if (!member.expected) detail.append(" ", element("span", "badge text-bg-warning", "非应到"));
      if (member.on_leave) detail.append(" ", element("span", "badge text-bg-info", "已请假"));
      who.append(detail);
      item.append(who);
      if (member.done_at) {
        item.append(element("span", "badge text-bg-success", `已${verb} ${member.done_at}${member.is_late ? "（迟到）" : ""}`));
      } else {
        const button = element("button", "btn btn-success btn-lg", verb);
        button.type = "button";
        button.dataset.memberId = member.id;
        item.append(button);
      }
      list.append(item);
    });
  };

  const search = () => {
    const q = input.value.trim();
    const seq = ++searchSeq;
    if (!q) { results = []; selected = 0; stale = false; render(); return Promise.resolve(); }
    const url = `${desk.dataset.searchUrl}?q=${encodeURIComponent(q)}`;
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { results: [] }))
      .then((data) => {
        if (seq !== searchSeq) return;
        results = data.results || [];
        selected = 0;
        stale = false;
        render();
      });
  };

  const undoCheckIn = (memberId) => {
    const body = new FormData();
    body.append("member_id", memberId);
    body.append("csrf_token", csrfToken());
    return fetch(desk.dataset.undoUrl, {
      method: "POST", body, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    })
      .then((response) => response.json().catch(() => ({ message: "操作失败，请重试。" })))
      .then((data) => {
        showCounts(data.counts);
        say(data.message || "操作失败，请重试。", data.ok ? "info" : "danger");
        input.focus();
      })
      .catch(() => { say("网络连接中断，请重试。", "danger"); input.focus(); });
  };

  const act = (memberId, admit) => {
    const body = new FormData();
    body.append("member_id", memberId);
    body.append("csrf_token", csrfToken());
    if (admit) body.append("admit", "1");
    return fetch(desk.dataset.actionUrl, {
      method: "POST", body, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    })
      .then((response) => response.json().catch(() => ({ message: "操作失败，请重试。" })))
      .then((data) => {
        showCounts(data.counts);
        if (data.needs_confirmation) {
          say(data.message, "warning");
          const confirm = element("button", "btn btn-warning btn-sm ms-2", `仍然${verb}`);
          confirm.type = "button";
          confirm.addEventListener("click", () => act(memberId, true));
          message.append(confirm);
          confirm.focus();  // Enter confirms, Esc goes back to the search box
          return;
        }
        say(data.message || "操作失败，请重试。",
          data.early ? "warning" : (data.created ? "success" : (data.ok ? "info" : "danger")));
        if (data.created && desk.dataset.undoUrl) {
          const undo = element("button", "btn btn-outline-danger btn-sm ms-2", "撤销这次签到");
          undo.type = "button";
          undo.addEventListener("click", () => undoCheckIn(memberId));
          message.append(undo);
        }
        // Whatever the answer (done, already done, refused), the box is emptied for the next person.
        input.value = "";
        results = [];
        selected = 0;
        render();
        input.focus();
      })
      .catch(() => { say("网络连接中断，请重试。", "danger"); input.focus(); });
  };

  input.addEventListener("input", () => {
    stale = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 120);
  });
  input.form.addEventListener("submit", (event) => {
    // Enter: the highlighted match (searching first if the list is stale); one already done is only reported.
    event.preventDefault();
    window.clearTimeout(timer);
    (stale || !results.length ? search() : Promise.resolve()).then(() => {
      const chosen = results[selected];
      if (!chosen) return;
      if (chosen.done_at) {
        say(`${chosen.name} 已于 ${chosen.done_at} ${verb}，无需重复${verb}。`, "info");
        input.value = "";  // the next person types into an empty box
        results = [];
        selected = 0;
        render();
      } else act(chosen.id, false);
    });
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!results.length) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      selected = (selected + step + results.length) % results.length;
      render();
    } else if (event.key === "Escape") {
      input.value = "";
      results = [];
      selected = 0;
      message.className = "alert d-none";
      render();
    }
  });
  message.addEventListener("keydown", (event) => {
    if (event.key === "Escape") input.focus();
  });
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-member-id]");
    if (button) act(button.dataset.memberId, false);
  });
  if (input.value.trim()) search();
})();
