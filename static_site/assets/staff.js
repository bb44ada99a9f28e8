// Staff page (minimal version): log in, create a flow B or C session, follow it, check the code, complete.
// No inline scripts (CSP); all texts Dutch for now, the full bilingual pages come with issue 4.
"use strict";

const state = { token: null, session: null, poller: null };
const $ = (id) => document.getElementById(id);

function show(id, visible) { $(id).hidden = !visible; }
function say(id, text) { $(id).textContent = text; show(id, Boolean(text)); }

function elfproef(digits) {
  if (!/^[0-9]{9}$/.test(digits) || digits === "000000000") return false;
  const weights = [9, 8, 7, 6, 5, 4, 3, 2, -1];
  const sum = weights.reduce((total, w, i) => total + w * Number(digits[i]), 0);
  return sum % 11 === 0;
}

const STATUS_TEXT = {
  created: "Wacht op inloggen met DigiD",
  logged_in: "Burger is ingelogd",
  verified: "Controlecode klopt: identificatie geslaagd",
  locked: "Geblokkeerd na drie foute codes",
  expired: "Verlopen",
};

async function config() {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error("config");
  return response.json();
}

async function login(username, password) {
  const settings = await config();
  const response = await fetch(settings.auth.cognito_endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
    },
    body: JSON.stringify({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: settings.auth.client_id,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  });
  if (!response.ok) return null;
  const answer = await response.json();
  return answer.AuthenticationResult ? answer.AuthenticationResult.IdToken : null;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${state.token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  return { status: response.status, data };
}

function render(session) {
  state.session = session;
  show("session-section", true);
  $("link").textContent = session.link;
  $("link").href = session.link;
  $("status").textContent = STATUS_TEXT[session.status] || session.status;
  $("expires").textContent = new Date(session.expires_at).toLocaleTimeString("nl-NL");
  if (session.code) { $("code").textContent = session.code.replace(/(\d{3})(\d{3})/, "$1 $2"); show("code-block", true); }
  if (session.login_at) $("login-at").textContent = new Date(session.login_at).toLocaleString("nl-NL");
  if (session.loa) $("loa").textContent = session.loa;
  if (session.bsn) $("session-bsn").textContent = session.bsn;
}

async function refresh() {
  if (!state.session) return;
  const { status, data } = await api("GET", `/api/sessions/${state.session.id}`);
  if (status === 200) render({ ...state.session, ...data });
  else stopPolling();
}

function stopPolling() { if (state.poller) clearInterval(state.poller); state.poller = null; }

async function create(body) {
  say("create-error", "");
  const { status, data } = await api("POST", "/api/sessions", body);
  if (status !== 201) { say("create-error", data.message || "De sessie kon niet worden gemaakt."); return; }
  render({ ...data, status: "created" });
  stopPolling();
  state.poller = setInterval(refresh, 3000);
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    say("login-error", "");
    const token = await login($("username").value.trim(), $("password").value).catch(() => null);
    if (!token) { say("login-error", "Inloggen is niet gelukt. Controleer uw loginnaam en wachtwoord."); return; }
    state.token = token;
    show("login-section", false);
    show("create-section", true);
    $("welcome").textContent = "U bent ingelogd.";
  });

  $("bsn").addEventListener("input", () => {
    const digits = $("bsn").value.replace(/\s/g, "");
    const complete = digits.length >= 9;
    const valid = elfproef(digits.padStart(9, "0"));
    say("bsn-error", complete && !valid ? "Dit is geen geldig burgerservicenummer (elfproef)." : "");
    $("bsn").setAttribute("aria-invalid", complete && !valid ? "true" : "false");
  });

  $("known-bsn-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const bsn = $("bsn").value.replace(/\s/g, "");
    if (!elfproef(bsn.padStart(9, "0"))) { say("bsn-error", "Dit is geen geldig burgerservicenummer (elfproef)."); return; }
    const body = { flow: "known_bsn", bsn };
    if ($("loa-b").value) body.required_loa = $("loa-b").value;
    create(body);
  });

  $("handover-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { flow: "handover" };
    if ($("loa-c").value) body.required_loa = $("loa-c").value;
    create(body);
  });

  $("copy-link").addEventListener("click", async () => {
    await navigator.clipboard.writeText($("link").textContent).catch(() => null);
    $("copy-status").textContent = "De link is gekopieerd.";
  });

  $("check-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const { status, data } = await api("POST", `/api/sessions/${state.session.id}/check`, {
      code: $("heard-code").value.replace(/\s/g, ""),
    });
    if (status === 200) {
      $("check-result").textContent = data.match
        ? "De code klopt: de identificatie is geslaagd."
        : `De code klopt niet. U kunt het nog ${data.attempts_left} keer proberen.`;
      refresh();
    } else {
      $("check-result").textContent = data.message || "De code kon niet worden gecontroleerd.";
    }
  });

  $("refresh").addEventListener("click", refresh);

  for (const [id, method, path] of [["complete", "POST", "complete"], ["cancel", "DELETE", ""]]) {
    $(id).addEventListener("click", async () => {
      const suffix = path ? `/${path}` : "";
      const { status, data } = await api(method, `/api/sessions/${state.session.id}${suffix}`);
      if (status === 200) {
        stopPolling();
        show("session-section", false);
        state.session = null;
        say("create-error", id === "complete" ? "De sessie is voltooid en gewist." : "De sessie is gestopt en gewist.");
      } else {
        say("session-error", data.message || "Dat is niet gelukt.");
      }
    });
  }
});
