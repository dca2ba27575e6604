// PagerBridge's own behaviour: toasts from HX-Trigger, confirmations on plain forms.
(function () {
  "use strict";

  function showToast(detail) {
    const level = (detail && detail.level) || "info";
    const message = (detail && detail.message) || String(detail || "");
    const container = document.getElementById("toasts");
    if (!container || !message) return;
    const toast = document.createElement("div");
    toast.className = "toast align-items-center border-0 text-bg-" + level;
    toast.setAttribute("role", level === "danger" ? "alert" : "status");
    const wrapper = document.createElement("div");
    wrapper.className = "d-flex";
    const body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", "Close");
    wrapper.append(body, close);
    toast.append(wrapper);
    container.append(toast);
    const instance = window.bootstrap ? new window.bootstrap.Toast(toast, { delay: 5000 }) : null;
    if (instance) instance.show(); else toast.classList.add("show");
    toast.addEventListener("hidden.bs.toast", () => toast.remove());
  }

  document.body.addEventListener("toast", (event) => showToast(event.detail));

  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr.status;
    const message = status === 403 ? "You don't have permission to do that."
      : status === 404 ? "That item no longer exists."
      : status === 429 ? "Too many requests: wait a moment and try again."
      : "Something went wrong (" + status + "). Please try again.";
    showToast({ level: "danger", message: message });
  });

  document.addEventListener("htmx:sendError", () => showToast({ level: "danger", message: "PagerBridge could not be reached. Check your connection." }));

  // Long lists of services are sent once per page; a row's select gets them when first used.
  function fillOptions(event) {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.dataset.optionsFrom || select.dataset.filled) return;
    const template = document.getElementById(select.dataset.optionsFrom);
    if (!template) return;
    const current = select.value;
    select.replaceChildren(template.content.cloneNode(true));
    select.value = current;
    select.dataset.filled = "true";
  }
  document.addEventListener("focusin", fillOptions);
  document.addEventListener("mousedown", fillOptions, true);

  // Search-as-you-type results keep the item already chosen when a later answer (the next keystroke's) replaces them.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const list = event.detail.target;
    if (!list.classList || !list.classList.contains("search-results")) return;
    const chosen = list.querySelector("input[type=radio]:checked");
    list.dataset.chosen = chosen ? chosen.value : "";
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const list = event.detail.target;
    if (!list.classList || !list.classList.contains("search-results") || !list.dataset.chosen) return;
    const again = list.querySelector('input[type=radio][value="' + CSS.escape(list.dataset.chosen) + '"]');
    if (again) again.checked = true;
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);
})();
