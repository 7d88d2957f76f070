import {
  $, api, errorText, formatQuota, loadConfig, planInfo, requireSession, say, start, wireHeader,
} from "../app.js";

let session = null;

async function showPlan(planName) {
  $("#plan-name").textContent = planName || "—";
  const plan = await planInfo(planName);
  $("#plan-quota").textContent = plan ? `(${formatQuota(plan.quota)})` : "";
}

function showKey(key) {
  $("#api-key").value = key.value;
  $("#api-key").dataset.keyId = key.id;
}

// The caller's key; a new user gets a FREE one at once (POST is idempotent).
async function loadKey() {
  let result = await api("GET", "/account/api-key", { token: session.idToken });
  if (result.status === 404) {
    say($("#key-message"), "Issuing your API key…");
    result = await api("POST", "/account/api-key", { token: session.idToken });
  }
  if (!result.ok) {
    say($("#key-message"), `Could not load your key: ${errorText(result)}`, "error");
    return;
  }
  showKey(result.data);
  await showPlan(result.data.plan);
  say($("#key-message"), "");
}

function wireKeyButtons() {
  $("#toggle-key").addEventListener("click", (event) => {
    const input = $("#api-key");
    const showing = input.type === "text";
    input.type = showing ? "password" : "text";
    event.currentTarget.textContent = showing ? "Show" : "Hide";
    event.currentTarget.setAttribute("aria-pressed", String(!showing));
  });
  $("#copy-key").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("#api-key").value);
      say($("#key-message"), "Key copied to the clipboard.");
    } catch {
      $("#api-key").type = "text";
      $("#api-key").select();
      say($("#key-message"), "Copy the selected key with Ctrl+C.");
    }
  });
  // Two steps instead of confirm(): a dialog would block automation and screen readers alike.
  $("#rotate-key").addEventListener("click", () => {
    $("#rotate-confirm").hidden = false;
    $("#rotate-yes").focus();
  });
  $("#rotate-no").addEventListener("click", () => { $("#rotate-confirm").hidden = true; });
  $("#rotate-yes").addEventListener("click", async () => {
    $("#rotate-confirm").hidden = true;
    say($("#key-message"), "Rotating…");
    const result = await api("POST", "/account/api-key/rotate", { token: session.idToken });
    if (!result.ok) return say($("#key-message"), `Rotation failed: ${errorText(result)}`, "error");
    showKey(result.data);
    say($("#key-message"), "New key issued; the old one no longer works.");
  });
}

function prefillMailbox(mailbox) {
  if (!mailbox) {
    $("#try-mailbox-note").textContent = "Enter your own IMAP server's settings.";
    return;
  }
  $("#imap-host").value = mailbox.host;
  $("#imap-port").value = mailbox.port;
  $("#imap-security").value = mailbox.security;
  $("#imap-username").value = mailbox.username;
  $("#imap-password").value = mailbox.password;
  $("#try-mailbox-note").textContent = "Prefilled with the sandbox's demo mailbox.";
}

function renderMessages(messages) {
  const list = $("#try-messages");
  list.replaceChildren();
  for (const message of messages) {
    const item = document.createElement("li");
    const from = (message.from || []).map((a) => a.name || a.address).join(", ");
    const title = document.createElement("strong");
    title.textContent = message.subject || "(no subject)";
    const meta = document.createElement("span");
    meta.className = "hint";
    meta.textContent = ` — ${from}, ${message.date || message.internal_date || ""}`;
    item.append(title, meta);
    for (const attachment of message.attachments || []) {
      const file = document.createElement("div");
      file.className = "attachment";
      file.textContent = `📎 ${attachment.filename || attachment.part} (${attachment.content_type}, ${attachment.size} bytes)`;
      item.append(file);
    }
    list.append(item);
  }
}

async function tryApi(event) {
  event.preventDefault();
  const status = $("#try-status");
  const button = $("#try-send");
  const port = $("#imap-port").value;
  const body = {
    imap: {
      host: $("#imap-host").value.trim(),
      security: $("#imap-security").value,
      username: $("#imap-username").value,
      password: $("#imap-password").value,
      ...(port ? { port: Number(port) } : {}),
    },
    limit: Number($("#imap-limit").value) || 5,
  };
  button.disabled = true;
  say(status, "Calling POST /v1/mail/messages…");
  const result = await api("POST", "/v1/mail/messages", { apiKey: $("#api-key").value, body });
  button.disabled = false;
  $("#try-raw").textContent = JSON.stringify(result.data, null, 2);
  $("#try-raw-box").hidden = false;
  if (result.ok) {
    const count = result.data.messages.length;
    say(status, `HTTP ${result.status}: ${count} message${count === 1 ? "" : "s"} in ${result.data.mailbox}.`, "ok");
    renderMessages(result.data.messages);
    return;
  }
  renderMessages([]);
  const hint = result.status === 429
    ? " You have used this month's quota: upgrade to PRO for more calls."
    : "";
  say(status, `${errorText(result)}.${hint}`, "error");
}

start(async () => {
  session = await requireSession();
  wireHeader(session);
  wireKeyButtons();
  const config = await loadConfig();
  prefillMailbox(config.demoMailbox);
  $("#try-form").addEventListener("submit", tryApi);
  await loadKey();
});
