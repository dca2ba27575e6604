// PagerBridge's own behaviour: colour scheme, toasts from HX-Trigger, local times, copy buttons, confirmations.
(function () {
  "use strict";

  // Dark mode follows the system setting; set before the page paints (this script is not deferred).
  const darkScheme = window.matchMedia("(prefers-color-scheme: dark)");
  function applyScheme() {
    document.documentElement.setAttribute("data-bs-theme", darkScheme.matches ? "dark" : "light");
  }
  applyScheme();
  darkScheme.addEventListener("change", applyScheme);

  function showToast(detail) {
    const level = (detail && detail.level) || "info";
    const message = (detail && detail.message) || String(detail || "");
    const container = document.getElementById("toasts");
    if (!container || !message) return;
    container.replaceChildren(); // one at a time, so a toast never grows down over the page
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
    close.className = "btn-close me-2 m-auto" + (level === "warning" || level === "light" ? "" : " btn-close-white");
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", "Close");
    wrapper.append(body, close);
    toast.append(wrapper);
    container.append(toast);
    const instance = window.bootstrap ? new window.bootstrap.Toast(toast, { delay: 5000 }) : null;
    if (instance) instance.show(); else toast.classList.add("show");
    toast.addEventListener("hidden.bs.toast", () => toast.remove());
  }

  // Times: the server writes <time datetime="…" data-style="datetime|relative">; every page shows them one way: the
  // viewer's local time on a 24-hour clock, "now" rather than "in 0 seconds".
  const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", hourCycle: "h23" });
  const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  const UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  const NOW_SECONDS = 10;

  function fromNow(date) {
    const seconds = (date.getTime() - Date.now()) / 1000;
    if (Math.abs(seconds) < NOW_SECONDS) return relative.format(0, "second");
    for (const [unit, size] of UNITS) {
      if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
    }
    return relative.format(Math.round(seconds), "second");
  }

  function renderTimes(root) {
    (root || document).querySelectorAll("time[datetime][data-style]").forEach((element) => {
      const date = new Date(element.getAttribute("datetime"));
      if (Number.isNaN(date.getTime())) return;
      const exact = absolute.format(date);
      element.textContent = element.dataset.style === "relative" ? fromNow(date)
        : element.dataset.style === "clock" ? clock.format(date) : exact;
      element.title = exact;
    });
  }

  function copyValue(button) {
    const source = document.getElementById(button.dataset.copy);
    if (!source) return;
    const text = "value" in source ? source.value : source.textContent.trim();
    const done = () => {
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 1500);
      showToast({ level: "success", message: "Copied to the clipboard." });
    };
    // Without clipboard access (an insecure origin, or permission refused) selecting the field lets execCommand copy it.
    const fallback = () => {
      if (source.select) source.select();
      if (source.select && document.execCommand("copy")) done();
      else showToast({ level: "warning", message: "Copy failed: select the text and copy it." });
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  }

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

  document.addEventListener("DOMContentLoaded", () => {
    renderTimes(document);
    setInterval(() => renderTimes(document), 30000);
    document.body.addEventListener("toast", (event) => showToast(event.detail));
  });
  document.addEventListener("htmx:load", (event) => renderTimes(event.detail.elt));

  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    if ((xhr.getResponseHeader("HX-Trigger") || "").includes('"toast"')) return; // the server said it in words
    const status = xhr.status;
    const message = status === 403 ? "You don't have permission to do that."
      : status === 404 ? "That item no longer exists."
      : status === 429 ? "Too many requests: wait a moment and try again."
      : "Something went wrong (" + status + "). Please try again.";
    showToast({ level: "danger", message: message });
  });
  document.addEventListener("htmx:sendError", () => showToast({ level: "danger", message: "PagerBridge could not be reached. Check your connection." }));

  // A form with a kind select (Route preview) shows only the fields of that kind; hidden ones are not sent.
  function showKindFields(select) {
    const form = select.closest("[data-kind-form]");
    if (!form) return;
    form.querySelectorAll("[data-show-for]").forEach((group) => {
      group.hidden = group.dataset.showFor !== select.value;
      group.querySelectorAll("input, select").forEach((field) => { field.disabled = group.hidden; });
    });
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches("select[data-kind-select]")) showKindFields(event.target);
  });

  document.addEventListener("focusin", fillOptions);
  document.addEventListener("mousedown", fillOptions, true);
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (button) copyValue(button);
  });
  // A datetime-local input is in the viewer's zone; the server keeps UTC, so send it as UTC.
  function localInputsToUtc(form) {
    form.querySelectorAll('input[type="datetime-local"][data-local-time="utc"]').forEach((input) => {
      if (!input.value || input.dataset.sentAsUtc) return;
      const utc = new Date(input.value).toISOString().slice(0, 16);
      input.type = "text"; // keeps the browser from showing the UTC value as if it were local
      input.value = utc;
      input.dataset.sentAsUtc = "true";
    });
  }

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

  // Confirmations: one in-page <dialog> for every destructive action, whether htmx asks (hx-confirm) or a plain
  // form does (data-confirm). The element's data-confirm-title / -stops / -keeps / -action say what will stop and what
  // is kept, and what the confirming button says.
  function confirmDialog(question, source) {
    const dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return Promise.resolve(window.confirm(question));
    const data = (source && source.dataset) || {};
    const set = (id, text) => {
      const element = dialog.querySelector("#" + id);
      element.textContent = text || "";
      const row = element.closest("[data-optional]");
      if (row) row.hidden = !text;
    };
    set("confirm-title", data.confirmTitle || "Are you sure?");
    set("confirm-question", question);
    set("confirm-stops", data.confirmStops);
    set("confirm-keeps", data.confirmKeeps);
    const ok = dialog.querySelector("#confirm-ok");
    ok.textContent = data.confirmAction || (source && source.textContent.trim().length < 30 && source.textContent.trim()) || "Confirm";
    ok.className = "btn " + (data.confirmLevel === "primary" ? "btn-primary" : "btn-danger");
    dialog.returnValue = "";
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
      dialog.showModal();
      dialog.querySelector("#confirm-cancel").focus();
    });
  }
  window.PagerBridge = { showToast: showToast, confirm: confirmDialog };

  document.addEventListener("htmx:confirm", (event) => {
    const question = event.detail.question;
    if (!question) return;
    event.preventDefault();
    confirmDialog(question, event.detail.elt).then((yes) => { if (yes) event.detail.issueRequest(true); });
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !form.dataset.confirmed) {
      event.preventDefault();
      event.stopPropagation();
      const submitter = event.submitter;
      confirmDialog(form.dataset.confirm, form).then((yes) => {
        if (!yes) return;
        form.dataset.confirmed = "true";
        if (submitter && submitter.form === form) form.requestSubmit(submitter); else form.requestSubmit();
        delete form.dataset.confirmed;
      });
      return;
    }
    localInputsToUtc(form);
  }, true);
})();
