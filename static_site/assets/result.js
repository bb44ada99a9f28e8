// Result page: the control code comes from /api/public/result by the HttpOnly cookie, never from the URL.
// The page follows the outcome of the identification (identified, not identified, locked, cancelled, expired):
// a WebSocket tells it the outcome the moment it changes (the socket's path is under the result cookie's, so the
// cookie authorises it); where the socket cannot open or closes early, it asks again every few seconds while the
// official is still checking, and not at all once it has ended.
// The resident's session ends by itself at expires_at (at most 15 minutes after login); two minutes before, the
// page warns and offers more time while that is still possible (WCAG 2.2.1). At that end it wipes the result, as
// Stoppen does at once; an outcome does not (see follow).
"use strict";

(() => {
  if (document.body.dataset.page !== "result") return; // the resident's pages share one bundle (site_build)
  const { $, text, show, say, formatCode, minutesLeft, copy } = window.LB;
  const POLL_MS = 3000;
  const WARN_MS = 2 * 60 * 1000;
  const state = { timer: null, poller: null, expiresAt: null, canExtend: false, warned: false, live: null };

  function closeLive() {
    const socket = state.live;
    state.live = null;
    if (socket) socket.close(1000);
  }

  function stop() {
    if (state.timer) clearInterval(state.timer);
    if (state.poller) clearTimeout(state.poller);
    state.timer = null;
    state.poller = null;
    closeLive();
  }

  function openLive() {
    if (!("WebSocket" in window)) { state.poller = setTimeout(poll, POLL_MS); return; }
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${window.location.host}/api/public/result/live`);
    } catch {
      state.poller = setTimeout(poll, POLL_MS);
      return;
    }
    state.live = socket;
    socket.addEventListener("message", (event) => {
      if (state.live !== socket) return;
      let data = null;
      try { data = JSON.parse(event.data); } catch { return; }
      if (data) follow(data.outcome);
    });
    socket.addEventListener("close", () => {
      if (state.live !== socket) return;
      state.live = null;
      if (!state.poller) state.poller = setTimeout(poll, POLL_MS); // refused or dropped: ask as before
    });
  }

  function end(titleKey, key) {
    stop();
    show("result", false);
    text("title", titleKey);
    document.body.dataset.title = titleKey;
    window.LB.apply();
    text("ended-text", key);
    show("ended", true);
    $("title").setAttribute("tabindex", "-1");
    $("title").focus();
  }

  async function wipe() {
    await fetch("/api/public/result", { method: "DELETE", credentials: "same-origin" }).catch(() => null);
  }

  function tick() {
    const left = minutesLeft(state.expiresAt);
    if (left === null) { wipe(); end("result.timeout.title", "result.timeout"); return; }
    text("session-time", "result.session", { eind: { time: state.expiresAt }, tijd: left });
    const soon = new Date(state.expiresAt).getTime() - Date.now() <= WARN_MS;
    if (soon && !state.warned) {
      state.warned = true;
      text("warning-text", state.canExtend ? "result.warning" : "result.extend.failed");
      show("extend", state.canExtend);
      show("warning", true);
    }
  }

  // An outcome ends the page. It deletes nothing: the server shows an ended identification's outcome alone (a reload
  // shows it again, never the code), and the result ends with its own expiry. Stoppen and the timeout still delete.
  function follow(outcome) {
    if (!outcome || outcome === "waiting") return false;
    end(`result.outcome.${outcome}.title`, `result.outcome.${outcome}`);
    return true;
  }

  async function read() {
    try {
      const response = await fetch("/api/public/result", { cache: "no-store", credentials: "same-origin" });
      return { response, data: await response.json().catch(() => ({})) };
    } catch {
      return { response: null, data: {} };
    }
  }

  async function poll() {
    state.poller = null;
    const { response, data } = await read();
    if (response && response.ok) {
      if (follow(data.outcome)) return;
    } else if (response && response.status === 404) {
      end("result.outcome.expired.title", "result.outcome.expired");
      return;
    }
    state.poller = setTimeout(poll, POLL_MS);
  }

  async function extend() {
    let response = null;
    try {
      response = await fetch("/api/public/result/extend", { method: "POST", credentials: "same-origin" });
    } catch {
      response = null;
    }
    const data = response ? await response.json().catch(() => ({})) : {};
    if (response && response.ok && data.expires_at) {
      state.expiresAt = data.expires_at;
      state.canExtend = Boolean(data.can_extend);
      state.warned = false;
      show("warning", false);
      say("copy-status", "result.extended", { eind: { time: data.expires_at } });
      tick();
      $("code").focus();
      return;
    }
    text("warning-text", "result.extend.failed");
    show("extend", false);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const { response, data } = await read();
    show("loading", false);
    if (response && response.ok && follow(data.outcome)) return;
    if (!response || !response.ok || !data.code) { end("result.none.title", "result.none"); return; }

    $("code").textContent = formatCode(data.code);
    $("code").setAttribute("tabindex", "-1");
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
      state.expiresAt = data.expires_at;
      state.canExtend = Boolean(data.can_extend);
      tick();
      state.timer = setInterval(tick, 1000);
    }
    openLive();
    $("copy").addEventListener("click", () => copy(data.code, "copy-status"));
    $("extend").addEventListener("click", extend);
    $("stop").addEventListener("click", async () => {
      await wipe();
      say("copy-status", "");
      end("result.stopped.title", "result.stopped");
    });
  });
})();
