import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  contentSecurityPolicyOf,
  hstsMaxAgeSeconds,
  securityHeadersOf,
} from '@spot/shared/model/security-headers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../src/gateway';

// Unit tier: the real gateway with the real route table on a loopback port; the routes called here
// (health, a sign-in refused by validation) touch neither the table nor the user pool.
const fixtures = resolve(import.meta.dirname, 'fixtures');
const repoRoot = resolve(import.meta.dirname, '../..');

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({ port: 0, webDist: join(fixtures, 'web-dist') });
});

afterAll(async () => {
  await gateway.close();
});

/** The directives of a CSP header: name → sources. */
function directivesOf(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

function expectPageHeaders(headers: Headers, what: string) {
  const csp = headers.get('content-security-policy') ?? '';
  const directives = directivesOf(csp);
  // Scripts only from files of our own origin: no inline, no eval, no other host.
  expect(directives.get('script-src'), what).toEqual(["'self'"]);
  expect(directives.get('frame-ancestors'), what).toEqual(["'none'"]);
  expect(directives.get('object-src'), what).toEqual(["'none'"]);
  expect(directives.get('default-src'), what).toEqual(["'self'"]);
  // Plain http locally: upgrading the page's own http asset URLs would break it.
  expect(directives.has('upgrade-insecure-requests'), what).toBe(false);
  const hsts = headers.get('strict-transport-security') ?? '';
  expect(Number(hsts.match(/max-age=(\d+)/)?.[1]), what).toBeGreaterThanOrEqual(365 * 24 * 3600);
  expect(hsts, what).toContain('includeSubDomains');
  expect(headers.get('x-frame-options'), what).toBe('DENY');
  expect(headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(headers.get('referrer-policy'), what).toBe('strict-origin-when-cross-origin');
  expect(headers.get('cross-origin-opener-policy'), what).toBe('same-origin');
}

describe('security headers of the local gateway (the same module as CloudFront’s policy)', () => {
  it('sends them on the SPA page, client-side routes and assets', async () => {
    for (const path of ['/', '/clusters/some-id', '/robots.txt']) {
      const res = await fetch(`${gateway.url}${path}`);
      expect(res.status, path).toBe(200);
      expectPageHeaders(res.headers, path);
    }
    const page = await fetch(`${gateway.url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('sends them, with no-store and nosniff, on API answers (success, refusal and unknown route)', {
    timeout: 60_000,
  }, async () => {
    // The first request loads the handler modules (a few seconds on a busy machine), hence the timeout.
    const health = await fetch(`${gateway.url}/api/health`);
    expect(health.status).toBe(200);
    const refused = await fetch(`${gateway.url}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(400);
    for (const [what, res] of [
      ['health', health],
      ['sign-in refused', refused],
    ] as const) {
      expectPageHeaders(res.headers, what);
      // Tokens and account data are never cached by a browser or a proxy.
      expect(res.headers.get('cache-control'), what).toBe('no-store');
      expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
    }
    const unknown = await fetch(`${gateway.url}/api/no-such-route`);
    expect(unknown.status).toBe(404);
    expectPageHeaders(unknown.headers, 'unknown route');
  });

  it('differs from the HTTPS policy only by upgrade-insecure-requests', () => {
    const https = securityHeadersOf({ https: true });
    const http = securityHeadersOf({ https: false });
    expect({ ...http, 'content-security-policy': '' }).toEqual({ ...https, 'content-security-policy': '' });
    expect(https['content-security-policy']).toBe(
      `${http['content-security-policy']}; upgrade-insecure-requests`,
    );
    expect(contentSecurityPolicyOf()).toBe(https['content-security-policy']);
    expect(hstsMaxAgeSeconds).toBeGreaterThanOrEqual(365 * 24 * 3600);
  });

  it('the SPA needs no inline script: its page loads only script files (the CSP would block any other)', () => {
    const html = readFileSync(join(repoRoot, 'web/index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes = '', body = ''] of scripts) {
      expect(attributes).toMatch(/\bsrc=/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers either
  });
});
