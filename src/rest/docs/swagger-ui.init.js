// Starts Swagger UI on the gateway's own contract (/openapi.json). Loaded as a file, not inline,
// because the page's CSP is `script-src 'self'`.
'use strict'
window.addEventListener('DOMContentLoaded', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    displayOperationId: true,
    // The default validator is an outside service (an image from validator.swagger.io): never call it.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  })
})
