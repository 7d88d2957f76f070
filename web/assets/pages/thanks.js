import { $, api, errorText, requireSession, say, start, t, wireHeader } from "../app.js";

const POLL_MS = 1500;
const GIVE_UP_MS = 180000;

// No payment to confirm (no session_id, or one Stripe does not know for this user): say so
// as the page's heading, not under a "Thank you!", and keep the ways on.
function notConfirmed(message) {
  $("#thanks-title").textContent = t("thanks.notConfirmedTitle");
  document.title = t("title.thanksNotConfirmed");
  $("#thanks-plan-line").hidden = true;
  say($("#thanks-status"), message, "error");
}

start(async () => {
  const session = await requireSession();
  wireHeader(session);
  const status = $("#thanks-status");
  const sessionId = new URLSearchParams(location.search).get("session_id");
  if (!sessionId) return notConfirmed(t("thanks.noSession"));
  const deadline = Date.now() + GIVE_UP_MS;
  // GET /billing/checkout/{id} also fulfils a paid session, so the plan changes even
  // when the webhook is late.
  for (;;) {
    const result = await api("GET", `/billing/checkout/${encodeURIComponent(sessionId)}`,
      { token: session.idToken });
    if (result.status === 404) return notConfirmed(t("thanks.unknownSession"));
    if (!result.ok && result.status !== 503) {
      return notConfirmed(t("thanks.checkFailed", { error: errorText(result) }));
    }
    if (result.ok) {
      $("#thanks-plan").textContent = result.data.plan || "…";
      if (result.data.fulfilled) {
        return say(status, t("thanks.paid", { plan: result.data.plan }), "ok");
      }
      if (result.data.status === "expired") {
        return notConfirmed(t("thanks.expired"));
      }
    }
    if (Date.now() > deadline) {
      return say(status, t("thanks.stillWaiting"), "error");
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
});
