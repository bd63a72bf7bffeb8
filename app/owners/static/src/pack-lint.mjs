// Setup step (Makefile): turn our bpmnlint configuration (lint-rc.json, extending the recommended rules of the
// installed bpmnlint) into a module that imports each rule, so the browser bundle needs no file lookups.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ours = JSON.parse(readFileSync(join(here, "lint-rc.json"), "utf8"));
const recommended = require("bpmnlint/config/recommended");
const rules = { ...recommended.rules, ...ours.rules };
const active = Object.entries(rules).filter(([, level]) => level !== "off");
const imports = active.map(([name], i) => `import rule${i} from "bpmnlint/rules/${name}";`).join("\n");
const table = active.map(([name], i) => `  "bpmnlint/${name}": rule${i},`).join("\n");
const config = Object.fromEntries(active.map(([name, level]) => [`bpmnlint/${name}`, level]));
const out = `// Generated at setup by pack-lint.mjs from lint-rc.json; not committed.
${imports}
const rules = {
${table}
};
export const config = { rules: ${JSON.stringify(config)} };
export const resolver = {
  resolveRule(pkg, name) {
    const rule = rules[pkg + "/" + name];
    if (!rule) throw new Error("unknown lint rule " + pkg + "/" + name);
    return rule;
  },
  resolveConfig() { return null; },
};
`;
const target = join(here, "..", "build", "gen");
mkdirSync(target, { recursive: true });
writeFileSync(join(target, "lint-config.js"), out);
console.log(`bpmnlint: ${active.length} rules packed`);
