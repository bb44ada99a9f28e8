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
  const LIVE = new Set(["created", "logged_in"]);
  const state = { config: null, token: null, session: null, bsn: "", poller: null, ticker: null, caseTicker: null };

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
    window.history.replaceState(null, "", window.location.pathname);
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
    showChoice();
  }

  function logout() {
    stopTimers();
    state.token = null;
    state.session = null;
    window.sessionStorage.removeItem(TOKEN_KEY);
    ["who", "choose-section", "session-section", "case-section"].forEach((id) => show(id, false));
    show("login-section", true);
    setStep(1);
  }

  // ---- API -----------------------------------------------------------------------------------------------
  async function api(method, path, body) {
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
    if (response.status === 401) { logout(); say("login-error", "staff.unauthorized"); }
    return { status: response.status, data };
  }

  // ---- views ---------------------------------------------------------------------------------------------
  function stopTimers() {
    ["poller", "ticker", "caseTicker"].forEach((name) => { if (state[name]) clearInterval(state[name]); state[name] = null; });
  }

  function showChoice() {
    stopTimers();
    state.session = null;
    state.bsn = "";
    show("session-section", false);
    show("case-section", false);
    show("choose-section", true);
    setStep(1);
  }

  function brpLink(id) {
    const url = state.config && state.config.brp_url;
    if (url) $(id).href = url;
    $(id).parentElement.hidden = !url;
  }

  function renderRemaining() {
    const session = state.session;
    if (!session) return;
    const left = LIVE.has(session.status) ? minutesLeft(session.expires_at) : null;
    if (left === null && LIVE.has(session.status)) { session.status = "expired"; renderSession(); return; }
    show("remaining-row", left !== null || session.status === "expired");
    if (left === null) text("remaining", "common.remaining.ended");
    else remaining("remaining", session.expires_at);
  }

  function renderSession() {
    const s = state.session;
    const live = LIVE.has(s.status);
    text("session-title", s.flow === "known_bsn" ? "staff.session.title.b" : "staff.session.title.c");
    show("code-block", Boolean(s.code));
    if (s.code) {
      $("code").textContent = formatCode(s.code);
      text("bsn-basis", "staff.session.bsn_basis", { bsn: state.bsn || "" });
      show("bsn-basis", Boolean(state.bsn));
    }
    // The link is for one login: once used or ended, only the outcome matters.
    show("link-block", s.status === "created");
    show("link-intro", s.status === "created");
    show("say-block", s.flow === "known_bsn" && s.status === "created");
    $("link").textContent = s.link;
    $("link").href = s.link;
    if (window.qrcode && $("qr").dataset.link !== s.link) {
      const qr = window.qrcode(0, "M");
      qr.addData(s.link);
      qr.make();
      $("qr").src = qr.createDataURL(4, 2);
      $("qr").dataset.link = s.link;
      show("qr-block", true);
    }
    text("status", `status.${s.status}`);
    $("status").className = `lb-status lb-status--${s.status}`;
    const loggedInNow = Boolean(s.login_at);
    show("logged-in-block", loggedInNow);
    if (loggedInNow) {
      text("logged-in-text", "staff.session.logged_in", { moment: { datetime: s.login_at } });
      text("login-at", "common.moment", { moment: { datetime: s.login_at } });
      text("loa", `level.${s.loa}`);
      show("bsn-row", Boolean(s.bsn));
      $("session-bsn").textContent = s.bsn || "";
      show("match", s.code_match === true || s.code_match === false);
      if (s.code_match === true || s.code_match === false) text("match", `staff.session.match.${s.code_match}`);
      brpLink("brp-link");
    }
    show("check-form", ["logged_in", "verified", "locked"].includes(s.status));
    $("heard-code").disabled = s.status !== "logged_in";
    $("check-submit").disabled = s.status !== "logged_in";
    show("complete", s.status === "logged_in" || s.status === "verified");
    show("cancel", live);
    show("new-session", !live);
    setStep(loggedInNow ? 3 : 2);
    renderRemaining();
    // Only the resident's login changes a session behind the official's back; after it, every change is the
    // official's own (check, Voltooien), which refreshes. Polling on would cost a request (and in flow C a KMS
    // decrypt) every 2 s for nothing.
    if (!live || s.status !== "created") stopPolling();
  }

  function stopPolling() { if (state.poller) clearInterval(state.poller); state.poller = null; }

  async function refresh() {
    const s = state.session;
    if (!s || !LIVE.has(s.status)) return;
    const { status, data } = await api("GET", `/api/sessions/${s.id}`);
    if (!state.session || state.session.id !== s.id) return;
    if (status === 200) { state.session = { ...s, ...data }; renderSession(); return; }
    if (status === 404 && data.error === "session_expired") { s.status = "expired"; renderSession(); return; }
    if (status === 404) { stopPolling(); say("session-error", "staff.gone"); show("cancel", false); show("new-session", true); }
  }

  function openSession(session) {
    stopTimers();
    say("session-error", "");
    say("check-result", "");
    $("heard-code").value = "";
    $("heard-code").setAttribute("aria-invalid", "false");
    $("qr").dataset.link = "";
    state.session = session;
    show("choose-section", false);
    show("case-section", false);
    show("session-section", true);
    renderSession();
    $("session-title").focus();
    state.poller = setInterval(refresh, POLL_MS);
    state.ticker = setInterval(renderRemaining, 1000);
  }

  async function create(body) {
    say("create-error", "");
    flash("");
    const { status, data } = await api("POST", "/api/sessions", body);
    if (status !== 201) {
      if (status !== 401) say("create-error", data.error === "invalid_bsn" ? "staff.b.bsn.invalid" : "staff.failed");
      return;
    }
    openSession({ ...data, flow: body.flow, status: "created" });
  }

  async function finish(kind) {
    const s = state.session;
    const { status } = kind === "complete"
      ? await api("POST", `/api/sessions/${s.id}/complete`)
      : await api("DELETE", `/api/sessions/${s.id}`);
    if (status === 200 || status === 204) {
      showChoice();
      flash(kind === "complete" ? "staff.completed" : "staff.cancelled");
      $("flash").focus();
    } else if (status === 404) {
      s.status = "expired";
      renderSession();
      say("session-error", "staff.expired");
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
      $("heard-code").setAttribute("aria-invalid", "false");
      $("check-result").classList.add("lb-feedback--ok");
      say("check-result", "staff.check.ok");
      s.status = data.status || "verified";
    } else if (status === 200) {
      $("check-result").classList.add("lb-feedback--error");
      fieldError("heard-code", "check-result", "staff.check.wrong", { aantal: data.attempts_left });
      if (data.status) s.status = data.status;
      if (data.attempts_left === 0) s.status = "locked";
    } else if (status === 423) {
      $("check-result").classList.add("lb-feedback--error");
      fieldError("heard-code", "check-result", "staff.check.locked");
      s.status = "locked";
    } else if (status === 409) {
      fieldError("heard-code", "check-result", "staff.check.not_yet");
    } else if (status === 404) {
      s.status = "expired";
      say("session-error", "staff.expired");
    } else if (status !== 401) {
      fieldError("heard-code", "check-result", "staff.failed");
    }
    if (s.status === "locked") say("check-result", "staff.check.locked");
    renderSession();
    show("check-result", true);
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
    if (status !== 200) { if (status !== 401) say("create-error", "staff.failed"); return; }
    stopTimers();
    text("case-title", "staff.a.heading", { nummer: data.zaak_number });
    text("case-text", "staff.session.logged_in", { moment: { datetime: data.login_at } });
    $("case-bsn").textContent = data.bsn;
    $("case-code").textContent = formatCode(data.code);
    text("case-login-at", "common.moment", { moment: { datetime: data.login_at } });
    text("case-loa", `level.${data.loa}`);
    brpLink("case-brp-link");
    const tick = () => remaining("case-remaining", data.expires_at);
    tick();
    state.caseTicker = setInterval(tick, 1000);
    show("choose-section", false);
    show("case-section", true);
    setStep(3);
    $("case-title").focus();
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
    $("check-form").addEventListener("submit", check);
    $("complete").addEventListener("click", () => finish("complete"));
    $("cancel").addEventListener("click", () => finish("cancel"));
    $("new-session").addEventListener("click", showChoice);
    $("case-back").addEventListener("click", showChoice);
    init();
  });
})();
