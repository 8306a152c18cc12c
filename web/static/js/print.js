// The 申报表 page's print button (the Content-Security-Policy allows no inline handlers).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
