// "Copy link" buttons (templates/badges/credential_public.html): a click copies the button's data-copy to the
// clipboard, then the button says so. A static file, not an onclick attribute: the Content-Security-Policy runs
// no inline script, and a nonce would not survive the page being cached (docs/decisions.md D35).
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    navigator.clipboard.writeText(button.dataset.copy).then(() => {
      button.textContent = "Link copied";
    });
  });
})();
