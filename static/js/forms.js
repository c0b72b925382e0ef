// Form behaviours declared with data- attributes, in place of inline handlers (onsubmit, hx-on),
// which the Content-Security-Policy refuses.
(function () {
  "use strict";
  // data-confirm: ask before the form is sent.
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
  // data-clear-after-send: once htmx has sent the form successfully, empty its text box for the next entry.
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.target.closest && event.target.closest("form[data-clear-after-send]");
    if (!form || !event.detail.successful) return;
    const box = form.querySelector("textarea");
    if (box) {
      box.value = "";
      box.focus();
    }
  });
})();
