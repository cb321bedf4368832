// 领导驾驶舱: print button; on the wall screen, refresh every [data-figure] from /api/dashboard
// without reloading. A figure path is dotted keys; "#id" picks the list item with that id
// (e.g. "groups.rows.#3.overdue"). data-figure-attr sets that attribute instead of the text.
(() => {
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-action=print]")) window.print();
  });

  const root = document.querySelector("[data-dashboard-api]");
  if (!root) return;
  const seconds = Math.max(1, Number(root.dataset.refresh) || 60);

  const lookup = (data, path) => path.split(".").reduce((value, key) => {
    if (value === undefined || value === null) return undefined;
    if (key.startsWith("#") && Array.isArray(value)) {
      return value.find((item) => String(item.id) === key.slice(1));
    }
    return value[key];
  }, data);

  const refresh = async () => {
    try {
      const response = await fetch(root.dataset.dashboardApi, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      root.querySelectorAll("[data-figure]").forEach((element) => {
        const value = lookup(data, element.dataset.figure);
        if (value === undefined || value === null) return;
        if (element.dataset.figureAttr) element.setAttribute(element.dataset.figureAttr, value);
        else element.textContent = value;
      });
      root.classList.remove("is-stale");
    } catch (error) {
      root.classList.add("is-stale");  // keep the last figures, show they are old
    }
  };
  setInterval(refresh, seconds * 1000);
})();
