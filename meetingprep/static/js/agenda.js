// Agenda: the print button of the printed 大会发言顺序.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-action=print]")) window.print();
});
