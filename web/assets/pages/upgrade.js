// The plans page: one card per plan of config.json, in its order; nothing here names a plan.
import {
  $, api, errorText, formatDate, formatPrice, formatQuota, formatThrottle, hasMessage,
  language, loadConfig, requireSession, say, start, t, wireHeader,
} from "../app.js";

const REFRESH_MS = 3000; // webhooks change the plan in the background: keep the page current
let session = null;
let plans = [];

function describe(subscription) {
  if (!subscription) return "";
  if (subscription.cancel_at_period_end && subscription.current_period_end) {
    return t("subscription.cancelsOn", { date: formatDate(subscription.current_period_end) });
  }
  if (subscription.status === "active" && subscription.current_period_end) {
    return t("subscription.renewsOn", { date: formatDate(subscription.current_period_end) });
  }
  const key = `subscription.status.${subscription.status}`;
  return t("subscription.other", { status: hasMessage(key) ? t(key) : subscription.status });
}

function element(tag, classes = [], text = "") {
  const node = document.createElement(tag);
  node.classList.add(...classes);
  if (text) node.textContent = text;
  return node;
}

// A feature is the seller's text, or {"en": "...", "ja": "..."} to give it per language.
function featureText(feature) {
  if (typeof feature === "string") return feature;
  return feature?.[language] ?? feature?.en ?? Object.values(feature || {})[0] ?? "";
}

function planCard(plan, index) {
  const card = element("section", ["card", "plan"]);
  card.dataset.plan = plan.name;
  const titleId = `plan-${index}-title`;
  card.setAttribute("aria-labelledby", titleId);
  const title = element("h2", [], plan.name);
  title.id = titleId;
  const badge = element("p", ["badge"], t("plans.current"));
  badge.hidden = true;
  const facts = element("ul");
  for (const text of [formatQuota(plan.quota), formatThrottle(plan.throttle), ...(plan.features || []).map(featureText)]) {
    if (text) facts.append(element("li", [], text));
  }
  card.append(title, badge, element("p", ["price"], formatPrice(plan.price)), facts);
  if (plan.price) {
    const upgrade = element("button", ["upgrade"], t("plans.upgradeTo", { plan: plan.name }));
    upgrade.type = "button";
    upgrade.hidden = true;
    upgrade.addEventListener("click", (event) =>
      go(event.currentTarget, "/billing/checkout", { plan: plan.name }, t("plans.checkout")));
    const portal = element("button", ["portal"], t("plans.portal"));
    portal.type = "button";
    portal.hidden = true;
    portal.addEventListener("click", (event) =>
      go(event.currentTarget, "/billing/portal", {}, t("plans.portalName")));
    card.append(upgrade, portal);
  }
  return card;
}

// The current plan's card is marked; on a free plan every paid one offers Checkout; on a
// paid one its card opens the portal (plan changes and cancellation happen there).
function mark(current, subscription) {
  const onPaid = Boolean(plans.find((plan) => plan.name === current)?.price);
  for (const card of document.querySelectorAll("#plans .plan")) {
    const isCurrent = card.dataset.plan === current;
    card.classList.toggle("current", isCurrent);
    if (isCurrent) card.setAttribute("aria-current", "true");
    else card.removeAttribute("aria-current");
    card.querySelector(".badge").hidden = !isCurrent;
    const upgrade = card.querySelector(".upgrade");
    if (upgrade) upgrade.hidden = isCurrent || onPaid;
    const portal = card.querySelector(".portal");
    if (portal) portal.hidden = !isCurrent;
  }
  $("#subscription-note").textContent = onPaid && subscription
    ? t("common.parenthesised", { text: describe(subscription) })
    : "";
}

async function refresh() {
  const result = await api("GET", "/account", { token: session.idToken });
  if (!result.ok) {
    say($("#billing-message"), t("plans.loadFailed", { error: errorText(result) }), "error");
    return;
  }
  const { plan, subscription } = result.data;
  $("#current-plan").textContent = plan;
  mark(plan, subscription);
}

async function go(button, path, body, what) {
  button.disabled = true;
  say($("#billing-message"), t("plans.opening", { what }));
  const result = await api("POST", path, { token: session.idToken, body });
  if (result.ok && result.data.url) {
    location.assign(result.data.url);
    return;
  }
  button.disabled = false;
  say($("#billing-message"), t("plans.openFailed", { what, error: errorText(result) }), "error");
  if (result.data?.error?.code === "already_subscribed") await refresh();
}

start(async () => {
  session = await requireSession();
  wireHeader(session);
  plans = (await loadConfig()).plans || [];
  $("#plans").replaceChildren(...plans.map(planCard));
  // Back from Checkout with the Back button: the page comes from the cache, buttons disabled.
  addEventListener("pageshow", () => {
    for (const button of document.querySelectorAll("#plans button")) button.disabled = false;
  });
  await refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
});
