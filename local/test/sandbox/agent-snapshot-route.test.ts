import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type SandboxAgents, sandboxAgentSnapshotRoute } from '../../src/sandbox/agents';

const event = (name: string) => ({ pathParameters: { name } }) as unknown as APIGatewayProxyEventV2;
const context = {} as Context;

describe('POST /sandbox/clusters/{name}/agent-snapshot', () => {
  it('has the agents of the named cluster push now and answers what each push got', async () => {
    const asked: string[] = [];
    const agents = {
      pushNow: async (name: string) => {
        asked.push(name);
        return [{ clusterId: 'eks-1', ok: true, status: 202 }];
      },
    } as unknown as SandboxAgents;
    const route = sandboxAgentSnapshotRoute(() => agents);
    expect(route.path).toBe('/sandbox/clusters/{name}/agent-snapshot');
    const res = (await route.handler(event('dev-platform-use1'), context)) as {
      statusCode: number;
      body: string;
    };
    expect(asked).toEqual(['dev-platform-use1']);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ pushed: [{ clusterId: 'eks-1', ok: true, status: 202 }] });
  });

  it('is a 404 that says why when no agent runs in the cluster, or the agents are off', async () => {
    const none = { pushNow: async () => [] } as unknown as SandboxAgents;
    for (const agents of [() => none, () => undefined]) {
      const res = (await sandboxAgentSnapshotRoute(agents).handler(event('dev-x'), context)) as {
        statusCode: number;
        body: string;
      };
      expect(res.statusCode).toBe(404);
      expect(JSON.parse(res.body).message).toContain('No sandbox agent runs in dev-x');
    }
  });
});
