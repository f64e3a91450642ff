// Swagger UI for easy-api: our OpenAPI 3 document, with the API-key scheme
// (X-Api-Key) so that "Authorize" and "Try it out" work. Loaded as a file
// because the page's Content-Security-Policy forbids inline scripts.
window.ui = SwaggerUIBundle({
  url: new URL("../openapi.json", window.location.href).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  validatorUrl: null,
  tryItOutEnabled: false,
  persistAuthorization: false,
  displayRequestDuration: true,
});
