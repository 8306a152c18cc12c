// 批量审核: the checkbox in the heading ticks or clears every review task listed on the page.
document.addEventListener("change", (event) => {
  const all = event.target.closest("input[data-select-all]");
  if (!all || !all.form) return;
  const name = all.dataset.selectAll;
  for (const box of all.form.querySelectorAll(`input[type=checkbox][name="${name}"]`)) {
    box.checked = all.checked;
  }
});
