import { $, api, errorText, requireSession, start, wireHeader } from "../app.js";

start(async () => {
  const session = await requireSession();
  wireHeader(session);
  const result = await api("GET", "/account", { token: session.idToken });
  $("#canceled-plan").textContent = result.ok ? result.data.plan : errorText(result);
});
