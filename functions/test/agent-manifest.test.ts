import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@spot/agent/config';
import {
  agentManifestPlaceholders,
  defaultAgentImageRepository,
  installCommands,
  installTokenPrefix,
  renderAgentManifest,
} from '@spot/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readAgentManifest } from '../src/lib/agent-manifest-file';
import { agentEnvironment, documentsOf, runKubectlInstall } from './support/kubectl-install';

/**
 * The kubectl install path end to end, without a cluster (ADR 0071): the manifest the API serves, piped
 * through the `sed` of the command the wizard shows, exactly as a shell runs it, must give a manifest
 * with no CHANGE ME left whose Deployment the agent's own configuration loader accepts with the
 * cluster's name, its token (through the Secret) and this deployment's URL.
 */

const repoFile = (path: string) =>
  readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');
const apiUrl = 'https://spot.acme.example';
const token = `${installTokenPrefix}${'Ab3_-x'.repeat(7)}`;

describe("the agent's manifest and the kubectl install command", () => {
  const file = repoFile('agent/manifests/agent.yaml');
  const served = renderAgentManifest(readAgentManifest(), apiUrl);

  it('serves the repository file, with only the URL of Spot Optimizer filled in', () => {
    expect(readAgentManifest()).toBe(file);
    expect(served).not.toContain(agentManifestPlaceholders.apiUrl);
    expect(served).toContain(agentManifestPlaceholders.clusterName);
    expect(served).toContain(agentManifestPlaceholders.token);
    expect(served).not.toContain(installTokenPrefix);
    expect(agentEnvironment(documentsOf(served)).SPOT_API_URL).toBe(apiUrl);
  });

  it("fills the served manifest's last CHANGE ME values with the command's own sed: the agent loads its config", () => {
    const command = installCommands(apiUrl, 'payments-prod', token);
    const applied = runKubectlInstall(command.kubectl, served);
    expect(applied).not.toContain('CHANGE ME');
    const docs = documentsOf(applied);
    expect(docs.map((d) => d.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Secret',
      'Deployment',
    ]);
    expect(docs.find((d) => d.kind === 'Secret')?.stringData).toEqual({ token });
    const config = loadConfig(agentEnvironment(docs));
    expect(config).toMatchObject({ apiUrl, clusterName: 'payments-prod', token });
    // Nothing else changed: the sed touched the two lines only.
    expect(applied.split('\n').filter((line, i) => line !== served.split('\n')[i])).toHaveLength(2);
  });

  it("applied to the repository's raw file, the sed leaves only the URL's CHANGE ME, which the route fills", () => {
    const applied = runKubectlInstall(installCommands(apiUrl, 'payments-prod', token).kubectl, file);
    expect([...applied.matchAll(/"(CHANGE ME[^"]*)"/g)].map((m) => m[1])).toEqual([
      agentManifestPlaceholders.apiUrl,
    ]);
  });

  it('gives every cluster name and token the agent its own values (property)', () => {
    const clusterName = fc.stringMatching(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/);
    const tokenOf = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((t) => `${installTokenPrefix}${t}`);
    fc.assert(
      fc.property(clusterName, tokenOf, (name, t) => {
        const env = agentEnvironment(
          documentsOf(runKubectlInstall(installCommands(apiUrl, name, t).kubectl, served)),
        );
        const config = loadConfig(env);
        return config.clusterName === name && config.token === t && config.apiUrl === apiUrl;
      }),
      { numRuns: 25 },
    );
  });

  it('refuses a manifest that lost a placeholder, and a URL that would break out of its YAML string', () => {
    expect(() => renderAgentManifest(file.replace(agentManifestPlaceholders.token, 'x'), apiUrl)).toThrow(
      /exactly once/,
    );
    expect(() => renderAgentManifest(file, 'https://evil.example/"\ninjected: true')).toThrow(/plain/);
    expect(() => renderAgentManifest(file.replace(/image: .*/, 'image: other:1'), apiUrl)).toThrow(
      /exactly once/,
    );
  });

  it("names the deployment's image repository, the public default without one, and refuses one that is not", () => {
    const imageOf = (manifest: string) =>
      documentsOf(manifest).find((d) => d.kind === 'Deployment')?.spec?.template?.spec?.containers?.[0]
        ?.image;
    expect(imageOf(served)).toBe(`${defaultAgentImageRepository}:0.1.0`);
    const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/spot-optimizer-agent';
    const own = renderAgentManifest(readAgentManifest(), apiUrl, ecr);
    expect(imageOf(own)).toBe(`${ecr}:0.1.0`);
    // Only the image line differs from the default rendering.
    expect(own.split('\n').filter((line, i) => line !== served.split('\n')[i])).toEqual([
      `          image: ${ecr}:0.1.0`,
    ]);
    for (const bad of [
      `${ecr}:0.2.0`,
      'Registry.example/agent',
      'registry.example/agent\ninjected: true',
      '',
    ])
      expect(() => renderAgentManifest(file, apiUrl, bad), bad).toThrow(/Not an image repository/);
  });
});

describe('the Helm chart and the plain manifest', () => {
  const values = parse(repoFile('agent/helm/spot-optimizer-agent/values.yaml')) as Record<string, unknown>;
  const deployment = repoFile('agent/helm/spot-optimizer-agent/templates/deployment.yaml');
  const secret = repoFile('agent/helm/spot-optimizer-agent/templates/secret.yaml');
  const envNames = (text: string) => [...text.matchAll(/- name: (SPOT_\w+)/g)].map((m) => m[1]);

  it('set the agent the same variables (the chart also its write-mode poll interval)', () => {
    const manifest = envNames(repoFile('agent/manifests/agent.yaml'));
    expect(envNames(deployment).filter((n) => n !== 'SPOT_COMMAND_POLL_SECONDS')).toEqual(manifest);
  });

  it('pull the same image: the public default repository, tagged with the agent version', () => {
    const image = values.image as { repository: string; tag: string };
    expect(image.repository).toBe(defaultAgentImageRepository);
    expect(repoFile('agent/manifests/agent.yaml')).toContain(`image: ${image.repository}:${image.tag}`);
  });

  it("take the values the Helm and Terraform commands set, where the manifest's placeholders stand", () => {
    const command = installCommands(apiUrl, 'payments-prod', token);
    const helmKeys = [...command.helm.matchAll(/--set (\w+)=/g)].map((m) => m[1]);
    const terraformKeys = [...command.terraform.matchAll(/name\s+= "(\w+)"/g)].map((m) => m[1]);
    expect(helmKeys).toEqual(['apiUrl', 'clusterName', 'token']);
    expect(terraformKeys.filter((k) => k !== 'spot-optimizer-agent')).toEqual(helmKeys);
    for (const key of helmKeys) expect(values).toHaveProperty(key as string);
    expect(deployment).toMatch(/name: SPOT_API_URL\s+value: \{\{ \.Values\.apiUrl \| quote \}\}/);
    expect(deployment).toMatch(/name: SPOT_CLUSTER_NAME\s+value: \{\{ \.Values\.clusterName \| quote \}\}/);
    expect(secret).toMatch(/token: \{\{ \.Values\.token \| quote \}\}/);
    expect(deployment).toMatch(/name: SPOT_AGENT_TOKEN\s+valueFrom:\s+secretKeyRef:[\s\S]*?key: token/);
  });
});
