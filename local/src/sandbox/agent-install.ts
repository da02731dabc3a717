/**
 * `POST /sandbox/clusters/{name}/agent-install` `{ token }`: stands for someone running the Add Cluster
 * wizard's Helm command in a sandbox cluster (ADR 0051). The real agent (`agent/src/agent.ts`) is built
 * with that token and makes its first push, a snapshot of the sandbox cluster at the sandbox's clock,
 * over real HTTP to the gateway's `POST /api/ingest/snapshots`: the install token is redeemed there
 * exactly as a customer's agent redeems it, with its report of its own permissions as the sandbox cluster's
 * RBAC answers them (`PUT /sandbox/clusters/{name}/rbac` takes one away). One push only; the sandbox's agent supervisor installs the
 * long-running agents of collected clusters (`agents.ts`).
 */
import { Agent } from '@spot/agent/agent';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import type { ExtraRoute } from '../gateway';
import type { SandboxCloud } from './cloud';
import { readableSnapshot, sandboxAgentPermissionCheck } from './rbac';

const bodySchema = z.object({ token: z.string().min(1).max(200) });

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

function parse(event: APIGatewayProxyEventV2): z.infer<typeof bodySchema> | null {
  try {
    const text = event.isBase64Encoded
      ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
      : event.body;
    const parsed = bodySchema.safeParse(JSON.parse(text || '{}'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function sandboxAgentInstallRoutes(sandbox: SandboxCloud, apiUrl: () => string): ExtraRoute[] {
  return [
    {
      method: 'POST',
      path: '/sandbox/clusters/{name}/agent-install',
      handler: async (event) => {
        const name = event.pathParameters?.name ?? '';
        if (!sandbox.world.clusters.some((c) => c.name === name))
          return json(404, {
            message: `The sandbox has no cluster ${name}. GET /sandbox/accounts lists them.`,
          });
        const body = parse(event);
        if (!body) return json(400, { message: 'The body must be JSON: {"token": "<install token>"}.' });
        const agent = new Agent(
          {
            apiUrl: apiUrl().replace(/\/+$/, ''),
            token: body.token,
            clusterName: name,
            snapshotIntervalMs: 300_000,
            heartbeatIntervalMs: 30_000,
            healthPort: 0,
            kubeconfig: undefined,
            writeMode: false,
            commandPollIntervalMs: 15_000,
          },
          {
            collect: async () =>
              readableSnapshot(
                sandbox.rbac,
                name,
                'agent',
                sandbox.kubernetes.snapshotAt(name, new Date(sandbox.now())),
              ),
            // It checks its own permissions first, against the cluster's RBAC (ADR 0070).
            checkPermissions: sandboxAgentPermissionCheck(sandbox.rbac, name, () => new Date(sandbox.now())),
            fetch: globalThis.fetch,
            now: () => new Date(),
            sleep: async () => {},
            log: () => {},
          },
        );
        const outcome = await agent.snapshot();
        return json(200, { cluster: name, outcome });
      },
    },
  ];
}
