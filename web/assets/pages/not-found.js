// web/404.html, served for any unknown path: the site's header and texts, nothing else.
import { start, wireHeader } from "../app.js";

start(async () => {
  wireHeader(null);
});
