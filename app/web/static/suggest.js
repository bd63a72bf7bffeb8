// A refused value's fix offered by the service (e.g. S24.2's earliest legal start): one click puts it in the field.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.suggest[data-suggest-for]");
  if (!button) return;
  const input = document.getElementById(button.dataset.suggestFor);
  if (!input) return;
  input.value = button.dataset.value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.dispatchEvent(new Event("change", { bubbles: true }));
  button.textContent = "已采用建议，请确认后重新提交";
  button.disabled = true;
  input.focus();
});
