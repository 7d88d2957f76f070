import { $, api, errorText, requireSession, say, start, wireHeader } from "../app.js";

const POLL_MS = 1500;
const GIVE_UP_MS = 180000;

start(async () => {
  const session = await requireSession();
  wireHeader(session);
  const status = $("#thanks-status");
  const sessionId = new URLSearchParams(location.search).get("session_id");
  if (!sessionId) return say(status, "No checkout session in the address: nothing to confirm.", "error");
  const deadline = Date.now() + GIVE_UP_MS;
  // GET /billing/checkout/{id} also fulfils a paid session, so the plan turns PRO even
  // when the webhook is late.
  for (;;) {
    const result = await api("GET", `/billing/checkout/${encodeURIComponent(sessionId)}`,
      { token: session.idToken });
    if (!result.ok && result.status !== 503) {
      return say(status, `Could not check your payment: ${errorText(result)}`, "error");
    }
    if (result.ok) {
      $("#thanks-plan").textContent = result.data.plan || "…";
      if (result.data.plan === "PRO") {
        return say(status, "Payment received: you are on PRO. Your API key now has the PRO quota.", "ok");
      }
      if (result.data.status === "expired") {
        return say(status, "This checkout expired without payment.", "error");
      }
    }
    if (Date.now() > deadline) {
      return say(status, "Still waiting for the payment to be confirmed. Reload this page in a minute.", "error");
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
});
