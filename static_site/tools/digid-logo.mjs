// Writes the DigiD logo that the NL Design System's Utrecht component library ships (the <utrecht-digid-logo>
// web component of @utrecht/web-component-library-stencil) as a plain SVG file, drawing unaltered: the pages
// show it as an <img>, with no web-component runtime and nothing inline (CSP). Used by `make site`.
//   node tools/digid-logo.mjs <component module> <target.svg>
"use strict";

import { readFileSync, writeFileSync } from "node:fs";

const [source, target] = process.argv.slice(2);
if (!source || !target) {
  console.error("usage: node tools/digid-logo.mjs <digid-logo.js> <target.svg>");
  process.exit(2);
}

// The component's render() builds the SVG with Stencil's h(tag, attributes, ...children); give it our own h.
const module = readFileSync(source, "utf8")
  .replace(/^import .*$/gm, "")
  .replace(/^export class /m, "class ")
  .replace(/^\/\/# sourceMappingURL=.*$/m, "");
const h = (tag, attributes, ...children) => ({ tag, attributes: attributes || {}, children });
const DigidLogo = new Function("h", `${module}\nreturn DigidLogo;`)(h);

const escape = (value) => String(value).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
const SKIPPED = new Set(["key", "class"]); // Stencil's diffing keys and the component's own CSS hook

function serialise(node) {
  const attributes = Object.entries(node.attributes)
    .filter(([name]) => !SKIPPED.has(name))
    .map(([name, value]) => ` ${name}="${escape(value)}"`)
    .join("");
  const children = node.children.flat().filter(Boolean).map(serialise).join("");
  return `<${node.tag}${attributes}>${children}</${node.tag}>`;
}

const svg = new DigidLogo().render();
if (svg.tag !== "svg") throw new Error(`${source}: render() did not return an <svg>`);
writeFileSync(target, `<?xml version="1.0" encoding="UTF-8"?>\n${serialise(svg)}\n`);
