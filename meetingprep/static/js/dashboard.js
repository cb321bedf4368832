// 领导驾驶舱: the print button; on the wall screen, refresh the figures from /api/dashboard every
// [data-refresh] seconds without reloading the page.
//   data-figure="a.b.#id.c"  text from that JSON path ("#id" picks the list item with that id);
//                            with data-figure-attr="width" it sets that attribute instead.
//   data-list="a.b"          a container re-drawn from that JSON list with its first <template>;
//                            inside a row: data-field (text), data-field-href (link), data-flag +
//                            data-flag-class (classes toggled by a true/false field), data-flags="field:class …"
//                            (several fields, one class each), data-list-field
//                            (a nested list of the item); data-list-empty="a.b" shows when it is empty.
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

  const fill = (scope, item) => {
    scope.querySelectorAll("[data-field]").forEach((element) => {
      element.textContent = item[element.dataset.field] ?? "";
    });
    scope.querySelectorAll("[data-field-href]").forEach((element) => {
      element.setAttribute("href", item[element.dataset.fieldHref] ?? "#");
    });
    scope.querySelectorAll("[data-flag]").forEach((element) => {
      element.dataset.flagClass.split(" ").forEach((name) => {
        element.classList.toggle(name, Boolean(item[element.dataset.flag]));
      });
    });
    scope.querySelectorAll("[data-flags]").forEach((element) => {
      element.dataset.flags.split(" ").forEach((pair) => {
        const [field, name] = pair.split(":");
        element.classList.toggle(name, Boolean(item[field]));
      });
    });
  };

  const draw = (container, items) => {
    const template = container.querySelector(":scope > template");
    container.querySelectorAll(":scope > :not(template)").forEach((element) => element.remove());
    items.forEach((item) => {
      const row = template.content.cloneNode(true);
      // Fill the row before drawing its nested lists: until then they hold only their <template>,
      // whose content querySelectorAll does not enter, so nested fields keep their own items.
      fill(row, item);
      row.querySelectorAll("[data-list-field]").forEach((nested) => {
        draw(nested, item[nested.dataset.listField] || []);
      });
      container.append(row);
    });
  };

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
      root.querySelectorAll("[data-list]").forEach((container) => {
        draw(container, lookup(data, container.dataset.list) || []);
      });
      root.querySelectorAll("[data-list-empty]").forEach((element) => {
        element.hidden = (lookup(data, element.dataset.listEmpty) || []).length > 0;
      });
      root.classList.remove("is-stale");
    } catch (error) {
      root.classList.add("is-stale");  // keep the last figures; the time shown turns red
    }
  };
  setInterval(refresh, seconds * 1000);
})();

// The wall fits one screen: when its sections are taller than the window, they are shown a screenful at a
// time and the screens rotate every [data-rotate] seconds (default 20), with 第 n / m 屏 in the header.
(() => {
  const wall = document.querySelector("body.dashboard-wall [data-dashboard-api]");
  if (!wall) return;
  const sections = [...wall.querySelectorAll(".dashboard-section")];
  const indicator = wall.querySelector("[data-wall-page]");
  const seconds = Math.max(1, Number(wall.dataset.rotate) || 20);
  let pages = [];
  let current = 0;

  const show = (index) => {
    current = index % pages.length;
    sections.forEach((section) => { section.hidden = !pages[current].includes(section); });
    if (indicator) indicator.textContent = pages.length > 1 ? `第 ${current + 1} / ${pages.length} 屏` : "";
    wall.dataset.wallPage = String(current + 1);
  };

  // Greedy: lay every section out, then start a new screen at the first one that would end below the window.
  const paginate = () => {
    sections.forEach((section) => { section.hidden = false; });
    const grid = wall.querySelector(".dashboard-grid");
    const room = window.innerHeight - grid.getBoundingClientRect().top - 16;
    pages = [];
    let page = [];
    let top = null;
    sections.forEach((section) => {
      const box = section.getBoundingClientRect();
      if (top === null) top = box.top;
      if (page.length && box.bottom - top > room) {
        pages.push(page);
        page = [];
        top = box.top;
      }
      page.push(section);
    });
    if (page.length) pages.push(page);
    show(0);
    // A screen's own flow may still be taller (sections move up once others hide): split it again.
    const overflow = () => document.documentElement.scrollHeight > window.innerHeight + 1;
    for (let index = 0; index < pages.length; index += 1) {
      show(index);
      while (overflow() && pages[index].length > 1) {
        if (index + 1 === pages.length) pages.push([]);
        pages[index + 1].unshift(pages[index].pop());
        show(index);
      }
    }
    show(0);
  };

  paginate();
  let resized = null;
  window.addEventListener("resize", () => { window.clearTimeout(resized); resized = window.setTimeout(paginate, 300); });
  window.setInterval(() => { if (pages.length > 1) show(current + 1); }, seconds * 1000);
})();
