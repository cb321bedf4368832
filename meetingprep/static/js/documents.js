// 材料审核: quote the selected passage into a comment, show only changed rows of a diff, print the 审签单.
document.addEventListener("click", (event) => {
  const quote = event.target.closest("[data-quote-target]");
  if (quote) {
    const selected = (window.getSelection() || "").toString().trim();
    const field = document.querySelector(quote.dataset.quoteTarget);
    if (field && selected) { field.value = selected.slice(0, 2000); field.focus(); }
  }
  if (event.target.closest("[data-print]")) window.print();
});
document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-diff-toggle]")) return;
  document.querySelectorAll(".diff-table tr.diff-equal").forEach((row) => {
    row.hidden = event.target.checked;
  });
});
