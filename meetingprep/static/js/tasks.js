// Task pages: select-all on the ledger, owner list follows the chosen group, due-mode fields,
// and the hand-off picker's search as you type (the page's own ?hand_off_q= search works without it).
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (all) {
    document.querySelectorAll(`input[name="${all.dataset.selectAll}"]`).forEach((box) => { box.checked = all.checked; });
  }
});

const taskForm = document.getElementById("task-form");
if (taskForm) {
  const group = taskForm.querySelector("[name=group_id]");
  const owner = taskForm.querySelector("[name=owner_id]");
  const pairs = JSON.parse(owner.dataset.ownerGroups || "[]");
  const filterOwners = () => {
    const groupId = Number(group.value);
    const allowed = new Set(pairs.filter(([g]) => g === groupId).map(([, u]) => String(u)));
    owner.querySelectorAll("option").forEach((option) => {
      option.hidden = option.value !== "" && !allowed.has(option.value);  // the placeholder stays
    });
    // Nobody is picked for the person: an owner outside the chosen group is cleared, not replaced.
    if (owner.selectedOptions[0] && owner.selectedOptions[0].hidden) owner.value = "";
  };
  const showDueMode = () => {
    const mode = (taskForm.querySelector("[name=due_mode]:checked") || {}).value || "relative";
    taskForm.querySelectorAll("[data-due-mode]").forEach((block) => { block.hidden = block.dataset.dueMode !== mode; });
  };
  group.addEventListener("change", filterOwners);
  taskForm.addEventListener("change", (event) => { if (event.target.name === "due_mode") showDueMode(); });
  filterOwners();
  showDueMode();
}

const picker = document.getElementById("hand-off-picker");
if (picker) {
  const input = picker.querySelector("#hand-off-q");
  const select = picker.querySelector("[name=predecessor_id]");
  const hint = picker.querySelector("#hand-off-hint");
  let timer = null;
  let seq = 0;
  const show = (items, q) => {
    const chosen = select.value;
    select.replaceChildren(...items.map(({ id, label }) => new Option(label, id, false, String(id) === chosen)));
    if (!q) hint.textContent = hint.dataset.defaultHint;
    else if (items.length) hint.textContent = `与「${q}」相符的任务，按时间节点列出 ${items.length} 项。`;
    else hint.textContent = `没有找到与「${q}」相符的任务，请换个字词或编号再试。`;
  };
  const search = () => {
    const q = input.value.trim();
    const mine = ++seq;
    fetch(`${picker.dataset.searchUrl}?q=${encodeURIComponent(q)}`,
          { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => { if (mine === seq) show(data.items, data.q); })
      .catch(() => { if (mine === seq) hint.textContent = "查找失败，请按「查找」按钮重试。"; });
  };
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);
  });
}
