// Target-table editor: removing a row takes it out of the form (saving then drops it).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-remove-row]");
  if (!button) return;
  const row = button.closest("tr");
  if (row) row.remove();
});
