import { currentSession, start } from "../app.js";

start(async () => {
  const session = await currentSession();
  location.replace(session ? "/account/" : "/signin/");
});
