// Result page: the control code comes from /api/public/result by the HttpOnly cookie, never from the URL.
"use strict";

const $ = (id) => document.getElementById(id);

document.addEventListener("DOMContentLoaded", async () => {
  const response = await fetch("/api/public/result", { cache: "no-store", credentials: "same-origin" });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    $("problem").textContent = "Er is geen controlecode (meer) voor deze browser. Log opnieuw in met de link van de ambtenaar.";
    $("problem").hidden = false;
    return;
  }
  $("code").textContent = data.code.replace(/(\d{3})(\d{3})/, "$1 $2");
  if (data.zaak_number) {
    $("zaak").textContent = `Deze controlecode is bij ons geregistreerd onder zaaknummer: ${data.zaak_number}`;
    $("zaak").hidden = false;
  }
  if (data.official_name) {
    $("official").textContent = `U bent ingelogd op verzoek van ${data.official_name}.`;
    $("official").hidden = false;
  }
  $("result").hidden = false;
  $("copy").addEventListener("click", async () => {
    await navigator.clipboard.writeText(data.code).catch(() => null);
    $("copy-status").textContent = "De controlecode is gekopieerd.";
  });
  $("stop").addEventListener("click", async () => {
    await fetch("/api/public/result", { method: "DELETE", credentials: "same-origin" });
    $("result").hidden = true;
    $("problem").textContent = "U bent gestopt. De controlecode is gewist.";
    $("problem").hidden = false;
  });
});
