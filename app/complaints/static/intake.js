// Hotline fast intake (complaints/intake.html): keyboard-only. The phone and account inputs ask the archive lookup
// (masked lists, S21.4) with their own text as q; ArrowDown enters the results, Enter takes one, Escape closes them;
// Ctrl+Enter submits from anywhere.
(function () {
  "use strict";
  const form = document.getElementById("complaint-intake");
  const results = document.getElementById("lookup-results");
  if (!form || !results) return;
  const lookupUrl = results.dataset.url;
  let pending = null;

  function lookup(input) {
    clearTimeout(pending);
    pending = setTimeout(() => {
      const q = input.value.trim();
      if (!q) { results.innerHTML = ""; return; }
      htmx.ajax("GET", lookupUrl + "?q=" + encodeURIComponent(q), { target: results, swap: "innerHTML" });
    }, 250);
  }

  function picks() { return Array.from(results.querySelectorAll("button.pick")); }

  form.querySelectorAll(".lookup-key").forEach((input) => {
    input.addEventListener("input", () => lookup(input));
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" && picks().length) { event.preventDefault(); picks()[0].focus(); }
      if (event.key === "Escape") results.innerHTML = "";
    });
  });

  results.addEventListener("keydown", (event) => {
    const list = picks();
    const at = list.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < list.length - 1) { event.preventDefault(); list[at + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? list[at - 1] : form.elements.namedItem("complainant.phone")).focus(); }
    if (event.key === "Escape") { form.elements.namedItem("complainant.phone").focus(); results.innerHTML = ""; }
  });

  // Picking a customer: account, name and (when the agent typed a whole number) the phone; the list stays masked.
  results.addEventListener("click", (event) => {
    const pick = event.target.closest("button.pick");
    if (!pick) return;
    const fill = { "account_no": pick.dataset.account_no, "complainant.name": pick.dataset.customer_name };
    if (pick.dataset.phone && pick.dataset.phone.length >= 7) fill["complainant.phone"] = pick.dataset.phone;
    Object.entries(fill).forEach(([name, value]) => {
      const input = form.elements.namedItem(name);
      if (input && value) input.value = value;
    });
    // Cleared after this click: htmx remembers the last button clicked in a form, and a button removed while
    // remembered breaks the repeat check's request that includes the form (the 'htmx-internal-data' error).
    setTimeout(() => { results.innerHTML = ""; }, 0);
    form.elements.namedItem("account_no").dispatchEvent(new Event("change", { bubbles: true }));
    form.elements.namedItem("complainant.address").focus();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
})();
