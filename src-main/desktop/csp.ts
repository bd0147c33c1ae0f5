/**
 * The Content-Security-Policy of the app window (also in src-renderer/index.html for file://).
 * Inline styles are allowed because MUI's emotion injects them; scripts only from the app itself.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
