// Task pages: select-all on the ledger, owner list follows the chosen group, due-mode fields.
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
      option.hidden = allowed.size > 0 && !allowed.has(option.value);
    });
    if (owner.selectedOptions[0] && owner.selectedOptions[0].hidden) {
      const first = [...owner.options].find((option) => !option.hidden);
      if (first) owner.value = first.value;
    }
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
