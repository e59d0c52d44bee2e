"""A small page for trying passkeys in development, at /dev/passkeys (never in production).

GraphiQL cannot call ``navigator.credentials``, so this page does the browser's half of the passkey
mutations: it registers or signs in with a password, adds a passkey to the account, and signs in with
it, calling /graphql of this server exactly as a front end would. Open it at http://localhost:<PORT>/dev/passkeys
(``localhost``, not 127.0.0.1: the relying party ID is ``localhost`` in development, and this origin is one
of the development defaults of WEBAUTHN_ORIGINS).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

PATH = "/dev/passkeys"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Passkeys (development)</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
  fieldset { margin: 1rem 0; border: 1px solid #ccc; border-radius: 6px; }
  input { margin: 0.2rem 0.5rem 0.2rem 0; }
  button { margin: 0.2rem 0.5rem 0.2rem 0; }
  pre { background: #f4f4f4; padding: 0.6rem; white-space: pre-wrap; word-break: break-all; }
</style>
</head>
<body>
<h1>Passkeys (development)</h1>
<p>This page calls <code>/graphql</code> of this server. Passkeys work from
<code>http://localhost:&lt;port&gt;</code> (the relying party ID is <code>localhost</code> in development).</p>
<fieldset>
  <legend>1. An account, signed in with its password</legend>
  <input id="user-name" placeholder="userName" autocomplete="username webauthn">
  <input id="password" type="password" placeholder="password" autocomplete="current-password">
  <button id="register">Register</button>
  <button id="login">Log in</button>
</fieldset>
<fieldset>
  <legend>2. Add a passkey to the signed-in account</legend>
  <input id="passkey-name" placeholder="name (optional)">
  <button id="add-passkey">Add a passkey</button>
</fieldset>
<fieldset>
  <legend>3. Sign in with a passkey (no userName needed)</legend>
  <button id="sign-out">Forget the tokens</button>
  <button id="passkey-login">Sign in with a passkey</button>
</fieldset>
<p id="status" role="status">Not signed in.</p>
<pre id="result"></pre>
<script>
"use strict";
let accessToken = null;  // kept in this page only, never in storage

const $ = (id) => document.getElementById(id);

async function graphql(query, variables = {}) {
  const headers = { "Content-Type": "application/json" };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  const response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  $("result").textContent = JSON.stringify(body, null, 2);
  if (body.errors) {
    const error = body.errors[0];
    const reason = error.extensions && error.extensions.reason ? ` (${error.extensions.reason})` : "";
    throw new Error(`${error.extensions ? error.extensions.code : "ERROR"}${reason}: ${error.message}`);
  }
  return body.data;
}

const PAYLOAD = "accessToken user { userName }";

async function signedIn(payload, how) {
  accessToken = payload.accessToken;
  const data = await graphql("query Sessions { sessions { current signInMethod } }");
  const current = data.sessions.find((session) => session.current);
  $("status").textContent = `Signed in as ${payload.user.userName} with ${how}; this session's signInMethod: `
    + current.signInMethod;
}

function run(button, action) {
  $(button).addEventListener("click", async () => {
    try {
      await action();
    } catch (error) {
      $("status").textContent = `Error: ${error.message}`;
    }
  });
}

run("register", async () => {
  const input = { userName: $("user-name").value, password: $("password").value };
  const data = await graphql(`mutation Register($input: RegisterInput!) { register(input: $input) { ${PAYLOAD} } }`,
    { input });
  await signedIn(data.register, "a password");
});

run("login", async () => {
  const data = await graphql(
    "mutation Login($userName: String!, $password: String!) { "
      + `login(userName: $userName, password: $password) { ${PAYLOAD} } }`,
    { userName: $("user-name").value, password: $("password").value });
  await signedIn(data.login, "a password");
});

run("add-passkey", async () => {
  const begun = await graphql("mutation BeginPasskeyRegistration { beginPasskeyRegistration }");
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(JSON.parse(begun.beginPasskeyRegistration));
  const credential = await navigator.credentials.create({ publicKey });
  const data = await graphql(
    "mutation FinishPasskeyRegistration($credential: String!, $name: String) { "
      + "finishPasskeyRegistration(credential: $credential, name: $name) { id name } }",
    { credential: JSON.stringify(credential.toJSON()), name: $("passkey-name").value || null });
  $("status").textContent = `Passkey added: ${data.finishPasskeyRegistration.name}`;
});

run("sign-out", async () => {
  accessToken = null;
  $("status").textContent = "Not signed in.";
});

run("passkey-login", async () => {
  const begun = await graphql("mutation BeginPasskeyLogin { beginPasskeyLogin }");
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(JSON.parse(begun.beginPasskeyLogin));
  const credential = await navigator.credentials.get({ publicKey });
  const data = await graphql(
    `mutation FinishPasskeyLogin($credential: String!) { finishPasskeyLogin(credential: $credential) { ${PAYLOAD} } }`,
    { credential: JSON.stringify(credential.toJSON()) });
  await signedIn(data.finishPasskeyLogin, "a passkey");
});
</script>
</body>
</html>
"""


async def passkey_page(request: Request) -> Response:
    """The development page (web/app.py routes it only outside production)."""
    return HTMLResponse(PAGE)
