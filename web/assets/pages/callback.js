// /auth/callback: the hosted UI returns here with ?code=&state= (or ?error=).
import { $, completeHostedSignIn, say, start, t, wireHeader } from "../app.js";

start(async () => {
  wireHeader(null);
  const params = new URLSearchParams(location.search);
  // The code is single-use and worthless without this tab's verifier; keep it out of
  // the history and of any later Referer anyway.
  history.replaceState(null, "", location.pathname);
  try {
    const next = await completeHostedSignIn(params);
    say($("#callback-status"), t("callback.signedIn"), "ok");
    location.replace(next);
  } catch (error) {
    say($("#callback-status"), "");
    say($("#callback-error"), t("callback.failed", { message: error.message, code: error.code }), "error");
    $("#callback-retry").hidden = false;
  }
});
