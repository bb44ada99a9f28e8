// Staff page: log in (local: USER_PASSWORD_AUTH through the same-origin door; deployed: Cognito hosted UI with
// authorization code + PKCE), then flow B (BSN known: code + link), flow C (link with the official's name: live
// status, BSN, Naar de BRP, Voltooien) or flow A (look up a case number). Every session shows its remaining time.
// Settings come from /config.json. No inline scripts (CSP); texts from i18n/*.js through LB.text().
"use strict";

(() => {
  const { $, text, show, say, formatCode, minutesLeft, remaining, copy } = window.LB;
  const TOKEN_KEY = "lb-staff-token";
  const PKCE_KEY = "lb-staff-pkce";
  const POLL_MS = 2000;
  const LIVE = new Set(["created", "logged_in", "verified"]);
  const state = {
    config: null, token: null, session: null, step: null, bsn: "", poller: null, ticker: null, focusOnChange: false,
    live: null,
    createdTicket: null, // the create answer's live ticket, for the first connection
    open: new Set(), // the open sessions this page knows of: listed, created or resumed here
  };

  // ---- helpers -------------------------------------------------------------------------------------------
  function elfproef(digits) {
    if (!/^[0-9]{9}$/.test(digits) || digits === "000000000") return false;
    const weights = [9, 8, 7, 6, 5, 4, 3, 2, -1];
    return weights.reduce((sum, w, i) => sum + w * Number(digits[i]), 0) % 11 === 0;
  }

  function claims(token) {
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(decodeURIComponent(escape(window.atob(part))));
    } catch {
      return {};
    }
  }

  function base64url(bytes) {
    return window.btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function randomString() {
    return base64url(window.crypto.getRandomValues(new Uint8Array(32)));
  }

  function setStep(n) {
    [1, 2, 3].forEach((i) => {
      const li = $(`step-${i}`);
      li.classList.toggle("lb-steps__current", i === n);
      if (i === n) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
    });
  }

  function fieldError(inputId, messageId, key, vars) {
    say(messageId, key, vars);
    $(inputId).setAttribute("aria-invalid", key ? "true" : "false");
  }

  function flash(key) { say("flash", key); }

  // ---- login ---------------------------------------------------------------------------------------------
  async function loadConfig() {
    const response = await fetch("/config.json", { cache: "no-store" });
    if (!response.ok) throw new Error("config");
    return response.json();
  }

  async function passwordLogin(username, password) {
    const auth = state.config.auth;
    const response = await fetch(auth.cognito_endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
      },
      body: JSON.stringify({
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: auth.client_id,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    });
    if (!response.ok) return null;
    const answer = await response.json();
    return answer.AuthenticationResult ? answer.AuthenticationResult.IdToken : null;
  }

  /** Hosted UI, step 1: to the authorize endpoint with a PKCE challenge (S256) and a state. */
  async function startHostedLogin() {
    const auth = state.config.auth;
    const verifier = randomString();
    const stateValue = randomString();
    const digest = await window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    window.sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state: stateValue }));
    const query = new URLSearchParams({
      response_type: "code",
      client_id: auth.client_id,
      redirect_uri: auth.redirect_uri,
      scope: auth.scope || "openid email profile",
      code_challenge: base64url(digest),
      code_challenge_method: "S256",
      state: stateValue,
    });
    window.location.assign(`${auth.authorize_url}?${query}`);
  }

  /** Hosted UI, step 2: back with ?code=&state=; exchange the code with the verifier for tokens. */
  async function finishHostedLogin(params) {
    const auth = state.config.auth;
    const saved = JSON.parse(window.sessionStorage.getItem(PKCE_KEY) || "{}");
    window.sessionStorage.removeItem(PKCE_KEY);
    window.history.replaceState(null, "", window.location.pathname + window.location.hash);
    if (!saved.verifier || saved.state !== params.get("state")) return null;
    const response = await fetch(auth.token_url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: auth.client_id,
        code: params.get("code"),
        redirect_uri: auth.redirect_uri,
        code_verifier: saved.verifier,
      }),
    }).catch(() => null);
    if (!response || !response.ok) return null;
    const answer = await response.json().catch(() => ({}));
    return answer.id_token || null;
  }

  function loggedIn(token) {
    const who = claims(token);
    if (who.exp && who.exp * 1000 < Date.now()) { logout(); return; }
    state.token = token;
    window.sessionStorage.setItem(TOKEN_KEY, token);
    show("login-section", false);
    text("welcome", "staff.welcome", { naam: who.name || who.email || who["cognito:username"] || "" });
    show("who", true);
    const id = fragmentSession();
    if (id) resume(id); else showChoice();
  }

  function logout() {
    stopTimers();
    state.token = null;
    state.session = null;
    window.sessionStorage.removeItem(TOKEN_KEY);
    ["who", "choose-section", "open-section", "session-section"].forEach((id) => show(id, false));
    show("login-section", true);
    setStep(1);
  }

  // ---- API -----------------------------------------------------------------------------------------------
  async function api(method, path, body, options = {}) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: { Authorization: `Bearer ${state.token}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      return { status: 0, data: {} };
    }
    const data = await response.json().catch(() => ({}));
    if (response.status === 401 && !options.quiet) { logout(); say("login-error", "staff.unauthorized"); }
    return { status: response.status, data };
  }

  // ---- views ---------------------------------------------------------------------------------------------
  // One view per step of a session; the step decides the heading, the text, the one primary action, and the
  // status line. The step changes only when the session does: then focus moves to the new heading and the
  // status region speaks once.
  function stepOf(s) {
    if (s.status === "created") return "waiting";
    if (s.status === "logged_in" && s.flow === "known_bsn" && s.code_match === false) return "bsn_mismatch";
    if (s.status === "logged_in") return "check";
    if (s.status === "verified") return "verified";
    return s.status; // locked, expired (ended ones leave the view)
  }

  function stopTimers() {
    stopPolling();
    closeLive();
    if (state.ticker) clearInterval(state.ticker);
    state.ticker = null;
  }

  function stopPolling() { if (state.poller) clearTimeout(state.poller); state.poller = null; }

  function fragmentSession() {
    const match = /^#sessie=([0-9a-f-]{36})$/.exec(window.location.hash);
    return match ? match[1] : null;
  }

  function setFragment(id) {
    const wanted = id ? `#sessie=${id}` : "";
    if (window.location.hash === wanted) return;
    if (id) window.history.pushState(null, "", `${window.location.pathname}${wanted}`);
    else window.history.pushState(null, "", window.location.pathname);
  }

  async function showChoice(options = {}) {
    stopTimers();
    state.session = null;
    state.step = null;
    state.bsn = "";
    if (!options.keepFragment) setFragment(null);
    show("session-section", false);
    show("choose-section", true);
    setStep(1);
    if (options.list === false) {
      $("open-list").replaceChildren();
      show("open-section", false);
      return;
    }
    await listOpenSessions();
  }

  async function listOpenSessions() {
    // Only a help to find sessions again: when it fails, the page works on without it.
    const { status, data } = await api("GET", "/api/sessions", undefined, { quiet: true });
    const list = $("open-list");
    list.replaceChildren();
    if (state.session) return; // a session was opened meanwhile
    const sessions = status === 200 && Array.isArray(data.sessions) ? data.sessions : [];
    state.open = new Set(sessions.map((item) => item.id));
    sessions.forEach((item) => {
      const li = document.createElement("li");
      const label = document.createElement("span");
      text(label, "staff.open.item", {
        soort: { t: `staff.open.flow.${item.flow}` }, status: { t: `status.${item.status}` }, eind: { time: item.expires_at },
      });
      const open = document.createElement("button");
      open.type = "button";
      open.className = "utrecht-button utrecht-button--secondary-action";
      text(open, "staff.open.button");
      open.addEventListener("click", () => resume(item.id));
      li.append(label, open);
      list.append(li);
    });
    show("open-section", sessions.length > 0 && !state.session);
  }

  function brpLink(id) {
    const url = state.config && state.config.brp_url;
    if (url) $(id).href = url;
    $(id).parentElement.hidden = !url;
  }

  function renderRemaining() {
    const session = state.session;
    if (!session) return;
    const live = LIVE.has(session.status);
    if (live && minutesLeft(session.expires_at) === null) { session.status = "expired"; renderSession(); return; }
    show("remaining-row", live);
    if (live) remaining("remaining", session.expires_at);
  }

  const TITLES = {
    waiting: { known_bsn: "staff.step.waiting.b", handover: "staff.step.waiting.c", new_resident: "staff.step.check" },
    check: "staff.step.check",
    bsn_mismatch: "staff.step.bsn_mismatch",
    verified: "staff.step.verified",
    locked: "staff.step.locked",
    expired: "staff.step.expired",
  };

  const STEP_TEXTS = {
    waiting: "staff.step.waiting.text",
    check: "staff.step.check.text",
    bsn_mismatch: "staff.step.bsn_mismatch.text",
    verified: "staff.step.verified.text",
    locked: "staff.step.locked.text",
    expired: "staff.step.expired.text",
  };

  function statusKey(s) {
    if (s.status === "created" && s.resident_event) return `staff.event.${s.resident_event}`;
    return `status.${s.status}`;
  }

  function renderSession() {
    const s = state.session;
    const step = stepOf(s);
    const changed = step !== state.step;
    state.step = step;
    const title = TITLES[step];
    text("session-title", typeof title === "string" ? title : title[s.flow] || title.handover);
    text("step-text", STEP_TEXTS[step]);
    const waiting = step === "waiting";
    // Flow B's own code belongs to the waiting step, and never on screen with the QR code (a shared screen).
    const qrOpen = $("qr-toggle").getAttribute("aria-expanded") === "true";
    show("code-block", Boolean(s.code) && waiting && !qrOpen);
    if (s.code) {
      $("code").textContent = formatCode(s.code);
      text("bsn-basis", "staff.session.bsn_basis", { bsn: state.bsn || "" });
      show("bsn-basis", Boolean(state.bsn));
    }
    show("link-block", waiting);
    show("say-block", s.flow === "known_bsn" && waiting && !qrOpen);
    if (s.link) { $("link").textContent = s.link; $("link").href = s.link; }
    if (!waiting) setQr(false);
    // The status line speaks only when what it says changes (a poll that finds nothing new says nothing).
    const key = statusKey(s);
    if ($("status").dataset.i18n !== key) text("status", key);
    $("status").className = `lb-status lb-status--${s.status}`;
    const facts = Boolean(s.login_at) && ["check", "bsn_mismatch", "verified"].includes(step);
    show("logged-in-block", facts);
    if (facts) {
      text("login-at", "common.moment", { moment: { datetime: s.login_at } });
      text("loa", `level.${s.loa}`);
      show("bsn-row", Boolean(s.bsn));
      $("session-bsn").textContent = s.bsn || "";
      show("zaak-row", Boolean(s.zaak_number));
      $("session-zaak").textContent = s.zaak_number || "";
      brpLink("brp-link");
    }
    // One primary action per step: copy the link (waiting), check the code (check), Voltooien (verified),
    // close as not identified (another BSN), a new session (ended).
    show("check-form", step === "check");
    show("complete", step === "verified");
    const ended = step === "locked" || step === "expired";
    show("new-session", ended);
    show("close-block", ["check", "verified", "bsn_mismatch"].includes(step));
    $("close-block").open = step === "bsn_mismatch" || ($("close-block").open && changed === false);
    $("close-submit").className = `utrecht-button utrecht-button--${step === "bsn_mismatch" ? "primary" : "secondary"}-action`;
    show("cancel", waiting);
    setStep(waiting ? 2 : 3);
    renderRemaining();
    if (step !== "waiting") { stopPolling(); closeLive(); }
    if (changed && state.focusOnChange) $("session-title").focus();
    state.focusOnChange = true;
  }

  function setQr(open) {
    const s = state.session;
    $("qr-toggle").setAttribute("aria-expanded", String(open));
    text("qr-toggle", open ? "staff.session.qr.hide" : "staff.session.qr.show");
    if (open && s && window.qrcode && $("qr").dataset.link !== s.link) {
      const qr = window.qrcode(0, "M");
      qr.addData(s.link);
      qr.make();
      $("qr").src = qr.createDataURL(4, 2);
      $("qr").dataset.link = s.link;
    }
    show("qr-block", open);
  }

  // Only a session waiting for its login changes behind the official's back (login, cancel or level too low at
  // DigiD): poll then, one request at a time and at most one per POLL_MS; never once the step moved on.
  function schedulePoll() {
    stopPolling();
    if (liveOpen()) return; // the live status tells us; no requests while it is open
    if (state.session && state.session.status === "created") state.poller = setTimeout(refresh, POLL_MS);
  }

  // ---- live status -----------------------------------------------------------------------------------------
  // While waiting for the login, a WebSocket brings the session's changes (the body GET /api/sessions/{id} would
  // give), so the page asks nothing. The token never goes into its URL: a ticket from an authorised call opens it
  // once. When it cannot open or closes early (a proxy without WebSockets), the page asks every POLL_MS as before.
  function liveOpen() { return Boolean(state.live) && state.live.readyState === WebSocket.OPEN; }

  function closeLive() {
    const socket = state.live;
    state.live = null;
    if (socket) socket.close(1000);
  }

  function takeCreatedTicket(s) {
    const created = state.createdTicket;
    state.createdTicket = null; // single use, as the server holds it
    if (!created || created.id !== s.id || Date.parse(created.expires_at) - Date.now() < 5000) return null;
    return created.ticket;
  }

  async function askTicket(s) {
    const { status, data } = await api("POST", `/api/sessions/${s.id}/live`, undefined, { quiet: true });
    return status === 201 && data.ticket ? data.ticket : null;
  }

  async function openLive() {
    const s = state.session;
    if (!s || s.status !== "created" || state.live || !("WebSocket" in window)) { schedulePoll(); return; }
    // the create answer's ticket opens the first connection; a reload, a resumed session or a reconnection asks
    const ticket = takeCreatedTicket(s) || await askTicket(s);
    if (!ticket || state.session !== s || s.status !== "created") { schedulePoll(); return; }
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${window.location.host}/api/live?ticket=${encodeURIComponent(ticket)}`;
    let socket;
    try {
      socket = new WebSocket(url);
    } catch {
      schedulePoll();
      return;
    }
    state.live = socket;
    socket.addEventListener("open", () => {
      if (state.live !== socket) return;
      // No read: the connection's own $connect brings the server to push what this page needs now (a login
      // between the ticket and the connection included), retried while API Gateway finishes the handshake.
      stopPolling();
    });
    socket.addEventListener("message", (event) => {
      if (state.live !== socket || !state.session) return;
      let data = null;
      try { data = JSON.parse(event.data); } catch { return; }
      // Only what the official did not do is pushed (the login, DigiD's events); another tab's own actions show at
      // this page's next read or action.
      if (!data || data.id !== state.session.id || data.error) return;
      state.session = { ...state.session, ...data };
      renderSession();
    });
    socket.addEventListener("close", () => {
      if (state.live !== socket) return;
      state.live = null;
      schedulePoll(); // refused, dropped or closed by the network: ask as before
    });
  }

  async function refresh() {
    state.poller = null;
    const s = state.session;
    if (!s || s.status !== "created") return;
    const { status, data } = await api("GET", `/api/sessions/${s.id}`);
    if (!state.session || state.session.id !== s.id) return;
    if (status === 200) { state.session = { ...state.session, ...data }; renderSession(); schedulePoll(); return; }
    if (status === 404 && data.error === "session_expired") { s.status = "expired"; renderSession(); return; }
    if (status === 404) { say("session-error", "staff.gone"); show("cancel", false); show("new-session", true); return; }
    schedulePoll();
  }

  function openSession(session, options = {}) {
    stopTimers();
    say("session-error", "");
    say("check-result", "");
    say("copy-status", "");
    say("facts-copy-status", "");
    $("heard-code").value = "";
    $("close-reason").value = "";
    $("heard-code").setAttribute("aria-invalid", "false");
    $("qr").dataset.link = "";
    $("close-block").open = false;
    state.session = session;
    state.open.add(session.id);
    state.step = null;
    state.focusOnChange = false;
    setQr(false);
    setFragment(session.id);
    show("choose-section", false);
    show("open-section", false);
    $("open-list").replaceChildren();
    show("session-section", true);
    renderSession();
    if (!options.quiet) $("session-title").focus();
    openLive();
    state.ticker = setInterval(renderRemaining, 1000);
  }

  /** Reload, Back or a second tab: the session in the URL's fragment is read again and shown at its step. */
  async function resume(id) {
    const { status, data } = await api("GET", `/api/sessions/${id}`);
    if (status === 200) { openSession(data); return; }
    if (status === 401) return;
    await showChoice();
    flash(status === 404 && data.error === "session_expired" ? "staff.expired" : "staff.gone");
  }

  async function create(body) {
    say("create-error", "");
    flash("");
    const { status, data } = await api("POST", "/api/sessions", body);
    if (status !== 201) {
      if (status !== 401) say("create-error", data.error === "invalid_bsn" ? "staff.b.bsn.invalid" : "staff.failed");
      return;
    }
    const { live_ticket: ticket, live_ticket_expires_at: expiresAt, ...session } = data;
    state.createdTicket = ticket ? { id: session.id, ticket, expires_at: expiresAt } : null;
    openSession({ ...session, flow: body.flow, status: "created" });
  }

  async function finish(kind) {
    const s = state.session;
    let answer;
    if (kind === "cancel") answer = await api("DELETE", `/api/sessions/${s.id}`);
    else {
      const body = { outcome: kind };
      const reason = $("close-reason").value.trim();
      if (kind === "not_identified" && reason) body.reason = reason;
      answer = await api("POST", `/api/sessions/${s.id}/complete`, body);
    }
    const { status, data } = answer;
    if (status === 200) {
      // Back to the choice. The list of open sessions is asked again only when this page knew of others: after the
      // usual one-at-a-time identification there is nothing to list, and nothing to ask (one request less per
      // identification). A session another tab opened since shows at the next list (Nieuwe sessie, a reload).
      state.open.delete(s.id);
      await showChoice({ list: state.open.size > 0 });
      flash({ identified: "staff.completed", not_identified: "staff.closed", cancel: "staff.cancelled" }[kind]);
      $("flash").focus();
    } else if (status === 404) {
      s.status = "expired";
      renderSession();
      say("session-error", "staff.expired");
    } else if (status === 409 && data.error === "not_verified") {
      say("session-error", "staff.not_verified");
    } else if (status !== 401) {
      say("session-error", "staff.failed");
    }
  }

  async function check(event) {
    event.preventDefault();
    const s = state.session;
    const code = $("heard-code").value.replace(/\s/g, "");
    if (!/^[0-9]{6}$/.test(code)) { fieldError("heard-code", "check-result", "staff.check.invalid"); $("heard-code").focus(); return; }
    const { status, data } = await api("POST", `/api/sessions/${s.id}/check`, { code });
    $("check-result").className = "lb-feedback";
    if (status === 200 && data.match) {
      s.status = data.status || "verified";
      s.code_match = data.bsn_match;
    } else if (status === 200 && data.bsn_match === false) {
      // Flow B: the DigiD BSN did not produce the official's code. Told only now, after the code was typed.
      s.code_match = false;
      if (data.status) s.status = data.status;
    } else if (status === 200) {
      if (data.status) s.status = data.status;
      if (s.status === "logged_in") {
        $("check-result").classList.add("lb-feedback--error");
        fieldError("heard-code", "check-result", "staff.check.wrong", { aantal: data.attempts_left });
        $("heard-code").focus();
        return;
      }
    } else if (status === 423) {
      s.status = "locked";
    } else if (status === 409) {
      fieldError("heard-code", "check-result", "staff.check.not_yet");
      return;
    } else if (status === 404) {
      s.status = "expired";
    } else {
      if (status !== 401) fieldError("heard-code", "check-result", "staff.failed");
      return;
    }
    say("check-result", "");
    $("heard-code").value = "";
    renderSession();
  }

  // ---- flow A --------------------------------------------------------------------------------------------
  async function lookup(event) {
    event.preventDefault();
    say("create-error", "");
    flash("");
    const number = $("zaak-number").value.trim();
    if (!/^[0-9]{4}-[0-9]{5}$/.test(number)) { fieldError("zaak-number", "zaak-error", "staff.a.number.invalid"); $("zaak-number").focus(); return; }
    fieldError("zaak-number", "zaak-error", "");
    const { status, data } = await api("GET", `/api/identifications/${encodeURIComponent(number)}`);
    if (status === 404) { fieldError("zaak-number", "zaak-error", "staff.a.not_found"); $("zaak-number").focus(); return; }
    if (status === 403) { say("create-error", "staff.a.forbidden"); return; }
    if (status === 409) { fieldError("zaak-number", "zaak-error", "staff.a.taken"); $("zaak-number").focus(); return; }
    if (status !== 200) { if (status !== 401) say("create-error", "staff.failed"); return; }
    $("zaak-number").value = "";
    // The look-up made this official the session's owner: from here flow A is checked and closed like B and C.
    // Its answer is the session as GET /api/sessions/{id} shows it: opened at once, without asking again.
    openSession(data);
  }

  // ---- wiring --------------------------------------------------------------------------------------------
  function bsnFeedback(final) {
    const digits = $("bsn").value.replace(/[\s.-]/g, "");
    $("bsn-feedback").className = "lb-feedback";
    if (!digits) { fieldError("bsn", "bsn-feedback", ""); return false; }
    if (!/^[0-9]+$/.test(digits)) {
      $("bsn-feedback").classList.add("lb-feedback--error");
      fieldError("bsn", "bsn-feedback", "staff.b.bsn.invalid");
      return false;
    }
    if (digits.length < 9) {
      if (final) $("bsn-feedback").classList.add("lb-feedback--error");
      fieldError("bsn", "bsn-feedback", final ? "staff.b.bsn.short" : "");
      return false;
    }
    const valid = elfproef(digits);
    $("bsn-feedback").classList.add(valid ? "lb-feedback--ok" : "lb-feedback--error");
    fieldError("bsn", "bsn-feedback", valid ? "staff.b.bsn.ok" : "staff.b.bsn.invalid");
    if (valid) $("bsn").setAttribute("aria-invalid", "false");
    return valid;
  }

  async function init() {
    try {
      state.config = await loadConfig();
    } catch {
      say("login-error", "staff.failed");
      show("login-form", true);
      return;
    }
    const mode = state.config.auth && state.config.auth.mode === "hosted_ui" ? "hosted_ui" : "password";
    show("login-form", mode === "password");
    show("hosted-login", mode === "hosted_ui");
    const params = new URLSearchParams(window.location.search);
    if (mode === "hosted_ui" && params.get("code")) {
      const token = await finishHostedLogin(params);
      if (token) { loggedIn(token); return; }
      say("hosted-error", "staff.login.hosted_failed");
    }
    const saved = window.sessionStorage.getItem(TOKEN_KEY);
    if (saved) loggedIn(saved);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      say("login-error", "");
      const username = $("username").value.trim();
      const password = $("password").value;
      if (!username || !password) {
        say("login-error", "staff.login.required");
        $(username ? "password" : "username").focus();
        return;
      }
      const token = await passwordLogin(username, password).catch(() => null);
      if (!token) {
        say("login-error", "staff.login.failed");
        ["username", "password"].forEach((id) => $(id).setAttribute("aria-invalid", "true"));
        $("password").value = "";
        $("password").focus();
        return;
      }
      ["username", "password"].forEach((id) => $(id).setAttribute("aria-invalid", "false"));
      $("password").value = "";
      loggedIn(token);
    });
    $("hosted-button").addEventListener("click", () => startHostedLogin());
    $("logout").addEventListener("click", logout);
    $("bsn").addEventListener("input", () => bsnFeedback(false));
    $("bsn").addEventListener("blur", () => bsnFeedback(true));
    $("known-bsn-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (!bsnFeedback(true)) { $("bsn").focus(); return; }
      state.bsn = $("bsn").value.replace(/[\s.-]/g, "");
      const body = { flow: "known_bsn", bsn: state.bsn };
      if ($("loa-b").value) body.required_loa = $("loa-b").value;
      $("bsn").value = "";
      fieldError("bsn", "bsn-feedback", "");
      create(body);
    });
    $("handover-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const body = { flow: "handover" };
      if ($("loa-c").value) body.required_loa = $("loa-c").value;
      create(body);
    });
    $("lookup-form").addEventListener("submit", lookup);
    $("copy-link").addEventListener("click", () => copy($("link").textContent, "copy-status"));
    $("copy-bsn").addEventListener("click", () => copy($("session-bsn").textContent, "facts-copy-status"));
    $("copy-zaak").addEventListener("click", () => copy($("session-zaak").textContent, "facts-copy-status"));
    $("qr-toggle").addEventListener("click", () => {
      setQr($("qr-toggle").getAttribute("aria-expanded") !== "true");
      renderSession();
    });
    $("check-form").addEventListener("submit", check);
    $("complete").addEventListener("click", () => finish("identified"));
    $("close-form").addEventListener("submit", (event) => { event.preventDefault(); finish("not_identified"); });
    $("cancel").addEventListener("click", () => finish("cancel"));
    $("new-session").addEventListener("click", () => showChoice());
    // Back and Forward move between the choice and a session: the fragment says which.
    window.addEventListener("popstate", () => {
      if (!state.token) return;
      const id = fragmentSession();
      if (id && (!state.session || state.session.id !== id)) resume(id);
      else if (!id && state.session) showChoice({ keepFragment: true });
    });
    init();
  });
})();
