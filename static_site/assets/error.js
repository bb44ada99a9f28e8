// Resident error page: the reason comes from ?reden= (cancelled, loa_too_low, expired, already_used, error).
"use strict";

const REASONS = {
  expired: {
    title: "Deze link is verlopen",
    message: "De link die u van de ambtenaar kreeg is niet meer geldig. Vraag de ambtenaar om een nieuwe link.",
  },
  already_used: {
    title: "Deze link is al gebruikt",
    message: "Met deze link is al ingelogd. Vraag de ambtenaar om een nieuwe link als u opnieuw moet inloggen.",
  },
  loa_too_low: {
    title: "Uw DigiD is niet voldoende",
    message: "Voor deze identificatie is een hoger betrouwbaarheidsniveau van DigiD nodig.",
  },
};

const LEVELS = {
  midden: "DigiD met de DigiD app of met sms-controle (niveau Midden)",
  substantieel: "DigiD met ID-check (niveau Substantieel). U activeert de ID-check in de DigiD app met uw paspoort, identiteitskaart of rijbewijs",
  hoog: "DigiD Hoog (niveau Hoog)",
};

document.addEventListener("DOMContentLoaded", () => {
  const params = new URLSearchParams(window.location.search);
  const reason = REASONS[params.get("reden")];
  if (!reason) return; // the prescribed general DigiD error text stays
  document.getElementById("title").textContent = reason.title;
  document.getElementById("message").textContent = reason.message;
  document.title = `${reason.title} – Legitimatie bij beeldbellen`;
  const level = LEVELS[params.get("niveau")];
  if (params.get("reden") === "loa_too_low" && level) {
    const advice = document.getElementById("advice");
    advice.textContent = `U heeft nodig: ${level}. Meer informatie vindt u op www.digid.nl.`;
    advice.hidden = false;
  }
});
