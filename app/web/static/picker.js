// Pickers for fields that name a unit, a user or a customer (templates/_fields.html, app/platform/pickers.py).
// Type to filter, ArrowDown/ArrowUp to move, Enter to take, Escape to close; several people become chips (Backspace
// in the empty box removes the last). Only a value taken from the list is submitted: typed text never is.
(function () {
  "use strict";
  let serial = 0;

  function setup(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    const search = box.querySelector(".picker-search");
    const list = box.querySelector(".picker-options");
    const hint = box.querySelector(".picker-hint");
    const multiple = box.dataset.multiple === "1";
    const picked = box.querySelector("input.picked");
    const chips = box.querySelector("ul.chips");
    let options = [];
    let active = -1;
    let pending = null;
    let asked = 0;
    let answered = 0;
    let enterWaiting = false; // Enter pressed before the options arrived: take the first one when they do

    function unit() {
      const field = box.dataset.unitField;
      const form = box.closest("form");
      const input = field && form ? form.querySelector(`input[name="${CSS.escape(field)}"]`) : null;
      return (input && input.value) || box.dataset.unit || "";
    }

    function chosen() {
      return multiple ? Array.from(chips.querySelectorAll("input")).map((i) => i.value) : [picked.value];
    }

    function close() {
      list.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      const items = list.querySelectorAll("li[role=option]");
      items.forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
      active = index;
      if (index >= 0 && items[index]) {
        search.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      }
    }

    function show(found, message) {
      options = found.filter((o) => !multiple || !chosen().includes(o.value));
      list.textContent = "";
      options.forEach((option, i) => {
        const li = document.createElement("li");
        li.id = `${search.id}-opt-${serial++}`;
        li.setAttribute("role", "option");
        li.dataset.index = String(i);
        const label = document.createElement("b");
        label.textContent = option.label;
        li.appendChild(label);
        if (option.hint) {
          const small = document.createElement("small");
          small.textContent = " " + option.hint;
          li.appendChild(small);
        }
        list.appendChild(li);
      });
      hint.textContent = message || "";
      list.hidden = options.length === 0;
      search.setAttribute("aria-expanded", options.length ? "true" : "false");
      highlight(options.length ? 0 : -1);
    }

    function ask() {
      const params = new URLSearchParams({ q: search.value.trim() });
      if (box.dataset.unitKind) params.set("unit_kind", box.dataset.unitKind);
      if (box.dataset.role) params.set("role", box.dataset.role);
      if (unit()) params.set("unit", unit());
      const ticket = ++asked;
      fetch(`${box.dataset.url}?${params}`, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((body) => {
          if (ticket !== asked) return;
          answered = ticket;
          if (!box.contains(document.activeElement)) {
            // A late answer, after the person left the box: no list pops up, no hint is overwritten; the typed text
            // is settled against it as on leaving.
            options = body.options || [];
            settle();
            return;
          }
          show(body.options || [], body.hint);
          if (enterWaiting && options.length) take(options[0]);
          enterWaiting = false;
        })
        .catch(() => { hint.textContent = "查找失败，请稍后重试"; });
    }

    function addChip(option) {
      const li = document.createElement("li");
      li.className = "chip";
      const label = document.createElement("span");
      label.textContent = option.label;
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = box.dataset.name;
      input.value = option.value;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.setAttribute("aria-label", `移除 ${option.label}`);
      remove.textContent = "×";
      li.append(label, input, remove);
      chips.appendChild(li);
    }

    function take(option) {
      if (multiple) {
        if (!chosen().includes(option.value)) addChip(option);
        search.value = "";
      } else {
        picked.value = option.value;
        search.value = option.label;
        search.dataset.label = option.label;
      }
      box.classList.remove("unpicked");
      hint.textContent = "";
      close();
      picked && picked.dispatchEvent(new Event("change", { bubbles: true }));
    }

    if (!multiple) search.dataset.label = search.value;

    search.addEventListener("input", () => {
      if (!multiple) picked.value = ""; // typed text is a search, not a value
      clearTimeout(pending);
      pending = setTimeout(() => { pending = null; ask(); }, 150);
    });
    search.addEventListener("focus", () => { if (!search.value || multiple) ask(); });
    search.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) ask(); else highlight(Math.min(active + 1, options.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        const waiting = answered < asked || (pending && search.value.trim());
        if (!list.hidden && active >= 0 && !waiting) { event.preventDefault(); take(options[active]); }
        else if (search.value.trim() && (multiple || !picked.value)) {
          event.preventDefault(); // never submit a search
          enterWaiting = Boolean(waiting);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      } else if (event.key === "Backspace" && multiple && !search.value) {
        const last = chips.querySelector("li.chip:last-child");
        if (last) last.remove();
      }
    });
    // Leaving the box: typed text that names exactly one option is taken, anything else is said not to be saved.
    function settle() {
      close();
      const text = search.value.trim();
      if (!text) { if (!multiple) { picked.value = ""; search.dataset.label = ""; } return; }
      if (!multiple && picked.value) return;
      const exact = options.filter((o) => o.label === text || o.value === text);
      if (exact.length === 1) { take(exact[0]); return; }
      box.classList.add("unpicked");
      hint.textContent = `“${text}”未从列表中选择，不会被保存；请从列表中选择`;
    }

    search.addEventListener("blur", () => {
      setTimeout(() => { if (!box.contains(document.activeElement)) settle(); }, 150);
    });
    list.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the box
    list.addEventListener("click", (event) => {
      const li = event.target.closest("li[role=option]");
      if (li) take(options[Number(li.dataset.index)]);
    });
    if (chips) {
      chips.addEventListener("click", (event) => {
        const remove = event.target.closest("button.remove");
        if (!remove) return;
        // Focus first, remove after: htmx remembers the last button clicked in a form, and a button taken out of
        // the page while it is remembered breaks the form's next htmx request (the 'htmx-internal-data' error).
        search.focus();
        setTimeout(() => remove.closest("li.chip").remove(), 0);
      });
    }
  }

  function setupAll(root) {
    (root || document).querySelectorAll(".picker").forEach(setup);
  }

  document.addEventListener("DOMContentLoaded", () => setupAll(document));
  document.addEventListener("htmx:afterSwap", (event) => setupAll(event.target));
  if (document.readyState !== "loading") setupAll(document);
})();
