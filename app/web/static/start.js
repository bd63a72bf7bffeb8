// Intake: picking a customer found in the archive fills the start form's customer fields (keyboard: Tab + Enter);
// a picker field (承办分公司) shows the unit's name as well as taking its value.
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const pick = event.target.closest("button.pick");
    if (!pick) return;
    const form = document.querySelector("form.schema-form");
    if (!form) return;
    ["customer_name", "account_no", "branch", "phone"].forEach((name) => {
      const value = pick.dataset[name];
      const input = form.querySelector(`[name="${name}"]`);
      if (!input || !value) return;
      input.value = value;
      const picker = input.closest(".picker");
      if (picker) picker.querySelector(".picker-search").value = value;
    });
    const next = form.querySelector("textarea, [name=note]");
    if (next) next.focus();
  });
})();
