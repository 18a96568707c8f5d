// A "Print" button (data-print) prints the page. A static file, because the pages'
// Content-Security-Policy runs no inline script (onclick attributes included).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
