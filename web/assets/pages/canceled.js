// Checkout's cancel_url (/upgrade/canceled?plan=NAME): nothing was charged. Offers the same
// plan's checkout again, when it is one of config.json's paid plans and the user is not on it.
import { $, api, errorText, loadConfig, requireSession, say, start, t, wireHeader } from "../app.js";

async function retry(session, plan, button) {
  button.disabled = true;
  say($("#retry-message"), t("billing.retryOpening", { plan }));
  const result = await api("POST", "/billing/checkout", { token: session.idToken, body: { plan } });
  if (result.ok && result.data?.url) {
    location.assign(result.data.url);
    return;
  }
  button.disabled = false;
  say($("#retry-message"), t("billing.retryFailed", { plan, error: errorText(result) }), "error");
}

start(async () => {
  const session = await requireSession();
  wireHeader(session);
  const result = await api("GET", "/account", { token: session.idToken });
  $("#canceled-plan").textContent = result.ok ? result.data.plan : errorText(result);
  const wanted = new URLSearchParams(location.search).get("plan");
  const plans = (await loadConfig()).plans || [];
  const plan = plans.find((candidate) => candidate.name === wanted && candidate.price);
  if (!plan || !result.ok || result.data.plan === plan.name) return;
  const button = $("#retry-checkout");
  button.textContent = t("billing.retryCheckout", { plan: plan.name });
  button.addEventListener("click", () => retry(session, plan.name, button));
  $("#retry-box").hidden = false;
});
