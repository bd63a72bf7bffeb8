// Side-by-side visual diff of two versions: bpmn-js-differ's semantic diff, coloured on two viewers.
import Viewer from "bpmn-js/lib/NavigatedViewer";
import { diff } from "bpmn-js-differ";

const box = document.getElementById("diff");

async function load(url, container) {
  const viewer = new Viewer({ container });
  if (url) {
    const response = await fetch(url, { credentials: "same-origin" });
    await viewer.importXML(await response.text());
    viewer.get("canvas").zoom("fit-viewport");
  }
  return viewer;
}

function mark(viewer, ids, cls) {
  const registry = viewer.get("elementRegistry");
  const canvas = viewer.get("canvas");
  ids.forEach((id) => { if (registry.get(id)) canvas.addMarker(id, cls); });
}

async function main() {
  const [older, newer] = await Promise.all([
    load(box.dataset.oldUrl, document.getElementById("diff-old")),
    load(box.dataset.newUrl, document.getElementById("diff-new")),
  ]);
  if (!box.dataset.oldUrl) { box.dataset.ready = "1"; return; }
  const result = diff(older.getDefinitions(), newer.getDefinitions());
  mark(older, Object.keys(result._removed), "gf-removed");
  mark(newer, Object.keys(result._added), "gf-added");
  mark(older, Object.keys(result._changed), "gf-changed");
  mark(newer, Object.keys(result._changed), "gf-changed");
  mark(newer, Object.keys(result._layoutChanged), "gf-layout");
  box.dataset.added = Object.keys(result._added).join(",");
  box.dataset.removed = Object.keys(result._removed).join(",");
  box.dataset.changed = Object.keys(result._changed).join(",");
  box.dataset.ready = "1";
}

main().catch((err) => { box.dataset.ready = "error"; box.append(document.createTextNode(`对比失败：${err.message}`)); });
