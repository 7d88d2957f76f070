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

// The key may have been rotated in another tab or window since this page loaded: the value
// shown here would then be refused. Resolves to true when the shown key changed.
async function refreshKey() {
  if (!session) return false;
  const result = await api("GET", "/account/api-key", { token: session.idToken });
  if (!result.ok || !result.data?.value) return false;
  const changed = result.data.value !== $("#api-key").value;
  if (changed) {
    showKey(result.data);
    await showPlan(result.data.plan);
    say($("#key-message"), t("account.keyChangedElsewhere"));
  }
  return changed;
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
    const result = await api("POST", "/account/api-key/rotate", { token: session.idToken });
    if (!result.ok) return say($("#key-message"), t("account.rotateFailed", { error: errorText(result) }), "error");
    showKey(result.data);
    say($("#key-message"), t("account.rotated"));
  });
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
  let result = await api("POST", "/v1/mail/messages", { apiKey: $("#api-key").value, body: requestBody() });
  // 403: the key was refused; if another tab rotated it, take the new one and try once more.
  if (result.status === 403 && await refreshKey()) {
    result = await api("POST", "/v1/mail/messages", { apiKey: $("#api-key").value, body: requestBody() });
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
