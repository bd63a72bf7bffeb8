// Draws the case's diagram with bpmn-js (served from node_modules) and marks done / active / overdue elements.
(function () {
  "use strict";
  const box = document.getElementById("diagram");
  if (!box || typeof BpmnJS === "undefined") return;
  const marks = JSON.parse(box.dataset.marks || "{}");
  const viewer = new BpmnJS({ container: box });
  fetch(box.dataset.xml, { credentials: "same-origin" })
    .then((response) => {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    })
    .then((xml) => viewer.importXML(xml))
    .then(() => {
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      Object.entries(marks).forEach(([id, state]) => {
        if (registry.get(id)) canvas.addMarker(id, "gf-" + state);
      });
      box.dataset.ready = "1";
    })
    .catch(() => {
      box.textContent = "流程图暂时无法显示，请刷新页面重试。";
      box.dataset.ready = "error";
    });
})();
