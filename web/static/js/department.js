// The department's forms (部门整体绩效). The filing form: rows of key tasks and indicators added
// from their <template> (each with a fresh key) and removed; each level-1 item's weight kept
// beside what it must total, the way the engine checks it (an empty item that folds into another
// gives it its points: 成本 to 产出 when the table has no cost indicators). The monitoring form:
// the execution rate as the basic expenditure executed is typed.
(function () {
  "use strict";

  const monitoring = document.querySelector("[data-department-rate]");
  if (monitoring) {
    const input = monitoring.querySelector("[data-basic-executed]");
    const shown = monitoring.querySelector("[data-rate]");
    const data = monitoring.dataset;
    const rate = () => {
      const typed = Number(String(input.value || "").replace(/[,，\s]/g, ""));
      const budget = Number(data.projectBudget) + Number(data.basicBudget);
      if (!input.value || !Number.isFinite(typed) || !(budget > 0)) {
        shown.textContent = "–";
        return;
      }
      const executed = Number(data.projectExecuted) + typed;
      shown.textContent = (Math.round((executed / budget) * 1000) / 10).toFixed(1) + "%";
    };
    if (input && shown) {
      input.addEventListener("input", rate);
      rate();
    }
  }

  const form = document.querySelector("[data-department-plan]");
  if (!form) return;

  function freshKey() {
    return "n" + Math.random().toString(16).slice(2, 12);
  }

  function number(text) {
    const value = Number(String(text || "").replace(/[,，\s]/g, ""));
    return Number.isFinite(value) ? value : 0;
  }

  function shown(value) {
    return String(Math.round(value * 100) / 100);
  }

  function recount() {
    const got = {};
    const items = Array.from(form.querySelectorAll("tr[data-level1]"));
    items.forEach((row) => { got[row.dataset.level1] = 0; });
    form.querySelectorAll("#ind-rows tr").forEach((row) => {
      const select = row.querySelector("select[data-item]");
      const weight = row.querySelector("input[data-weight]");
      if (!select || !weight || select.selectedIndex < 0) return;
      const level1 = select.options[select.selectedIndex].dataset.level1;
      if (level1 in got) got[level1] += number(weight.value);
    });
    const expected = {};
    items.forEach((row) => { expected[row.dataset.level1] = number(row.dataset.weight); });
    items.forEach((row) => {
      const into = row.dataset.foldsInto;
      const code = row.dataset.level1;
      if (into && into in expected && !got[code] && got[into]) {
        expected[into] += expected[code];
        expected[code] = 0;
      }
    });
    let total = 0;
    items.forEach((row) => {
      const code = row.dataset.level1;
      total += got[code];
      const cell = row.querySelector("[data-got]");
      const want = row.querySelector("[data-expected]");
      if (want && want.firstChild) want.firstChild.textContent = shown(expected[code]);
      if (cell) {
        cell.textContent = shown(got[code]);
        cell.className = Math.abs(got[code] - expected[code]) < 0.005 ? "ok" : "off";
      }
    });
    const all = form.querySelector("[data-total]");
    if (all) {
      all.textContent = shown(total);
      all.className = Math.abs(total - number(all.dataset.needed)) < 0.005 ? "ok" : "off";
    }
  }

  form.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-row]");
    if (add) {
      const name = add.dataset.addRow;
      const template = document.getElementById(name + "-template");
      const body = document.getElementById(name + "-rows");
      if (!template || !body) return;
      const key = freshKey();
      const holder = document.createElement("tbody");
      holder.innerHTML = template.innerHTML.split("__KEY__").join(key);
      const row = holder.querySelector("tr");
      if (row) {
        body.appendChild(row);
        const first = row.querySelector("input");
        if (first) first.focus();
      }
      recount();
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      const row = remove.closest("tr");
      if (row) row.remove();
      recount();
    }
  });
  form.addEventListener("input", recount);
  form.addEventListener("change", recount);
  recount();
})();
