// Billing self-service, shared by the account and plans pages: the subscription's renewal or
// cancellation date, a banner when a renewal payment failed with a button that opens Stripe's
// portal on its payment-method flow, and what cancelling does to the plan and the money
// (config.json's `cancellation`, declared by the program next to the portal's own settings).
// Plans are data: a plan is only ever a name from GET /account or config.json.
import { api, errorText, formatDate, hasMessage, language, loadConfig, say, t } from "./app.js";

const REFRESH_MS = 3000; // webhooks change the subscription in the background
const UPDATED_FLAG = "payment_method_updated"; // ?billing=… set by the portal flow's return

// One line on the subscription, in the reader's language and time zone, or "" without one.
export function describeSubscription(subscription, plan) {
  if (!subscription) return "";
  const date = formatDate(subscription.current_period_end);
  if (subscription.cancel_at_period_end && date && subscription.status !== "canceled") {
    return t("billing.cancelsOn", { date, plan });
  }
  if (["active", "trialing"].includes(subscription.status) && date) {
    return t("billing.renewsOn", { date });
  }
  const key = `billing.status.${subscription.status}`;
  return hasMessage(key) ? t(key) : t("billing.statusOther", { status: subscription.status });
}

async function isPaid(plan) {
  const plans = (await loadConfig()).plans || [];
  return Boolean(plans.find((candidate) => candidate.name === plan)?.price);
}

// Opens Stripe's customer portal; `flow` deep-links one task (payment_method_update).
export async function openPortal(session, button, messageBox, flow = null) {
  button.disabled = true;
  say(messageBox, t("billing.opening"));
  const result = await api("POST", "/billing/portal", {
    token: session.idToken, body: flow ? { flow } : {},
  });
  if (result.ok && result.data?.url) {
    location.assign(result.data.url);
    return;
  }
  button.disabled = false;
  say(messageBox, t("billing.openFailed", { error: errorText(result) }), "error");
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

// Builds the billing box inside `host` (an empty element the page provides).
function build(host) {
  const status = element("p", { id: "billing-status-line", class: "hint" });
  status.hidden = true;
  const alert = element("section", {
    id: "past-due-banner", class: "banner", "data-kind": "warning", role: "alert",
    "aria-labelledby": "past-due-title",
  });
  alert.hidden = true;
  const title = element("h2", { id: "past-due-title" }, t("billing.pastDueTitle"));
  const body = element("p", { id: "past-due-body" });
  const button = element("button", { type: "button", id: "update-payment" }, t("billing.updatePayment"));
  const message = element("p", { id: "billing-portal-message", class: "message", role: "status" });
  message.hidden = true;
  alert.append(title, body, button);
  host.replaceChildren(alert, status, message);
  return { status, alert, body, button, message };
}

// Shows and keeps current the subscription's state in `host`. `onAccount(account)` runs
// when the plan or the subscription changed (the page updates itself from it); with
// `showStatus` false the page shows the renewal line itself. Returns a refresh function.
export function wireBilling(host, session, { onAccount = () => {}, showStatus = true } = {}) {
  const parts = build(host);
  parts.button.addEventListener("click", () =>
    openPortal(session, parts.button, parts.message, "payment_method_update"));
  const params = new URLSearchParams(location.search);
  let justUpdated = params.get("billing") === UPDATED_FLAG;
  if (justUpdated) say(parts.message, t("billing.paymentMethodUpdated"), "ok");
  let last = "";

  async function refresh() {
    const result = await api("GET", "/account", { token: session.idToken });
    if (!result.ok) return;
    const { plan, subscription } = result.data;
    const pastDue = subscription?.status === "past_due";
    parts.alert.hidden = !pastDue;
    if (pastDue) {
      parts.body.textContent = `${t("billing.pastDueBody")} ${
        (await isPaid(plan)) ? t("billing.pastDueKeeps", { plan }) : t("billing.pastDueDropped", { plan })}`;
    }
    const line = describeSubscription(subscription, plan);
    parts.status.textContent = line;
    parts.status.hidden = !line || !showStatus;
    if (justUpdated && !pastDue && subscription?.status === "active") {
      justUpdated = false;
      say(parts.message, t("billing.recovered", { plan }), "ok");
    }
    const seen = JSON.stringify([plan, subscription?.status, subscription?.cancel_at_period_end,
      subscription?.current_period_end, result.data.api_key?.plan]);
    if (seen !== last) {
      last = seen;
      await onAccount(result.data);
    }
  }

  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  return refresh;
}

// What cancelling in the portal does, for a subscriber on `plan`: the portal's mode and
// proration as the program configured them, then the seller's own policy if any.
export async function cancellationText(plan) {
  const cancellation = (await loadConfig()).cancellation;
  if (!cancellation) return "";
  const parts = [];
  const mode = `billing.cancel.${cancellation.mode}`;
  if (hasMessage(mode)) parts.push(t(mode, { plan }));
  if (cancellation.proration === "none") parts.push(t("billing.noRefund"));
  const policy = cancellation.policy;
  if (typeof policy === "string") parts.push(policy);
  else if (policy) parts.push(policy[language] ?? policy.en ?? Object.values(policy)[0] ?? "");
  return parts.filter(Boolean).join(" ");
}
