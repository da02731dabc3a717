/**
 * What the HTTP benchmarks share (registry, dashboard): a signed-up user's token through the gateway,
 * the machine's load line, and autocannon scenarios at each connection count with p50 / p95 / p99 from
 * every response time autocannon reports (so p95 is exact rather than its p97.5 bucket).
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { jsonPoster, percentile } from './local-services';

type AutocannonResult = { requests: { average: number }; errors: number };
// autocannon ships no types: the little used here is typed locally.
type Autocannon = (
  options: { url: string; headers: Record<string, string>; connections: number; duration: number },
  done: (error: Error | null, result: AutocannonResult) => void,
) => {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void,
  ): void;
};

/** A user signs up and in through the API, as the SPA does: its organization and access token. */
export async function signUpThroughApi(gatewayUrl: string, organizationName: string) {
  const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
  const password = `Pw-${randomUUID().slice(0, 8)}-Aa1!`;
  const post = jsonPoster(gatewayUrl);
  const signup = await post('/api/auth/signup', { organizationName, email, password });
  const token = String((await post('/api/auth/token', { email, password })).accessToken);
  return { orgId: String(signup.orgId), token };
}

/** The machine's load, printed beside the figures: on a shared 2-core machine it moves them a lot. */
export const loadLine = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} on ${cpus().length} CPUs`;

export interface LoadRun {
  gatewayUrl: string;
  token: string;
  /** [name, path] of each GET, and a token of its own when it reads another user's organization. */
  scenarios: readonly (readonly [string, string] | readonly [string, string, string])[];
  connectionCounts: readonly number[];
  durationSeconds: number;
  /** Requests per scenario before measuring (JIT, connections); default 0. */
  warmUp?: number;
}

/** Each scenario at each connection count: its size and status, then p50 / p95 / p99 and req/s. */
export async function runScenarios(run: LoadRun): Promise<void> {
  const headersOf = (token: string | undefined) => ({ authorization: `Bearer ${token ?? run.token}` });
  const autocannonModule = 'autocannon';
  const { default: autocannon } = (await import(autocannonModule)) as { default: Autocannon };
  for (const [, path, token] of run.scenarios)
    for (let i = 0; i < (run.warmUp ?? 0); i++)
      await (await fetch(`${run.gatewayUrl}${path}`, { headers: headersOf(token) })).arrayBuffer();
  for (const connections of run.connectionCounts) {
    console.log(
      `${connections} connection${connections === 1 ? '' : 's'} x ${run.durationSeconds} s (${loadLine()}):`,
    );
    for (const [name, path, token] of run.scenarios) {
      const headers = headersOf(token);
      const probe = await fetch(`${run.gatewayUrl}${path}`, { headers });
      const bytes = (await probe.arrayBuffer()).byteLength;
      const times: number[] = [];
      let non2xx = 0;
      const result = await new Promise<AutocannonResult>((resolve, reject) => {
        const instance = autocannon(
          { url: `${run.gatewayUrl}${path}`, headers, connections, duration: run.durationSeconds },
          (error, out) => (error ? reject(error) : resolve(out)),
        );
        instance.on('response', (_c: unknown, statusCode: number, _b: number, responseTime: number) => {
          times.push(responseTime);
          if (statusCode >= 300) non2xx += 1;
        });
      });
      times.sort((a, b) => a - b);
      console.log(
        `  ${name}: status ${probe.status}, ${(bytes / 1024).toFixed(1)} KiB: p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms, p99 ${percentile(times, 0.99).toFixed(1)} ms, ${result.requests.average.toFixed(0)} req/s (${times.length} requests, ${non2xx} non-2xx, ${result.errors} errors)`,
      );
    }
  }
}
