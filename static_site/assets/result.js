// Result page: the control code comes from /api/public/result by the HttpOnly cookie, never from the URL.
// The resident's session ends by itself at expires_at (at most 15 minutes after login): the page counts down
// and wipes the result then, as Stoppen does at once.
"use strict";

(() => {
  const { $, text, show, say, formatCode, minutesLeft, copy } = window.LB;
  let timer = null;

  function end(titleKey, key) {
    if (timer) clearInterval(timer);
    timer = null;
    show("result", false);
    text("title", titleKey);
    document.body.dataset.title = titleKey;
    window.LB.apply();
    text("ended-text", key);
    show("ended", true);
  }

  async function wipe() {
    await fetch("/api/public/result", { method: "DELETE", credentials: "same-origin" }).catch(() => null);
  }

  function tick(expiresAt) {
    const left = minutesLeft(expiresAt);
    if (left === null) { wipe(); end("result.timeout.title", "result.timeout"); return; }
    text("session-time", "result.session", { eind: { time: expiresAt }, tijd: left });
  }

  document.addEventListener("DOMContentLoaded", async () => {
    let response;
    try {
      response = await fetch("/api/public/result", { cache: "no-store", credentials: "same-origin" });
    } catch {
      response = null;
    }
    const data = response ? await response.json().catch(() => ({})) : {};
    show("loading", false);
    if (!response || !response.ok || !data.code) { end("result.none.title", "result.none"); return; }

    $("code").textContent = formatCode(data.code);
    if (data.zaak_number) {
      $("zaak-number").textContent = data.zaak_number;
      show("zaak", true);
    }
    if (data.official_name) {
      text("official", "result.official", { naam: data.official_name });
      show("official", true);
    }
    show("result", true);
    if (data.expires_at) {
      tick(data.expires_at);
      timer = setInterval(() => tick(data.expires_at), 1000);
    }
    $("copy").addEventListener("click", () => copy(data.code, "copy-status"));
    $("stop").addEventListener("click", async () => {
      await wipe();
      say("copy-status", "");
      end("result.stopped.title", "result.stopped");
    });
  });
})();
