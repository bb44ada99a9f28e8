// Resident error page: the reason comes from ?reden= (expired, already_used, not_found, cancelled, loa_too_low,
// error) and, for loa_too_low, ?niveau= (the level needed) and ?sessie= (flows B and C: the link to try again with,
// offered while it is valid). Unknown reasons keep DigiD's prescribed general text. Links to DigiD go to
// https://www.digid.nl itself, never deeper (Logius).
"use strict";

(() => {
  if (document.body.dataset.page !== "error") return; // the resident's pages share one bundle (site_build)
  const { $, text, show } = window.LB;
  const REASONS = new Set(["expired", "already_used", "not_found", "cancelled", "loa_too_low"]);
  const LEVELS = new Set(["midden", "substantieel", "hoog"]);
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  // Try again with the same link: flow A starts afresh; flows B and C only while their link is still usable.
  async function offerRetry(sessionId) {
    if (sessionId) {
      if (!UUID.test(sessionId)) return;
      try {
        const response = await fetch(`/api/public/sessions/${encodeURIComponent(sessionId)}`, { cache: "no-store" });
        const data = response.ok ? await response.json() : {};
        if (data.status !== "created") return;
      } catch {
        return;
      }
    }
    $("retry-link").href = sessionId ? `/?sessie=${encodeURIComponent(sessionId)}` : "/";
    show("retry", true);
  }

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
      text("need", "error.loa_too_low.level", { niveau: { t: `level.${level}` }, middel: { t: `loa.means.${level}` } });
      text("how", `error.loa_too_low.how.${level}`);
      ["need", "how", "where"].forEach((id) => show(id, true));
      offerRetry(params.get("sessie"));
    }
    window.LB.apply();
  });
})();
