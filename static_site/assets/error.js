// Resident error page: the reason comes from ?reden= (expired, already_used, not_found, cancelled, loa_too_low,
// error) and, for loa_too_low, ?niveau= (the level needed). Unknown reasons keep DigiD's prescribed general text.
"use strict";

(() => {
  const { $, text, show } = window.LB;
  const REASONS = new Set(["expired", "already_used", "not_found", "cancelled", "loa_too_low"]);
  const LEVELS = new Set(["midden", "substantieel", "hoog"]);
  const WHERE = {
    midden: "https://www.digid.nl/inlogmethodes",
    substantieel: "https://www.digid.nl/inlogmethodes/id-check/",
    hoog: "https://www.digid.nl/inlogmethodes",
  };

  document.addEventListener("DOMContentLoaded", () => {
    const params = new URLSearchParams(window.location.search);
    const reason = params.get("reden");
    if (!REASONS.has(reason)) return; // the prescribed general DigiD error text stays
    text("title", `error.title.${reason}`);
    document.body.dataset.title = `error.title.${reason}`;
    text("message-text", `error.${reason}`);
    show("digid-site", false);
    if (reason === "cancelled") show("back", true);
    const level = params.get("niveau");
    if (reason === "loa_too_low" && LEVELS.has(level)) {
      text("need", "error.loa_too_low.need", { middel: { t: `loa.${level}` } });
      text("how", `error.loa_too_low.how.${level}`);
      $("where-link").href = WHERE[level];
      $("where-link").textContent = WHERE[level].replace("https://", "");
      ["need", "how", "where"].forEach((id) => show(id, true));
    }
    window.LB.apply();
  });
})();
