// Replay in the browser (issue 15 §3): frames stream from the server (server-sent events) as it re-runs the case;
// the auditor steps through them: the diagram's tokens at that moment, the case data with what changed, the verdict.
(function () {
  "use strict";
  const script = document.getElementById("replay-script");
  const box = document.getElementById("replay-diagram");
  const list = document.getElementById("replay-events");
  const status = document.getElementById("replay-status");
  const bar = document.getElementById("replay-progress");
  const prev = document.getElementById("replay-prev");
  const next = document.getElementById("replay-next");
  const frames = [];
  let current = -1;
  let loadedDefinition = null;
  let markers = [];
  const viewer = typeof BpmnJS === "undefined" ? null : new BpmnJS({ container: box });

  function drawTokens(frame) {
    if (!viewer) return Promise.resolve();
    const load = frame.definition_id && frame.definition_id !== loadedDefinition
      ? fetch(box.dataset.xmlBase.replace("/0.xml", "/" + frame.definition_id + ".xml"), { credentials: "same-origin" })
          .then((r) => r.text()).then((xml) => viewer.importXML(xml))
          .then(() => { loadedDefinition = frame.definition_id; markers = []; viewer.get("canvas").zoom("fit-viewport"); })
      : Promise.resolve();
    return load.then(() => {
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      markers.forEach(([id, cls]) => canvas.removeMarker(id, cls));
      markers = [];
      Object.entries(frame.tokens || {}).forEach(([id, state]) => {
        if (registry.get(id)) { canvas.addMarker(id, "gf-" + state); markers.push([id, "gf-" + state]); }
      });
      box.dataset.seq = String(frame.seq);
      box.dataset.active = Object.keys(frame.tokens || {}).filter((k) => frame.tokens[k] === "active").sort().join(",");
    });
  }

  function cell(text) { const td = document.createElement("td"); td.textContent = text; return td; }

  function drawData(frame) {
    const body = document.querySelector("#frame-data tbody");
    body.innerHTML = "";
    Object.keys(frame.data || {}).sort().forEach((key) => {
      const tr = document.createElement("tr");
      tr.dataset.key = key;
      if (frame.changed[key]) tr.className = "changed";
      const value = frame.data[key];
      tr.append(cell(key), cell(typeof value === "string" ? value : JSON.stringify(value)));
      body.append(tr);
    });
    Object.keys(frame.changed || {}).filter((k) => frame.changed[k] === "removed").forEach((key) => {
      const tr = document.createElement("tr");
      tr.className = "changed removed";
      tr.append(cell(key), cell("（已移除）"));
      body.append(tr);
    });
  }

  function show(index) {
    if (index < 0 || index >= frames.length) return;
    current = index;
    const f = frames[index];
    document.getElementById("frame-title").textContent =
      "第 " + f.seq + " 条：" + f.label + (f.element ? "（" + f.element + "）" : "") + " · " + f.actor + " · " +
      new Date(f.at).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
    const verdict = document.getElementById("frame-verdict");
    verdict.className = "verdict-line " + (f.verdict === "ok" ? "ok" : "late");
    verdict.textContent = f.verdict !== "ok" ? "✘ " + f.reason
      : f.replayed ? "✔ 重放后状态摘要与记录一致 " + (f.recorded_digest || "").slice(0, 12) : "— 非状态事件，状态不变";
    list.querySelectorAll("li").forEach((li, i) => li.classList.toggle("current", i === index));
    prev.disabled = index === 0;
    next.disabled = index === frames.length - 1;
    drawData(f);
    drawTokens(f);
  }

  prev.addEventListener("click", () => show(current - 1));
  next.addEventListener("click", () => show(current + 1));
  const source = new EventSource(script.dataset.stream);
  source.addEventListener("frame", (message) => {
    const frame = JSON.parse(message.data);
    frames.push(frame);
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.dataset.seq = String(frame.seq);
    button.textContent = frame.seq + " " + frame.label + (frame.verdict === "ok" ? "" : " ✘");
    const index = frames.length - 1;
    button.addEventListener("click", () => show(index));
    li.append(button);
    list.append(li);
    status.textContent = "已重放 " + frames.length + " 条事件…";
    bar.style.width = Math.min(95, frames.length * 5) + "%";
    if (frames.length === 1) show(0);
    else next.disabled = current === frames.length - 1;
  });
  source.addEventListener("failure", (message) => { status.textContent = "重放失败：" + JSON.parse(message.data).detail; });
  source.addEventListener("end", () => {
    source.close();
    bar.style.width = "100%";
    const bad = frames.filter((f) => f.verdict !== "ok");
    status.textContent = "重放完成：" + frames.length + " 条事件，" + (bad.length ? "第 " + bad[0].seq + " 条起不一致" : "每一步状态摘要一致");
    status.dataset.done = "1";
  });
})();
