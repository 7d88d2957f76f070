// The API reference: the stack's own /openapi.json (the product routes, the x-api-key
// header, every error, the plans), rendered by the vendored swagger-ui-dist, with curl and
// Python examples above it. The examples carry the base URL the document names (the
// deployed API: what a customer's program calls, not the console's own /api proxy of the
// sandbox) and, once signed in, the reader's own key: shown masked, copied in full.
/* global SwaggerUIBundle */
import {
  $, api, currentSession, errorText, formatQuota, formatThrottle, loadConfig, say, start, t,
  wireHeader,
} from "../app.js";

const DOCUMENT = "/openapi.json";
const EXAMPLE_PATH = "/v1/mail/mailboxes";
const KEY_PLACEHOLDER = "YOUR_API_KEY"; // i18n-exempt: a placeholder in code
const MASK = "••••••••••••";
// Where the example logs in when the sandbox has no demo mailbox to offer.
const PLACEHOLDER_MAILBOX = {
  host: "imap.example.com", port: 993, security: "tls",
  username: "you@example.com", password: "app-password",
};

async function fetchDocument() {
  const response = await fetch(DOCUMENT, { cache: "no-cache" });
  if (!response.ok) throw new Error(t("docs.documentFailed", { status: response.status }));
  return response.json();
}

// The servers entry of the published document; config.json's apiUrl (absolute) otherwise.
function baseUrl(reference, config) {
  const server = reference.servers?.[0]?.url;
  return String(server || new URL(config.apiUrl, location.origin).href).replace(/\/$/, "");
}

function shellQuote(text) {
  return `'${String(text).replace(/'/g, "'\\''")}'`;
}

function curlExample(base, key, body) {
  return [
    `curl -sS -X POST ${shellQuote(base + EXAMPLE_PATH)} \\`,
    `  -H ${shellQuote(`x-api-key: ${key}`)} \\`,
    "  -H 'Content-Type: application/json' \\", // i18n-exempt: code
    `  -d ${shellQuote(JSON.stringify(body))}`,
  ].join("\n");
}

// JSON's strings and numbers are Python's too; the example body has nothing else.
function pythonExample(base, key, body) {
  return [
    "import requests", // i18n-exempt: code
    "",
    "response = requests.post(", // i18n-exempt: code
    `    ${JSON.stringify(base + EXAMPLE_PATH)},`,
    `    headers={"x-api-key": ${JSON.stringify(key)}},`,
    `    json=${JSON.stringify(body)},`,
    "    timeout=30,",
    ")",
    "print(response.status_code, response.json())", // i18n-exempt: code
  ].join("\n");
}

function masked(key) {
  return key === KEY_PLACEHOLDER ? key : `${key.slice(0, 4)}${MASK}`;
}

// Each example is shown with the key masked and copied with the key in full.
function showExamples(base, key, mailbox) {
  const body = { imap: mailbox };
  const examples = {
    curl: [curlExample(base, masked(key), body), curlExample(base, key, body)],
    python: [pythonExample(base, masked(key), body), pythonExample(base, key, body)],
  };
  for (const [name, [shown, full]] of Object.entries(examples)) {
    $(`#docs-${name}`).textContent = shown;
    $(`#docs-copy-${name}`).dataset.copy = full;
  }
}

async function copy(button) {
  const text = button.dataset.copy || "";
  try {
    await navigator.clipboard.writeText(text);
    say($("#docs-message"), t("docs.copied"), "ok");
  } catch {
    say($("#docs-message"), t("docs.copyByHand"), "error");
  }
}

// The signed-in reader's key (GET: this page never issues one), else the placeholder.
async function readerKey(session) {
  if (!session) {
    $("#docs-key-note").textContent = t("docs.signInForKey");
    return KEY_PLACEHOLDER;
  }
  const result = await api("GET", "/account/api-key", { token: session.idToken });
  if (result.ok && result.data?.value) {
    $("#docs-key-note").textContent = t("docs.yourKey");
    return result.data.value;
  }
  $("#docs-key-note").textContent = result.status === 404
    ? t("docs.noKeyYet")
    : t("docs.keyFailed", { error: errorText(result) });
  return KEY_PLACEHOLDER;
}

function showPlans(plans) {
  $("#docs-plans").replaceChildren(...plans.map((plan) => {
    const item = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = plan.name;
    const limits = document.createElement("span");
    limits.textContent = t("docs.planLimits", {
      quota: formatQuota(plan.quota), throttle: formatThrottle(plan.throttle),
    });
    item.append(name, " ", limits);
    return item;
  }));
}

function render(reference) {
  SwaggerUIBundle({
    spec: reference,
    domNode: $("#docs-reference"),
    // Nothing is called from the reference itself: the examples above are for that. No
    // validator badge either (it would load an image from validator.swagger.io).
    supportedSubmitMethods: [],
    validatorUrl: null,
    deepLinking: false,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
  });
}

start(async () => {
  const session = await currentSession();
  wireHeader(session);
  const [config, reference] = await Promise.all([loadConfig(), fetchDocument()]);
  const base = baseUrl(reference, config);
  const mailbox = config.demoMailbox || PLACEHOLDER_MAILBOX;
  $("#docs-base-url").textContent = base;
  showPlans(config.plans || []);
  // A stack in front of the seller's own API (upstreamUrl) documents no FM Mail route.
  $("#docs-examples").hidden = !reference.paths?.[EXAMPLE_PATH];
  showExamples(base, KEY_PLACEHOLDER, mailbox);
  for (const name of ["curl", "python"]) {
    const button = $(`#docs-copy-${name}`);
    button.addEventListener("click", () => copy(button));
    button.disabled = false;
  }
  render(reference);
  showExamples(base, await readerKey(session), mailbox);
  // Back to this tab: the key may have been rotated on the key page meanwhile.
  addEventListener("focus", async () => showExamples(base, await readerKey(session), mailbox));
});
