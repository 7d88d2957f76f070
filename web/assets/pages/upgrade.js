import {
  $, api, errorText, formatDate, formatPrice, formatQuota, planInfo, requireSession, say,
  start, wireHeader,
} from "../app.js";

const REFRESH_MS = 3000; // webhooks change the plan in the background: keep the page current
let session = null;

function describe(subscription) {
  if (!subscription) return "";
  if (subscription.cancel_at_period_end && subscription.current_period_end) {
    return `(cancels on ${formatDate(subscription.current_period_end)})`;
  }
  if (subscription.status === "active" && subscription.current_period_end) {
    return `(renews on ${formatDate(subscription.current_period_end)})`;
  }
  return `(subscription ${subscription.status})`;
}

async function refresh() {
  const result = await api("GET", "/account", { token: session.idToken });
  if (!result.ok) {
    say($("#billing-message"), `Could not load your account: ${errorText(result)}`, "error");
    return;
  }
  const { plan, subscription } = result.data;
  $("#current-plan").textContent = plan;
  $("#subscription-note").textContent = plan === "PRO" ? describe(subscription) : "";
  $("#upgrade").hidden = plan === "PRO";
  $("#portal").hidden = plan !== "PRO";
}

async function go(button, path, what) {
  button.disabled = true;
  say($("#billing-message"), `Opening ${what}…`);
  const result = await api("POST", path, { token: session.idToken, body: {} });
  if (result.ok && result.data.url) {
    location.assign(result.data.url);
    return;
  }
  button.disabled = false;
  say($("#billing-message"), `Could not open ${what}: ${errorText(result)}`, "error");
  if (result.data?.error?.code === "already_subscribed") await refresh();
}

start(async () => {
  session = await requireSession();
  wireHeader(session);
  const [free, pro] = await Promise.all([planInfo("FREE"), planInfo("PRO")]);
  $("#free-quota").textContent = free ? formatQuota(free.quota) : "";
  $("#pro-price").textContent = pro ? formatPrice(pro.price) : "";
  $("#pro-quota").textContent = pro ? formatQuota(pro.quota) : "";
  $("#upgrade").addEventListener("click", (e) => go(e.currentTarget, "/billing/checkout", "checkout"));
  $("#portal").addEventListener("click", (e) => go(e.currentTarget, "/billing/portal", "the billing portal"));
  await refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
});
