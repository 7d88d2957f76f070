import {
  $, api, errorText, formatDateTime, formatNumber, formatQuota, loadConfig, planInfo,
  requireSession, say, start, t, wireHeader,
} from "../app.js";
import { wireBilling } from "../billing.js";
import { resetTime, showUsage } from "../usage.js";

let session = null;

async function showPlan(planName) {
  $("#plan-name").textContent = planName || "—";
  const plan = await planInfo(planName);
  $("#plan-quota").textContent = plan ? t("common.parenthesised", { text: formatQuota(plan.quota) }) : "";
}

function showKey(key) {
  $("#api-key").value = key.value;
  $("#api-key").dataset.keyId = key.id;
}

// The caller's key; a new user gets one on the default plan at once (POST is idempotent).
async function loadKey() {
  let result = await api("GET", "/account/api-key", { token: session.idToken });
  if (result.status === 404) {
    say($("#key-message"), t("account.issuing"));
    result = await api("POST", "/account/api-key", { token: session.idToken });
  }
  if (!result.ok) {
    say($("#key-message"), t("account.loadFailed", { error: errorText(result) }), "error");
    return;
  }
  showKey(result.data);
  await showPlan(result.data.plan);
  say($("#key-message"), "");
}

// Every read or write of the key is numbered; only the latest may change what is shown, so a
// slow or retried answer never puts back a key that a newer answer (or a rotation here) replaced.
let keyTurn = 0;
// The refresh most recently started, and its turn: an overtaken refresh waits for it instead.
let latestRefresh = Promise.resolve();
let latestRefreshTurn = 0;
// A failed background read is tried again after these pauses (three tries within ~2 s): a
// blip must not leave a stale key on screen, and a refresh that recovers says nothing.
const REFRESH_RETRY_DELAYS_MS = [500, 1500];
let refreshFailureShown = false;

const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// Worth another try: no answer at all, the API throttling, or the API failing (5xx).
const transient = (result) => result.status === 0 || result.status === 429 || result.status >= 500;

// The key may have been rotated in another tab or window since this page loaded: the value
// shown here would then be refused. Resolves once the latest refresh has settled.
// ``changed`` says what happened when the key read differs from the one shown.
function refreshKey(changed = () => t("account.keyChangedElsewhere")) {
  if (!session) return Promise.resolve();
  const turn = ++keyTurn;
  latestRefreshTurn = turn;
  latestRefresh = readCurrentKey(turn, changed);
  return latestRefresh;
}

async function readCurrentKey(turn, changed) {
  const overtaken = () => turn !== keyTurn;
  // A newer refresh speaks for this one; a rotation here needs no refresh at all.
  const yieldToNewer = () => (latestRefreshTurn > turn ? latestRefresh : undefined);
  let result = await api("GET", "/account/api-key", { token: session.idToken });
  for (const delay of REFRESH_RETRY_DELAYS_MS) {
    if (overtaken()) return yieldToNewer();
    if (result.ok || !transient(result)) break;
    await pause(delay);
    if (overtaken()) return yieldToNewer();
    result = await api("GET", "/account/api-key", { token: session.idToken });
  }
  if (overtaken()) return yieldToNewer();
  if (!result.ok || !result.data?.value) {
    refreshFailureShown = true;
    say($("#key-message"), t("account.refreshFailed", { error: errorText(result) }), "error");
    return;
  }
  if (result.data.value !== $("#api-key").value) {
    refreshFailureShown = false;
    showKey(result.data);
    say($("#key-message"), changed());
    await showPlan(result.data.plan);
  } else if (refreshFailureShown) {
    refreshFailureShown = false;
    say($("#key-message"), "");
  }
}

function wireKeyButtons() {
  $("#toggle-key").addEventListener("click", (event) => {
    const input = $("#api-key");
    const showing = input.type === "text";
    input.type = showing ? "password" : "text";
    event.currentTarget.textContent = showing ? t("account.show") : t("account.hide");
    event.currentTarget.setAttribute("aria-pressed", String(!showing));
  });
  $("#copy-key").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("#api-key").value);
      say($("#key-message"), t("account.copied"));
    } catch {
      $("#api-key").type = "text";
      $("#api-key").select();
      say($("#key-message"), t("account.copyByHand"));
    }
  });
  // Two steps instead of confirm(): a dialog would block automation and screen readers alike.
  // While asking, the two answers replace the Rotate button (two buttons, not three).
  const asking = (on) => {
    $("#rotate-confirm").hidden = !on;
    $("#rotate-key").hidden = on;
  };
  $("#rotate-key").addEventListener("click", () => {
    asking(true);
    $("#rotate-yes").focus();
  });
  $("#rotate-no").addEventListener("click", () => {
    asking(false);
    $("#rotate-key").focus();
  });
  $("#rotate-yes").addEventListener("click", async () => {
    asking(false);
    say($("#key-message"), t("account.rotating"));
    keyTurn += 1; // a refresh in flight read the key this rotation replaces
    const result = await api("POST", "/account/api-key/rotate", { token: session.idToken });
    keyTurn += 1; // and so may one started while it was rotating
    if (!result.ok) return rotationFailed(result);
    refreshFailureShown = false;
    showKey(result.data);
    say($("#key-message"), t("account.rotated"));
  });
}

// A rotation that reports a failure may have happened all the same (its answer lost on the
// way back), and it set aside any refresh in flight: read the key again, so the page never
// keeps showing a key that no longer works.
async function rotationFailed(result) {
  const error = errorText(result);
  refreshFailureShown = false; // this error replaces an earlier refresh's: keep it if nothing changed
  say($("#key-message"), t("account.rotateFailed", { error }), "error");
  await refreshKey(() => t("account.rotateFailedKeyChanged", { error }));
}

function prefillMailbox(mailbox) {
  if (!mailbox) {
    $("#try-mailbox-note").textContent = t("try.ownMailbox");
    return;
  }
  $("#imap-host").value = mailbox.host;
  $("#imap-port").value = mailbox.port;
  $("#imap-security").value = mailbox.security;
  $("#imap-username").value = mailbox.username;
  $("#imap-password").value = mailbox.password;
  $("#try-mailbox-note").textContent = t("try.demoMailbox");
}

function renderMessages(messages) {
  const list = $("#try-messages");
  list.replaceChildren();
  for (const message of messages) {
    const item = document.createElement("li");
    const from = (message.from || []).map((a) => a.name || a.address).join(", ");
    const title = document.createElement("strong");
    title.textContent = message.subject || t("try.noSubject");
    const meta = document.createElement("span");
    meta.className = "hint";
    // The mail's own date (with its sender's offset), shown in the reader's zone and language.
    const date = message.date || message.internal_date;
    const time = document.createElement("time");
    if (date) time.dateTime = date;
    time.textContent = formatDateTime(date);
    meta.append(` — ${from}, `, time);
    item.append(title, meta);
    for (const attachment of message.attachments || []) {
      const file = document.createElement("div");
      file.className = "attachment";
      file.textContent = t("try.attachment", {
        name: attachment.filename || attachment.part, type: attachment.content_type,
        size: formatNumber(attachment.size), count: attachment.size,
      });
      item.append(file);
    }
    list.append(item);
  }
}

function requestBody() {
  const port = $("#imap-port").value;
  return {
    imap: {
      host: $("#imap-host").value.trim(),
      security: $("#imap-security").value,
      username: $("#imap-username").value,
      password: $("#imap-password").value,
      ...(port ? { port: Number(port) } : {}),
    },
    limit: Number($("#imap-limit").value) || 5,
  };
}

async function tryApi(event) {
  event.preventDefault();
  const status = $("#try-status");
  const button = $("#try-send");
  button.disabled = true;
  say(status, t("try.calling"));
  const sent = $("#api-key").value;
  let result = await api("POST", "/v1/mail/messages", { apiKey: sent, body: requestBody() });
  // 403: the key was refused; if another tab rotated it, take the new one and try once more.
  if (result.status === 403) {
    await refreshKey();
    const current = $("#api-key").value;
    if (current !== sent) result = await api("POST", "/v1/mail/messages", { apiKey: current, body: requestBody() });
  }
  button.disabled = false;
  $("#try-raw").textContent = JSON.stringify(result.data, null, 2);
  $("#try-raw-box").hidden = false;
  if (result.ok) {
    const count = result.data.messages.length;
    say(status, t("try.ok", { status: result.status, count, mailbox: result.data.mailbox }), "ok");
    renderMessages(result.data.messages);
    showUsage(session); // one more call counted (as soon as API Gateway reports it)
    return;
  }
  renderMessages([]);
  say(status, await refusalText(result), "error");
}

// The gateway's refusals, each in its own words (the codes are in docs/handlers.md), with
// the code and status after them; anything else as errorText says it.
async function refusalText(result) {
  const code = result.data?.error?.code;
  let words;
  if (code === "invalid_api_key") {
    words = t($("#api-key").value ? "usage.try.keyInvalid" : "usage.try.keyMissing");
  } else if (code === "quota_exceeded") {
    // The gateway cannot know when the quota resets; the usage route can (where it works).
    const resets = await resetTime(session);
    words = resets ? t("usage.try.quotaExceeded", { resets }) : t("usage.try.quotaExceededNoReset");
    words += ` ${t("try.quotaHint")}`;
  } else if (code === "throttled") {
    words = t("usage.try.throttled");
  } else if (code === "not_found") {
    words = t("usage.try.notFound");
  } else {
    return errorText(result);
  }
  return t("error.withStatus", { message: words, code: `${code}, `, status: result.status });
}

start(async () => {
  session = await requireSession();
  wireHeader(session);
  wireKeyButtons();
  const config = await loadConfig();
  prefillMailbox(config.demoMailbox);
  $("#try-form").addEventListener("submit", tryApi);
  // The page's buttons come disabled: until now a click would have been lost.
  for (const button of document.querySelectorAll("#main button")) button.disabled = false;
  await loadKey();
  // Back to this tab or window: the key may have been rotated meanwhile. Listened for as soon
  // as the key is shown, not after the usage figures: a slow usage call must not make the
  // page miss the focus that follows a rotation in another tab.
  addEventListener("focus", () => { refreshKey(); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refreshKey();
  });
  // Renewal date, past-due banner; the key's plan follows a payment recovered meanwhile.
  wireBilling($("#billing"), session, { onAccount: (account) => account.api_key && showPlan(account.api_key.plan) });
  await showUsage(session);
});
