// Intake: picking a customer found in the archive fills the start form's customer fields (keyboard: Tab + Enter).
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const pick = event.target.closest("button.pick");
    if (!pick) return;
    const form = document.querySelector("form.schema-form");
    ["customer_name", "account_no", "branch", "phone"].forEach((name) => {
      const input = form && form.elements.namedItem(name);
      if (input && pick.dataset[name]) input.value = pick.dataset[name];
    });
    const next = form && form.querySelector("textarea, [name=note]");
    if (next) next.focus();
  });
})();
