/**
 * The security headers of every response the product's single entry point sends (the SPA and /api). One
 * source for both places that send them: the CloudFront response headers policy in AWS
 * (`infra/src/stacks/web-stack.ts`) and the local gateway (`local/src/gateway.ts`), so the page a
 * developer tests under is the page customers get.
 */

/**
 * Content Security Policy directives of the Vue SPA: everything from our own origin (the API is
 * same-origin under /api). Scripts are never inline (Vite emits files); inline styles are allowed because
 * Vue style bindings, component libraries and ECharts tooltips set them. `data:`/`blob:` images for chart
 * exports and the favicon. No framing at all (clickjacking of the automation switches).
 */
export const contentSecurityPolicyDirectives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'upgrade-insecure-requests': [],
} as const satisfies Record<string, readonly string[]>;

/**
 * The CSP header value. `https: false` (the local stack on plain http://127.0.0.1) leaves out
 * `upgrade-insecure-requests`, which would rewrite the page's own http asset URLs to https there.
 */
export function contentSecurityPolicyOf(options: { https: boolean } = { https: true }): string {
  return Object.entries(contentSecurityPolicyDirectives)
    .filter(([name]) => options.https || name !== 'upgrade-insecure-requests')
    .map(([name, values]) => [name, ...values].join(' '))
    .join('; ');
}

/** As served in AWS (HTTPS only). */
export const contentSecurityPolicy = contentSecurityPolicyOf({ https: true });

/** Two years: the HSTS preload list asks for at least one. */
export const hstsMaxAgeSeconds = 2 * 365 * 24 * 60 * 60;
export const strictTransportSecurity = `max-age=${hstsMaxAgeSeconds}; includeSubDomains`;
export const frameOptions = 'DENY';
export const referrerPolicy = 'strict-origin-when-cross-origin';
export const permissionsPolicy = 'camera=(), microphone=(), geolocation=(), payment=()';
export const crossOriginOpenerPolicy = 'same-origin';

/** Every security header, lower-cased names, as the browser receives them. */
export function securityHeadersOf(options: { https: boolean } = { https: true }): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicyOf(options),
    // Browsers ignore HSTS over plain http (RFC 6797 §8.1), so the local stack can send it unchanged.
    'strict-transport-security': strictTransportSecurity,
    'x-frame-options': frameOptions,
    'x-content-type-options': 'nosniff',
    'referrer-policy': referrerPolicy,
    'permissions-policy': permissionsPolicy,
    'cross-origin-opener-policy': crossOriginOpenerPolicy,
  };
}
