// Shared by every page of the console: settings (/config.json), Cognito sign-in through the
// vendored amazon-cognito-identity-js (SRP, so the password never leaves the browser), calls
// to the api-sales API, and the error shape {"error": {"code", "message"}}.
/* global AmazonCognitoIdentity */

let configPromise = null;

export function loadConfig() {
  if (!configPromise) {
    configPromise = fetch("/config.json", { cache: "no-store" }).then((response) => {
      if (!response.ok) throw new Error(`Cannot load /config.json (HTTP ${response.status}).`);
      return response.json();
    });
  }
  return configPromise;
}

// ---- Cognito -----------------------------------------------------------------------------
async function userPool() {
  const config = await loadConfig();
  return new AmazonCognitoIdentity.CognitoUserPool({
    UserPoolId: config.userPoolId,
    ClientId: config.webClientId,
    // Unset on AWS (the regional cognito-idp endpoint); the sandbox proxies it same-origin.
    endpoint: config.cognitoEndpoint || undefined,
  });
}

function cognitoError(error) {
  const err = new Error(error?.message || String(error));
  err.code = error?.code || error?.name || "cognito_error";
  return err;
}

export async function signIn(email, password) {
  const pool = await userPool();
  const user = new AmazonCognitoIdentity.CognitoUser({ Username: email, Pool: pool });
  const details = new AmazonCognitoIdentity.AuthenticationDetails({
    Username: email, Password: password,
  });
  return new Promise((resolve, reject) => {
    user.authenticateUser(details, {
      onSuccess: resolve,
      onFailure: (error) => reject(cognitoError(error)),
      newPasswordRequired: () => reject(cognitoError({
        code: "NewPasswordRequired",
        message: "This account must set a new password first (ask the operator).",
      })),
    });
  });
}

export async function signUp(email, password) {
  const pool = await userPool();
  const attributes = [new AmazonCognitoIdentity.CognitoUserAttribute({ Name: "email", Value: email })];
  return new Promise((resolve, reject) => {
    pool.signUp(email, password, attributes, null, (error, result) =>
      error ? reject(cognitoError(error)) : resolve(result));
  });
}

export async function confirmSignUp(email, code) {
  const pool = await userPool();
  const user = new AmazonCognitoIdentity.CognitoUser({ Username: email, Pool: pool });
  return new Promise((resolve, reject) => {
    user.confirmRegistration(code, true, (error, result) =>
      error ? reject(cognitoError(error)) : resolve(result));
  });
}

export async function resendCode(email) {
  const pool = await userPool();
  const user = new AmazonCognitoIdentity.CognitoUser({ Username: email, Pool: pool });
  return new Promise((resolve, reject) => {
    user.resendConfirmationCode((error, result) =>
      error ? reject(cognitoError(error)) : resolve(result));
  });
}

// The signed-in user's session ({idToken, email}) or null; refreshes expired tokens.
export async function currentSession() {
  const pool = await userPool();
  const user = pool.getCurrentUser();
  if (!user) return null;
  return new Promise((resolve) => {
    user.getSession((error, session) => {
      if (error || !session || !session.isValid()) return resolve(null);
      const idToken = session.getIdToken();
      resolve({ idToken: idToken.getJwtToken(), email: idToken.payload.email || "" });
    });
  });
}

export async function signOut() {
  const pool = await userPool();
  const user = pool.getCurrentUser();
  if (user) user.signOut();
}

// Every page but sign-in needs a user: send the visitor to sign in, then back here.
export async function requireSession() {
  const session = await currentSession();
  if (!session) {
    const next = location.pathname + location.search;
    location.replace(`/signin/?next=${encodeURIComponent(next)}`);
    return new Promise(() => {}); // the page is going away
  }
  return session;
}

// ---- the api-sales API -------------------------------------------------------------------
// Resolves to {status, ok, data}; never throws for an HTTP error (the caller shows it).
export async function api(method, path, { token, apiKey, body } = {}) {
  const config = await loadConfig();
  const headers = {};
  // API Gateway's Cognito authorizer takes the bare ID token.
  if (token) headers.Authorization = token;
  if (apiKey) headers["x-api-key"] = apiKey;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(config.apiUrl.replace(/\/$/, "") + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (error) {
    return { status: 0, ok: false, data: { error: { code: "network_error", message: `The API could not be reached: ${error.message}` } } };
  }
  let data = null;
  const text = await response.text();
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: { code: "invalid_response", message: text.slice(0, 200) } };
  }
  return { status: response.status, ok: response.ok, data };
}

// "Message (code, HTTP 429)" from the error shape, whatever answered.
export function errorText(result) {
  const error = result?.data?.error;
  const message = error?.message || result?.data?.message || "Something went wrong.";
  const code = error?.code ? `${error.code}, ` : "";
  return `${message} (${code}HTTP ${result.status})`;
}

// ---- presentation ------------------------------------------------------------------------
export function formatPrice(price) {
  if (!price) return "Free";
  const amount = new Intl.NumberFormat("en", {
    style: "currency", currency: price.currency.toUpperCase(),
  }).format(price.currency.toLowerCase() === "jpy" ? price.unitAmount : price.unitAmount / 100);
  return `${amount} a ${price.interval}`;
}

export function formatQuota(quota) {
  if (!quota) return "";
  const period = { DAY: "day", WEEK: "week", MONTH: "month" }[quota.period] || quota.period;
  return `${new Intl.NumberFormat("en").format(quota.limit)} calls a ${period}`;
}

export async function planInfo(name) {
  const config = await loadConfig();
  return (config.plans || []).find((plan) => plan.name === name) || null;
}

export function formatDate(epochSeconds) {
  if (!epochSeconds) return "";
  return new Date(Number(epochSeconds) * 1000).toLocaleDateString("en", {
    year: "numeric", month: "long", day: "numeric",
  });
}

// Writes a message into a live region; kind "error" also marks it for styling.
export function say(element, text, kind = "info") {
  element.textContent = text;
  element.dataset.kind = kind;
  element.hidden = !text;
}

export function $(selector) {
  return document.querySelector(selector);
}

// The site header is the same on every page: written once here, filled in by wireHeader().
const SITE_HEADER = `
  <a class="brand" href="/">FM Mail</a>
  <nav aria-label="Main">
    <a href="/account/">API key</a>
    <a href="/upgrade/">Plans</a>
  </nav>
  <span class="who"><span id="signed-in-as"></span>
    <button type="button" id="sign-out" class="link" hidden>Sign out</button></span>`;
for (const header of document.querySelectorAll("[data-site-header]")) header.innerHTML = SITE_HEADER;

// Header: who is signed in, and sign out.
export function wireHeader(session) {
  const who = $("#signed-in-as");
  if (who && session) who.textContent = session.email;
  const button = $("#sign-out");
  if (button) {
    button.hidden = !session;
    button.addEventListener("click", async () => {
      await signOut();
      location.assign("/signin/");
    });
  }
  for (const link of document.querySelectorAll("nav a")) {
    const target = link.getAttribute("href").replace(/\/$/, "");
    if (target && location.pathname.replace(/\/$/, "") === target) link.setAttribute("aria-current", "page");
  }
}

export async function start(main) {
  try {
    await main();
  } catch (error) {
    const box = $("#page-error");
    if (box) say(box, error.message || String(error), "error");
    console.error(error);
  }
}
