// Shared by every page: texts per language (i18n/nl.js, i18n/en.js), the language toggle, small helpers.
// Texts are set through LB.text(), which remembers key and values on the element, so a language switch
// re-renders every text on the page, the ones scripts set included. No inline scripts or styles (CSP).
"use strict";

window.LB = (() => {
  const STORE = "lb-taal";
  const TEXTS = window.LB_TEXTS || {};
  const stored = (() => { try { return window.localStorage.getItem(STORE); } catch { return null; } })();
  let lang = stored && TEXTS[stored] ? stored : "nl";

  const $ = (id) => document.getElementById(id);
  const locale = () => (lang === "nl" ? "nl-NL" : "en-GB");

  function value(v) {
    if (v && typeof v === "object") {
      if ("t" in v) return t(v.t);
      if ("time" in v) return new Date(v.time).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
      if ("datetime" in v) {
        const d = new Date(v.datetime);
        return `${d.toLocaleDateString(locale(), { day: "2-digit", month: "2-digit", year: "numeric" })} ${
          d.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" })}`;
      }
    }
    return String(v);
  }

  function t(key, vars) {
    const text = (TEXTS[lang] && TEXTS[lang][key]) ?? (TEXTS.nl && TEXTS.nl[key]) ?? key;
    return text.replace(/\{(\w+)\}/g, (match, name) => (vars && name in vars ? value(vars[name]) : match));
  }

  function render(el) {
    const vars = el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : undefined;
    if (el.dataset.i18n) el.textContent = t(el.dataset.i18n, vars);
    if (el.dataset.i18nAlt) el.setAttribute("alt", t(el.dataset.i18nAlt));
    if (el.dataset.i18nLabel) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }

  function apply() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n], [data-i18n-alt], [data-i18n-label]").forEach(render);
    if (document.body.dataset.title) {
      const page = t(document.body.dataset.title);
      document.title = page === t("site.name") ? page : `${page} – ${t("site.name")}`;
    }
    const toggle = $("language-toggle");
    if (toggle) toggle.setAttribute("lang", lang === "nl" ? "en" : "nl");
  }

  /** Set an element's text from a key (and values), so that it follows a language switch. */
  function text(elOrId, key, vars) {
    const el = typeof elOrId === "string" ? $(elOrId) : elOrId;
    el.dataset.i18n = key;
    if (vars) el.dataset.i18nVars = JSON.stringify(vars); else delete el.dataset.i18nVars;
    render(el);
    return el;
  }

  function show(id, visible) { $(id).hidden = !visible; }

  /** Show a message element with a text, or hide it when key is empty. */
  function say(id, key, vars) {
    if (key) text(id, key, vars); else { $(id).textContent = ""; delete $(id).dataset.i18n; }
    show(id, Boolean(key));
  }

  const formatCode = (code) => String(code).replace(/^(\d{3})(\d{3})$/, "$1 $2");

  function minutesLeft(iso) {
    const ms = new Date(iso).getTime() - Date.now();
    if (ms <= 0) return null;
    const s = Math.ceil(ms / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  /** Show the time left until iso in an element ("Nog 14:32 minuten geldig", or hours for long ones). */
  function remaining(elOrId, iso) {
    const ms = new Date(iso).getTime() - Date.now();
    if (!(ms > 0)) { text(elOrId, "common.remaining.ended"); return false; }
    const s = Math.ceil(ms / 1000);
    if (s < 3600) {
      text(elOrId, "common.remaining", { tijd: `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`, eind: { time: iso } });
    } else {
      text(elOrId, "common.remaining.long", { uren: Math.floor(s / 3600), minuten: Math.floor((s % 3600) / 60), eind: { datetime: iso } });
    }
    return true;
  }

  async function copy(textToCopy, statusId) {
    let ok = true;
    try { await navigator.clipboard.writeText(textToCopy); } catch { ok = false; }
    say(statusId, ok ? "common.copy.done" : "common.copy.failed");
  }

  function setLanguage(next) {
    lang = TEXTS[next] ? next : "nl";
    try { window.localStorage.setItem(STORE, lang); } catch { /* private mode: the choice lasts this page */ }
    apply();
    document.dispatchEvent(new CustomEvent("lb:language", { detail: lang }));
  }

  document.addEventListener("DOMContentLoaded", () => {
    apply();
    const toggle = $("language-toggle");
    if (toggle) toggle.addEventListener("click", () => setLanguage(lang === "nl" ? "en" : "nl"));
  });

  return { $, t, text, show, say, apply, formatCode, minutesLeft, remaining, copy, setLanguage, get lang() { return lang; } };
})();
