// Keeps of the site's stylesheet only the rules the pages can use (PurgeCSS): the Utrecht component library is
// hundreds of KB of components these pages never show. A selector stays when its class names, ids, tags and
// attributes occur in the pages or their scripts; @font-face and @keyframes stay whole.
// Then the custom properties (the theme's design tokens: about 3,000, 200 KB of the 271): a declaration stays when
// a kept rule can read it, through any chain of var() references (unusedCustomProperties). PurgeCSS's own pruning
// (variables: true) lost theme tokens the hover and invalid-field states use; tests/browser/test_purged_stylesheet.py
// compares every state with the whole library.
// Classes the scripts build at run time from pieces are named in SAFELIST: keep it in step with assets/*.js.
// Used by the site build (infrastructure/deploy/site_build.py --purge):
//   node tools/purge-css.mjs <stylesheet.css> <page or script>...   (the kept CSS on standard output)
"use strict";

import { readFileSync } from "node:fs";

import postcss from "postcss";
import { PurgeCSS } from "purgecss";

// staff.js: `lb-status lb-status--${s.status}` and `utrecht-button--${"primary" | "secondary"}-action`
const SAFELIST = {
  standard: ["utrecht-button--primary-action", "utrecht-button--secondary-action", /^lb-status--/],
};

const [stylesheet, ...content] = process.argv.slice(2);
if (!stylesheet || content.length === 0) {
  console.error("usage: node tools/purge-css.mjs <stylesheet.css> <page or script>...");
  process.exit(2);
}

const [result] = await new PurgeCSS().purge({
  css: [stylesheet],
  content,
  safelist: SAFELIST,
  fontFace: false,
  keyframes: false,
  variables: false,
});
const VAR = /var\(\s*(--[\w-]+)/g;

// The custom property declarations nothing can read: not named by var() in an ordinary declaration, nor (however
// indirectly) in a custom property that one names, nor by name in a page or script.
function unusedCustomProperties(root, texts) {
  const definitions = new Map();
  const read = new Set();
  root.walkDecls((decl) => {
    if (decl.prop.startsWith("--")) {
      if (!definitions.has(decl.prop)) definitions.set(decl.prop, []);
      definitions.get(decl.prop).push(decl);
    } else {
      for (const [, name] of decl.value.matchAll(VAR)) read.add(name);
    }
  });
  for (const text of texts) {
    for (const [name] of text.matchAll(/--[\w-]+/g)) if (definitions.has(name)) read.add(name);
  }
  const pending = [...read];
  while (pending.length > 0) {
    for (const decl of definitions.get(pending.pop()) ?? []) {
      for (const [, name] of decl.value.matchAll(VAR)) {
        if (!read.has(name)) {
          read.add(name);
          pending.push(name);
        }
      }
    }
  }
  return [...definitions].filter(([name]) => !read.has(name)).flatMap(([, decls]) => decls);
}

const root = postcss.parse(result.css);
for (const decl of unusedCustomProperties(root, content.map((file) => readFileSync(file, "utf8")))) decl.remove();
root.walkRules((rule) => {
  if (rule.nodes.length === 0) rule.remove();
});
process.stdout.write(root.toString());
