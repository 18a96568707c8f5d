// The interactive API docs (/api/v1/docs): Swagger UI from our own static files, reading our
// OpenAPI document. validatorUrl null: nothing is sent to an outside validator.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
