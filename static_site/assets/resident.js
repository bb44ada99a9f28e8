// Resident start page. Flow A: no ?sessie=, DigiD straight away. Flows B and C: ?sessie=<uuid>; the session's
// public view says who asked (flow C), the level needed and how long the link is valid. A link that cannot be
// used any more goes to the error page with the exact reason.
"use strict";

(() => {
  if (document.body.dataset.page !== "start") return; // the resident's pages share one bundle (site_build)
  const { $, text, show } = window.LB;
  const GONE = { session_expired: "expired" };
  const USED = new Set(["logged_in", "verified", "completed"]);

  // Logius: the organisation's name next to the DigiD button, in every flow.
  function showMunicipality(name) {
    if (!name) return;
    text("digid-org", "start.digid.org", { gemeente: name });
    show("digid-org", true);
  }

  // Flow A has no session to name the municipality: the page as published does (<meta name="lb-municipality">,
  // filled by publish_site and the local stack), so the start page needs no request of its own for it.
  function pageMunicipality() {
    const meta = document.querySelector('meta[name="lb-municipality"]');
    return meta ? meta.content : "";
  }

  function refuse(reason) {
    window.location.replace(`/fout.html?reden=${encodeURIComponent(reason)}`);
  }

  async function loadSession(sessionId) {
    show("intro", false);
    show("loading", true);
    let response;
    try {
      response = await fetch(`/api/public/sessions/${encodeURIComponent(sessionId)}`, { cache: "no-store" });
    } catch {
      refuse("error");
      return;
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) { refuse(GONE[data.error] || (response.status >= 500 ? "error" : "not_found")); return; }
    if (data.status === "expired") { refuse("expired"); return; }
    if (USED.has(data.status)) { refuse("already_used"); return; }
    if (data.status !== "created") { refuse("not_found"); return; }

    $("digid-login").href = `/digid/login?session=${encodeURIComponent(sessionId)}`;
    showMunicipality(data.municipality);
    if (data.flow === "handover") {
      text("asked", "start.asked", { naam: data.official_name || "", gemeente: data.municipality || "" });
      show("asked-by", true);
      text("intro-next", "start.next.c");
      show("intro-after", false);
    } else {
      text("intro-next", "start.next.b");
      text("intro-after", "start.p3.b");
    }
    if (data.required_loa && data.required_loa !== "basis") {
      text("loa-note", "start.loa", { middel: { t: `loa.${data.required_loa}` } });
      show("loa-note", true);
    }
    if (data.expires_at) {
      text("valid-until", "start.valid", { eind: { time: data.expires_at } });
      show("valid-until", true);
    }
    show("loading", false);
    show("intro", true);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const params = new URLSearchParams(window.location.search);
    if (params.get("melding") === "geannuleerd") {
      text("notice", "start.cancelled");
      show("notice", true);
    }
    const sessionId = params.get("sessie");
    if (sessionId) loadSession(sessionId); else showMunicipality(pageMunicipality());
  });
})();
