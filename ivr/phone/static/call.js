// The call summary page's Print button (a script file: the page's CSP allows no inline handlers).
document.querySelectorAll('[data-action="print"]').forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
