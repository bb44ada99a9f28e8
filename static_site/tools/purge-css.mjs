// Keeps of the site's stylesheet only the rules the pages can use (PurgeCSS): the Utrecht component library is
// hundreds of KB of components these pages never show. A selector stays when its class names, ids, tags and
// attributes occur in the pages or their scripts; custom properties, @font-face and @keyframes stay whole.
// (PurgeCSS's pruning of custom properties, variables: true, would take the file from 271 KB to 81 KB, but it lost
// theme tokens the hover and invalid-field states use: tests/browser/test_purged_stylesheet.py showed the change.)
// Classes the scripts build at run time from pieces are named in SAFELIST: keep it in step with assets/*.js.
// Used by the site build (infrastructure/deploy/site_build.py --purge):
//   node tools/purge-css.mjs <stylesheet.css> <page or script>...   (the kept CSS on standard output)
"use strict";

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
process.stdout.write(result.css);
