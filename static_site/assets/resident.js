// Resident start page (minimal version): reads the session from ?sessie=<uuid> and links to DigiD.
"use strict";

const $ = (id) => document.getElementById(id);

const LOA_TEXT = {
  basis: "DigiD",
  midden: "DigiD met de DigiD app of sms-controle",
  substantieel: "DigiD met ID-check",
  hoog: "DigiD Hoog",
};

const PROBLEM_TEXT = {
  session_expired: "Deze link is verlopen. Vraag de ambtenaar om een nieuwe link.",
  session_not_found: "Deze link is niet (meer) geldig. Vraag de ambtenaar om een nieuwe link.",
  invalid_request: "Deze link is niet volledig. Kopieer de hele link uit het chatvenster.",
};

function problem(code) {
  $("intro").hidden = true;
  $("problem").textContent = PROBLEM_TEXT[code] || "Er is iets misgegaan. Probeer het later opnieuw.";
  $("problem").hidden = false;
}

document.addEventListener("DOMContentLoaded", async () => {
  const params = new URLSearchParams(window.location.search);
  if (params.get("melding") === "geannuleerd") {
    $("notice").textContent = "U heeft het inloggen met DigiD geannuleerd. U kunt het opnieuw proberen.";
    $("notice").hidden = false;
  }
  const sessionId = params.get("sessie");
  if (!sessionId) return; // flow A: no session, DigiD login straight away
  const response = await fetch(`/api/public/sessions/${encodeURIComponent(sessionId)}`, { cache: "no-store" });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) { problem(data.error); return; }
  if (data.status !== "created") { problem("session_not_found"); return; }
  $("digid-login").href = `/digid/login?session=${encodeURIComponent(sessionId)}`;
  if (data.official_name) {
    $("asked-by").textContent = `${data.official_name} van ${data.municipality} heeft u gevraagd in te loggen met DigiD.`;
    $("asked-by").hidden = false;
    $("intro-next").textContent = "Om dat te doen, vragen wij u om in te loggen met DigiD. Nadat u bent ingelogd kan de ambtenaar uw identiteit vaststellen.";
  }
  if (data.required_loa === "substantieel" || data.required_loa === "hoog") {
    $("loa-note").textContent = `U heeft hiervoor ${LOA_TEXT[data.required_loa]} nodig.`;
    $("loa-note").hidden = false;
  }
});
