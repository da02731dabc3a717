import { loadConfig } from '@spot/agent/config';
import {
  agentChartPath,
  agentChartRouteKey,
  agentChartVersion,
  defaultAgentImageRepository,
} from '@spot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packAgentChart } from '../src/domain/agent-chart';
import { readAgentChartFiles } from '../src/lib/agent-chart-file';
import { installDiscoveryHarness, seedSandboxAccount } from './discovery-support';
import { expectContractResponse } from './support/contract';
import { agentEnvironment, documentsOf, runKubectlInstall } from './support/kubectl-install';
import { call, signUpAndIn, useLocalServices } from './support/services';
import { readTarGz } from './support/tar-archive';

/**
 * `GET /api/agent/manifest.yaml` (ADR 0071): public, YAML, this deployment's URL in it and no secret; the
 * kubectl command of an install token, run over what the route served, gives the agent its cluster name,
 * its token and the URL. `GET /api/agent/spot-optimizer-agent-<version>.tgz` (ADR 0075): the chart the
 * token's Helm and Terraform forms install by URL, public, the repository's chart, no secret.
 */

let install: {
  token: string;
  clusterName: string;
  kubectl: string;
  manifestUrl: string;
  helm: string;
  terraform: string;
  chartUrl: string;
};

beforeAll(async () => {
  await useLocalServices();
  const harness = installDiscoveryHarness();
  const user = await signUpAndIn('Manifest Org');
  const { accountId, awsAccountId } = await seedSandboxAccount(harness, user.orgId, 0);
  const cluster = harness.sandbox.world.clusters.find((c) => c.awsAccountId === awsAccountId);
  if (!cluster) throw new Error('the sandbox account has no cluster');
  const added = await call('POST /api/client/clusters', {
    token: user.accessToken,
    body: { method: 'discovered', accountId, region: cluster.region, name: cluster.name },
  });
  expect(added.status, added.raw).toBe(201);
  const issued = await call('POST /api/client/clusters/{id}/install-token', {
    token: user.accessToken,
    path: { id: String(added.body.clusterId) },
  });
  expect(issued.status, issued.raw).toBe(201);
  install = {
    token: String(issued.body.token),
    clusterName: String(issued.body.clusterName),
    ...(issued.body.install as Omit<typeof install, 'token' | 'clusterName'>),
  };
}, 120_000);

describe('GET /api/agent/manifest.yaml', () => {
  it('answers the manifest as YAML without sign-in, with the URL of this deployment and no token', async () => {
    const res = await call('GET /api/agent/manifest.yaml');
    expect(res.status, res.raw).toBe(200);
    expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8');
    expectContractResponse('GET /api/agent/manifest.yaml', res);
    const appUrl = String(process.env.APP_URL);
    expect(install.manifestUrl).toBe(`${appUrl}/api/agent/manifest.yaml`);
    expect(agentEnvironment(documentsOf(res.raw)).SPOT_API_URL).toBe(appUrl);
    expect(res.raw).not.toContain(install.token);
    expect(res.raw).not.toMatch(/spot_(ins|agt)_/);
  });

  it("is what the install token's kubectl command fills in: the agent starts with its cluster, token and URL", async () => {
    const res = await call('GET /api/agent/manifest.yaml');
    const applied = runKubectlInstall(install.kubectl, res.raw);
    expect(applied).not.toContain('CHANGE ME');
    expect(loadConfig(agentEnvironment(documentsOf(applied)))).toMatchObject({
      apiUrl: process.env.APP_URL,
      clusterName: install.clusterName,
      token: install.token,
    });
  });
});

describe(agentChartRouteKey, () => {
  it("answers the packaged chart without sign-in, as a gzip attachment, the repository's chart and no token", async () => {
    const res = await call(agentChartRouteKey);
    expect(res.status, res.raw).toBe(200);
    expect(res.headers['content-type']).toBe('application/gzip');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="spot-optimizer-agent-${agentChartVersion}.tgz"`,
    );
    expectContractResponse(agentChartRouteKey, res);
    // API Gateway decodes the base64 body: the caller gets the archive's bytes, the same every time.
    expect(res.bytes?.equals(packAgentChart(readAgentChartFiles()))).toBe(true);
    expect((await call(agentChartRouteKey)).bytes?.equals(res.bytes ?? Buffer.alloc(0))).toBe(true);
    const { files } = readTarGz(res.bytes ?? Buffer.alloc(0));
    expect(files.get('spot-optimizer-agent/Chart.yaml')?.toString('utf8')).toContain(
      `version: ${agentChartVersion}`,
    );
    const unpacked = [...files.values()].map((b) => b.toString('utf8')).join('\n');
    expect(unpacked).not.toContain(install.token);
    expect(unpacked).not.toMatch(/spot_(ins|agt)_/);
  });

  it("is what the install token's Helm and Terraform forms install, by this deployment's URL", () => {
    const chartUrl = `${process.env.APP_URL}${agentChartPath}`;
    expect(install.chartUrl).toBe(chartUrl);
    expect(install.helm.split(' \\\n')[0]).toBe(`helm upgrade --install spot-optimizer-agent ${chartUrl}`);
    expect(install.helm).toContain(`--set token=${install.token}`);
    expect(install.terraform).toContain(`chart            = "${chartUrl}"`);
    expect(install.terraform).not.toContain(install.token);
  });
});

describe("the agent image the served manifest and chart name (the deployment's AGENT_IMAGE_REPOSITORY)", () => {
  const imageOf = (manifest: string) =>
    documentsOf(manifest).find((d) => d.kind === 'Deployment')?.spec?.template?.spec?.containers?.[0]?.image;
  const chartValues = (bytes: Buffer | undefined) =>
    parse(
      readTarGz(bytes ?? Buffer.alloc(0))
        .files.get('spot-optimizer-agent/values.yaml')
        ?.toString('utf8') ?? '',
    ) as {
      image: { repository: string; tag: string };
    };

  it('names the public default without the variable, and the registry it names with it', async () => {
    const saved = process.env.AGENT_IMAGE_REPOSITORY;
    try {
      delete process.env.AGENT_IMAGE_REPOSITORY;
      expect(imageOf((await call('GET /api/agent/manifest.yaml')).raw)).toBe(
        `${defaultAgentImageRepository}:${agentChartVersion}`,
      );
      expect(chartValues((await call(agentChartRouteKey)).bytes).image).toMatchObject({
        repository: defaultAgentImageRepository,
        tag: agentChartVersion,
      });

      const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/spot-optimizer-agent';
      process.env.AGENT_IMAGE_REPOSITORY = ecr;
      const manifest = await call('GET /api/agent/manifest.yaml');
      expect(manifest.status, manifest.raw).toBe(200);
      expect(imageOf(manifest.raw)).toBe(`${ecr}:${agentChartVersion}`);
      // Still what the kubectl command fills in.
      expect(runKubectlInstall(install.kubectl, manifest.raw)).not.toContain('CHANGE ME');
      const chart = await call(agentChartRouteKey);
      expect(chart.status, chart.raw).toBe(200);
      expect(chartValues(chart.bytes).image).toMatchObject({ repository: ecr, tag: agentChartVersion });
      expect(chart.bytes?.equals(packAgentChart(readAgentChartFiles(), ecr))).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.AGENT_IMAGE_REPOSITORY;
      else process.env.AGENT_IMAGE_REPOSITORY = saved;
    }
  });
});
