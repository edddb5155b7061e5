// Node built-ins that code bundled with vtk.js and the decoders' emscripten glue requires at load time but never uses in
// a browser: an empty module each (url gets the browser's own URL).
module.exports = {
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
  domainToASCII: host => host,
  domainToUnicode: host => host,
};
