// Shared by every page of the console: settings (/config.json), Cognito sign-in through the
// vendored amazon-cognito-identity-js (SRP, so the password never leaves the browser) or the
// hosted UI (authorization code flow with PKCE), calls
// to the api-sales API, and the error shape {"error": {"code", "message"}}. Every text a
// reader sees comes from the message catalogues through ./i18n.js.
/* global AmazonCognitoIdentity */
import {
  formatMoney, formatNumber, hasMessage, language, languages, setLanguage, t, translate,
} from "./i18n.js";

export { fillText, formatDate, formatDateTime, formatNumber, hasMessage, language, t } from "./i18n.js";

let configPromise = null;

export function loadConfig() {
  if (!configPromise) {
    configPromise = fetch("/config.json", { cache: "no-store" }).then((response) => {
      if (!response.ok) throw new Error(t("error.config", { status: response.status }));
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

// Cognito's messages are English: a known code is said in the reader's language.
function cognitoError(error) {
  const code = error?.code || error?.name || "cognito_error";
  const err = new Error(hasMessage(`cognito.${code}`) ? t(`cognito.${code}`) : (error?.message || String(error)));
  err.code = code;
  return err;
}

// Addresses are case-insensitive (the pool is made with case_sensitive false): one spelling
// reaches Cognito, whatever the reader typed, so "Ann@Example.com" signs in as ann@example.com.
export function normaliseEmail(email) {
  return String(email || "").trim().toLowerCase();
}

export async function signIn(typedEmail, password) {
  const email = normaliseEmail(typedEmail);
  localStorage.removeItem(HOSTED_SESSION_KEY); // this session is not the hosted UI's
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
        message: t("cognito.NewPasswordRequired"),
      })),
    });
  });
}

export async function signUp(typedEmail, password) {
  const email = normaliseEmail(typedEmail);
  const pool = await userPool();
  const attributes = [new AmazonCognitoIdentity.CognitoUserAttribute({ Name: "email", Value: email })];
  return new Promise((resolve, reject) => {
    pool.signUp(email, password, attributes, null, (error, result) =>
      error ? reject(cognitoError(error)) : resolve(result));
  });
}

export async function confirmSignUp(email, code) {
  const pool = await userPool();
  const user = new AmazonCognitoIdentity.CognitoUser({ Username: normaliseEmail(email), Pool: pool });
  return new Promise((resolve, reject) => {
    user.confirmRegistration(code, true, (error, result) =>
      error ? reject(cognitoError(error)) : resolve(result));
  });
}

export async function resendCode(email) {
  const pool = await userPool();
  const user = new AmazonCognitoIdentity.CognitoUser({ Username: normaliseEmail(email), Pool: pool });
  return new Promise((resolve, reject) => {
    user.resendConfirmationCode((error, result) =>
      error ? reject(cognitoError(error)) : resolve(result));
  });
}

// ---- passwords (docs/web-console.md, "Passwords") ----------------------------------------
// Change: the signed-in user's own ChangePassword (needs the current password and a fresh
// access token). Forgot: ForgotPassword mails a code, ConfirmForgotPassword sets the new one.
export async function changePassword(oldPassword, newPassword) {
  const pool = await userPool();
  const user = pool.getCurrentUser();
  if (!user) throw cognitoError({ code: "NotAuthorizedException" });
  await new Promise((resolve, reject) => {
    user.getSession((error, session) => (error || !session ? reject(cognitoError(error)) : resolve(session)));
  });
  return new Promise((resolve, reject) => {
    user.changePassword(oldPassword, newPassword, (error, result) =>
      error ? reject(cognitoError(error)) : resolve(result));
  });
}

export async function forgotPassword(email) {
  const pool = await userPool();
  const user = new AmazonCognitoIdentity.CognitoUser({ Username: normaliseEmail(email), Pool: pool });
  return new Promise((resolve, reject) => {
    user.forgotPassword({
      onSuccess: resolve,
      inputVerificationCode: resolve,
      onFailure: (error) => reject(cognitoError(error)),
    });
  });
}

export async function confirmForgotPassword(email, code, newPassword) {
  const pool = await userPool();
  const user = new AmazonCognitoIdentity.CognitoUser({ Username: normaliseEmail(email), Pool: pool });
  return new Promise((resolve, reject) => {
    user.confirmPassword(code, newPassword, {
      onSuccess: resolve,
      onFailure: (error) => reject(cognitoError(error)),
    });
  });
}

// Ends the session in this browser only (the account it belonged to is gone).
export async function forgetSession() {
  const pool = await userPool();
  const user = pool.getCurrentUser();
  if (user) user.signOut();
  localStorage.removeItem(HOSTED_SESSION_KEY);
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

// Ends the session kept in this browser. Resolves to where the page should go next: the
// hosted UI's /logout (which ends its own session, then returns to "/") when the session
// came from the hosted page, else /signin/.
export async function signOut() {
  const pool = await userPool();
  const user = pool.getCurrentUser();
  if (user) user.signOut();
  const fromHostedUi = localStorage.getItem(HOSTED_SESSION_KEY) === "1";
  localStorage.removeItem(HOSTED_SESSION_KEY);
  const config = await loadConfig();
  if (fromHostedUi && config.hostedUiUrl) {
    const query = new URLSearchParams({
      client_id: config.webClientId, logout_uri: `${location.origin}/`,
    });
    return `${hostedUiBase(config)}/logout?${query}`;
  }
  return "/signin/";
}

// ---- the hosted UI: OAuth 2.0 authorization code flow with PKCE (S256) ------------------
// The stack's app client allows the code flow with openid/email/profile and the callback
// {webBaseUrl}/auth/callback. The verifier and state live in sessionStorage (this tab only)
// between the redirect out and the callback; tokens end up where the SRP path keeps them.
const PENDING_KEY = "apiSales.hostedUi.pending";
const HOSTED_SESSION_KEY = "apiSales.hostedUi.session";
const OAUTH_SCOPES = "openid email profile"; // i18n-exempt: OAuth scope names

function hostedUiBase(config) {
  return String(config.hostedUiUrl || "").replace(/\/$/, "");
}

export async function hostedUiAvailable() {
  return Boolean((await loadConfig()).hostedUiUrl) && Boolean(globalThis.crypto?.subtle);
}

function base64Url(bytes) {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(byteCount) {
  return base64Url(crypto.getRandomValues(new Uint8Array(byteCount)));
}

function callbackUrl() {
  return `${location.origin}/auth/callback`;
}

// Sends the browser to the hosted sign-in page; `next` is where to land afterwards.
export async function startHostedSignIn(next = "/account/") {
  const config = await loadConfig();
  const verifier = randomString(32); // 43 characters, RFC 7636's minimum
  const state = randomString(24);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, verifier, next }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.webClientId,
    redirect_uri: callbackUrl(),
    scope: OAUTH_SCOPES,
    state,
    code_challenge: base64Url(digest),
    code_challenge_method: "S256",
  });
  location.assign(`${hostedUiBase(config)}/oauth2/authorize?${query}`);
}

function oauthError(code, message) {
  const err = new Error(message);
  err.code = code;
  return err;
}

// On /auth/callback: checks `state`, exchanges the code (with the PKCE verifier) at the
// token endpoint, and stores the session. Resolves to the page to go to next. The pending
// verifier is used once: a reload of the callback or a second tab cannot replay it.
export async function completeHostedSignIn(params) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "null");
  sessionStorage.removeItem(PENDING_KEY);
  if (params.get("error")) {
    throw oauthError(params.get("error"), t("hosted.refused",
      { reason: params.get("error_description") || params.get("error") }));
  }
  if (!pending || !pending.state) {
    throw oauthError("no_pending_sign_in", t("hosted.noPending"));
  }
  if (!params.get("state") || params.get("state") !== pending.state) {
    throw oauthError("state_mismatch", t("hosted.stateMismatch"));
  }
  const code = params.get("code");
  if (!code) throw oauthError("no_code", t("hosted.noCode"));

  const config = await loadConfig();
  let response;
  try {
    response = await fetch(`${hostedUiBase(config)}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: config.webClientId,
        code,
        redirect_uri: callbackUrl(),
        code_verifier: pending.verifier,
      }),
      cache: "no-store",
    });
  } catch (error) {
    throw oauthError("network_error", t("hosted.unreachable", { reason: error.message }));
  }
  const tokens = await response.json().catch(() => ({}));
  if (!response.ok || !tokens.id_token || !tokens.access_token || !tokens.refresh_token) {
    throw oauthError(tokens.error || "token_error", t("hosted.exchangeFailed",
      { reason: tokens.error_description || tokens.error || `HTTP ${response.status}` }));
  }
  await storeSession(tokens);
  localStorage.setItem(HOSTED_SESSION_KEY, "1");
  const next = String(pending.next || "");
  return next.startsWith("/") && !next.startsWith("//") ? next : "/account/";
}

// The same storage the SRP path writes (amazon-cognito-identity-js's keys, under the
// Cognito username), so currentSession() and its refresh work unchanged.
async function storeSession(tokens) {
  const session = new AmazonCognitoIdentity.CognitoUserSession({
    IdToken: new AmazonCognitoIdentity.CognitoIdToken({ IdToken: tokens.id_token }),
    AccessToken: new AmazonCognitoIdentity.CognitoAccessToken({ AccessToken: tokens.access_token }),
    RefreshToken: new AmazonCognitoIdentity.CognitoRefreshToken({ RefreshToken: tokens.refresh_token }),
  });
  const claims = session.getAccessToken().decodePayload();
  const username = claims.username || session.getIdToken().decodePayload()["cognito:username"];
  if (!username) throw oauthError("token_error", t("hosted.noUser"));
  const user = new AmazonCognitoIdentity.CognitoUser({ Username: username, Pool: await userPool() });
  user.setSignInUserSession(session);
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
    return { status: 0, ok: false, data: { error: { code: "network_error", message: t("error.network", { reason: error.message }) } } };
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

// "Message (code, HTTP 429)" from the error shape, whatever answered. A code the
// catalogue knows (error.<code>) is said in the reader's language, else the server's words.
export function errorText(result) {
  const error = result?.data?.error;
  const known = error?.code && hasMessage(`error.${error.code}`);
  const message = known
    ? t(`error.${error.code}`)
    : error?.message || result?.data?.message || t("error.unknown");
  const code = error?.code ? `${error.code}, ` : "";
  return t("error.withStatus", { message, code, status: result.status });
}

// ---- presentation ------------------------------------------------------------------------
// A plan as config.json describes it: {name, quota: {limit, period}, throttle: {rateLimit,
// burstLimit}, price: {unitAmount, currency, interval} | null, features: [...]}; throttle
// and features may be absent.
export function formatPrice(price) {
  if (!price) return t("plan.free");
  const amount = formatMoney(price.unitAmount, price.currency);
  const interval = String(price.interval || "").toLowerCase();
  return hasMessage(`price.per.${interval}`)
    ? t(`price.per.${interval}`, { amount })
    : t("price.perOther", { amount, interval });
}

export function formatQuota(quota) {
  if (!quota) return "";
  const period = String(quota.period || "").toUpperCase();
  const count = quota.limit;
  const limit = formatNumber(count);
  return hasMessage(`quota.per.${period}`)
    ? t(`quota.per.${period}`, { limit, count })
    : t("quota.perOther", { limit, count, period });
}

export function formatThrottle(throttle) {
  if (!throttle || throttle.rateLimit === undefined) return "";
  return t("throttle", {
    rate: formatNumber(throttle.rateLimit), burst: formatNumber(throttle.burstLimit ?? throttle.rateLimit),
  });
}

export async function planInfo(name) {
  const config = await loadConfig();
  return (config.plans || []).find((plan) => plan.name === name) || null;
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

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

// The language switch: the choice is kept (localStorage) and the page is shown again in it.
function languageSwitch() {
  const label = element("label", { for: "language", class: "language-label" }, t("header.language"));
  const select = element("select", { id: "language", class: "language" });
  for (const [code, name] of Object.entries(languages)) {
    const option = element("option", { value: code, lang: code }, name);
    option.selected = code === language;
    select.append(option);
  }
  select.addEventListener("change", () => {
    setLanguage(select.value);
    location.reload();
  });
  const box = element("span", { class: "language-switch" });
  box.append(label, select);
  return box;
}

// The site header is the same on every page: written here, filled in by wireHeader().
function siteHeader(header) {
  const nav = element("nav", { "aria-label": t("header.navigation") });
  nav.append(
    element("a", { href: "/account/" }, t("header.apiKey")),
    element("a", { href: "/upgrade/" }, t("header.plans")),
    element("a", { href: "/docs/" }, t("docs.nav")),
    element("a", { href: "/account/settings/" }, t("account.settings.nav")),
  );
  const who = element("span", { class: "who" });
  const signOutButton = element("button", { type: "button", id: "sign-out", class: "link" }, t("header.signOut"));
  signOutButton.hidden = true;
  who.append(element("span", { id: "signed-in-as" }), " ", signOutButton);
  header.replaceChildren(element("a", { class: "brand", href: "/" }, t("site.brand")), nav, languageSwitch(), who);
}

translate();
for (const header of document.querySelectorAll("[data-site-header]")) siteHeader(header);

// Header: who is signed in, and sign out.
export function wireHeader(session) {
  const who = $("#signed-in-as");
  if (who && session) who.textContent = session.email;
  const button = $("#sign-out");
  if (button) {
    button.hidden = !session;
    button.addEventListener("click", async () => {
      location.assign(await signOut());
    });
  }
  for (const link of document.querySelectorAll("nav a")) {
    const target = link.getAttribute("href").replace(/\/$/, "");
    if (target && location.pathname.replace(/\/$/, "") === target) link.setAttribute("aria-current", "page");
  }
}

// One origin: sessions live in that origin's localStorage and Checkout, the portal and the
// hosted UI return to webBaseUrl, so a page opened at another address (127.0.0.1 for
// localhost) moves there before anything is stored.
async function ensureCanonicalOrigin() {
  const config = await loadConfig();
  if (!config.webBaseUrl) return;
  const canonical = new URL(config.webBaseUrl).origin;
  if (canonical === location.origin) return;
  location.replace(canonical + location.pathname + location.search + location.hash);
  await new Promise(() => {}); // the page is going away
}

export async function start(main) {
  try {
    await ensureCanonicalOrigin();
    await main();
  } catch (error) {
    const box = $("#page-error");
    if (box) say(box, error.message || String(error), "error");
    console.error(error);
  }
}
