// /api/docs: Swagger UI over the API's own OpenAPI description (no inline script, so the site's CSP holds).
(function () {
  "use strict";
  const target = document.getElementById("api-docs");
  window.SwaggerUIBundle({
    url: target.dataset.specUrl,
    domNode: target,
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
})();
