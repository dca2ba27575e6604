// Copies the front-end files PagerBridge serves from node_modules/ into static/vendor/.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const target = path.join(root, "static", "vendor");
const files = [
  "htmx.org/dist/htmx.min.js",
  "bootstrap/dist/css/bootstrap.min.css",
  "bootstrap/dist/js/bootstrap.bundle.min.js",
  "uplot/dist/uPlot.iife.min.js",
  "uplot/dist/uPlot.min.css",
  "swagger-ui-dist/swagger-ui-bundle.js",
  "swagger-ui-dist/swagger-ui.css",
];

fs.mkdirSync(target, { recursive: true });
for (const file of files) {
  fs.copyFileSync(path.join(root, "node_modules", file), path.join(target, path.basename(file)));
}
console.log(`vendored ${files.length} files into static/vendor/`);
