// The plans page: one card per plan of config.json, in its order; nothing here names a plan.
import {
  $, api, errorText, formatPrice, formatQuota, formatThrottle,
  language, loadConfig, requireSession, say, start, t, wireHeader,
} from "../app.js";
import { cancellationText, describeSubscription, openPortal, wireBilling } from "../billing.js";

let session = null;
let plans = [];
let refresh = async () => {};

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
      openPortal(session, event.currentTarget, $("#billing-message")));
    // Where cancellation is offered: what it does to the plan and the money.
    const cancellation = element("p", ["hint", "cancellation"]);
    cancellation.hidden = true;
    card.append(upgrade, portal, cancellation);
  }
  return card;
}

// The current plan's card is marked; on a free plan every paid one offers Checkout; on a
// paid one its card opens the portal (plan changes and cancellation happen there).
async function mark(current, subscription) {
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
    const cancellation = card.querySelector(".cancellation");
    if (cancellation) {
      cancellation.textContent = isCurrent ? await cancellationText(current) : "";
      cancellation.hidden = !cancellation.textContent;
    }
  }
  const note = describeSubscription(subscription, current);
  $("#subscription-note").textContent = note && (onPaid || subscription?.status === "past_due")
    ? t("common.parenthesised", { text: note })
    : "";
}

function show(account) {
  $("#current-plan").textContent = account.plan;
  return mark(account.plan, account.subscription);
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
  const first = await api("GET", "/account", { token: session.idToken });
  if (!first.ok) {
    say($("#billing-message"), t("plans.loadFailed", { error: errorText(first) }), "error");
    return;
  }
  await show(first.data);
  // The past-due banner, and the page kept current as webhooks change the plan.
  refresh = wireBilling($("#billing"), session, { onAccount: show, showStatus: false });
});
