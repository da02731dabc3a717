import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientAddressOf } from '../src/http/client-address';

const event = (sourceIp: string, headers: Record<string, string>) =>
  ({ headers, requestContext: { http: { sourceIp } } }) as unknown as APIGatewayProxyEventV2;

const edge = '130.176.1.20';
const viewer = '203.0.113.9';

describe('the client address behind a request', () => {
  it('is the TCP source when the request did not come through CloudFront', () => {
    expect(clientAddressOf(event(viewer, {}))).toBe(viewer);
    // A forwarded-for header alone is the caller's say-so.
    expect(clientAddressOf(event(viewer, { 'x-forwarded-for': '198.51.100.1' }))).toBe(viewer);
  });

  it("is the viewer CloudFront appended, whether or not API Gateway appended the edge's address", () => {
    const viaCloudFront = { 'x-amz-cf-id': 'abc==' };
    expect(clientAddressOf(event(edge, { ...viaCloudFront, 'x-forwarded-for': viewer }))).toBe(viewer);
    expect(clientAddressOf(event(edge, { ...viaCloudFront, 'x-forwarded-for': `${viewer}, ${edge}` }))).toBe(
      viewer,
    );
  });

  it('never takes an entry the viewer wrote itself in front of the address CloudFront appended', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.ipV4(), fc.string({ maxLength: 20 })), { maxLength: 5 }),
        fc.ipV4(),
        fc.ipV4(),
        fc.boolean(),
        (spoofed, viewerIp, edgeIp, gatewayAppends) => {
          fc.pre(viewerIp !== edgeIp);
          const hops = [
            ...spoofed.map((s) => s.replaceAll(',', '')),
            viewerIp,
            ...(gatewayAppends ? [edgeIp] : []),
          ];
          const address = clientAddressOf(
            event(edgeIp, { 'x-amz-cf-id': 'id', 'x-forwarded-for': hops.join(', ') }),
          );
          expect(address).toBe(viewerIp);
        },
      ),
    );
  });

  it('falls back to the TCP source when the last entry is not an address', () => {
    expect(clientAddressOf(event(edge, { 'x-amz-cf-id': 'id', 'x-forwarded-for': 'unknown' }))).toBe(edge);
  });
});
