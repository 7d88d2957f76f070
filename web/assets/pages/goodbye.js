// After an account is deleted: nobody is signed in any more; a way to start again.
import { start, wireHeader } from "../app.js";

start(async () => {
  wireHeader(null);
});
