// CloudFront Function (viewer request) for the web console, runtime cloudfront-js-2.0.
// The console's pages are folders: /account/ and /upgrade/thanks are served from
// /account/index.html and /upgrade/thanks/index.html. A URI ending in "/" gets
// "index.html"; one whose last segment has no dot gets "/index.html"; every other URI
// (assets, config.json, 404.html) is left as it is. Anything that then does not exist is
// answered with the distribution's 404 page.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith("/")) {
    request.uri = uri + "index.html";
  } else if (uri.slice(uri.lastIndexOf("/") + 1).indexOf(".") === -1) {
    request.uri = uri + "/index.html";
  }
  return request;
}
