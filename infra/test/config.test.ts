import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { createSpotOptimizerApp } from '../src/app';
import { ConfigError, readConfig } from '../src/config';
import { spaRewriteFunctionCode } from '../src/stacks/web-stack';
import { cdkJsonContext, removeTempOutdirs, tempOutdir } from './support/synth';

// Synthesized apps and their bundles take about 1 GB of temp space per file.
afterAll(removeTempOutdirs);

describe('deployment config', () => {
  it('defaults the stage to dev and reads it from context', () => {
    expect(readConfig(new App()).stage).toBe('dev');
    expect(readConfig(new App({ context: { stage: 'prod' } })).stage).toBe('prod');
  });

  it('rejects stages that would make invalid or clashing resource names', () => {
    for (const stage of ['Prod', 'a', 'dev-1', 'x'.repeat(13), '1dev']) {
      expect(() => readConfig(new App({ context: { stage } })), stage).toThrow(ConfigError);
    }
  });

  it('requires domainName and certificateArn together', () => {
    expect(() => readConfig(new App({ context: { domainName: 'app.example.com' } }))).toThrow(ConfigError);
    const config = readConfig(
      new App({
        context: {
          domainName: 'app.example.com',
          certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
        },
      }),
    );
    expect(config.domainName).toBe('app.example.com');
  });

  it('takes the notification sender as an email address, and has none by default', () => {
    expect(readConfig(new App()).notificationSender).toBeUndefined();
    expect(
      readConfig(new App({ context: { notificationSender: 'alerts@example.com' } })).notificationSender,
    ).toBe('alerts@example.com');
    for (const notificationSender of ['example.com', 'alerts@', 'a b@example.com'])
      expect(() => readConfig(new App({ context: { notificationSender } })), notificationSender).toThrow(
        ConfigError,
      );
  });

  it('takes the agent image repository from context, the public default without, and refuses a tag or capitals', () => {
    expect(readConfig(new App()).agentImageRepository).toBe('ghcr.io/spot-optimizer/spot-optimizer-agent');
    const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/spot-optimizer-agent';
    expect(readConfig(new App({ context: { agentImageRepository: ecr } })).agentImageRepository).toBe(ecr);
    expect(
      readConfig(new App({ context: { agentImageRepository: 'registry.local:5000/team/agent' } }))
        .agentImageRepository,
    ).toBe('registry.local:5000/team/agent');
    for (const agentImageRepository of [
      `${ecr}:0.1.0`,
      'Ghcr.io/x/agent',
      'ghcr.io/x/agent@sha256:ab',
      'a b',
    ])
      expect(() => readConfig(new App({ context: { agentImageRepository } })), agentImageRepository).toThrow(
        ConfigError,
      );
  });
});

describe('deployment region', () => {
  const withoutRegionEnv = (run: () => void) => {
    const saved = process.env.CDK_DEFAULT_REGION;
    delete process.env.CDK_DEFAULT_REGION;
    try {
      run();
    } finally {
      if (saved !== undefined) process.env.CDK_DEFAULT_REGION = saved;
    }
  };

  it('takes the region from -c region= when the CDK CLI did not set one', () => {
    withoutRegionEnv(() => {
      expect(readConfig(new App({ context: { region: 'eu-west-1' } })).env.region).toBe('eu-west-1');
      expect(readConfig(new App()).env.region).toBeUndefined();
    });
  });

  it('refuses to build the app without a region, because the web ACL is read from us-east-1', () => {
    withoutRegionEnv(() => {
      expect(() =>
        createSpotOptimizerApp({ outdir: tempOutdir('no-region'), context: cdkJsonContext() }),
      ).toThrow(ConfigError);
    });
  });
});

describe('SPA rewrite function', () => {
  // CloudFront Functions are plain ES5.1-style JavaScript; evaluate the same source here.
  const handler = new Function(`${spaRewriteFunctionCode}; return handler;`)() as (event: {
    request: { uri: string };
  }) => { uri: string };
  const rewrite = (uri: string) => handler({ request: { uri } }).uri;

  it('serves index.html for client-side routes', () => {
    expect(rewrite('/')).toBe('/index.html');
    expect(rewrite('/dashboard')).toBe('/index.html');
    expect(rewrite('/settings/accounts')).toBe('/index.html');
  });

  it('leaves files alone so a missing asset is not answered with HTML', () => {
    expect(rewrite('/assets/index-abc123.js')).toBe('/assets/index-abc123.js');
    expect(rewrite('/favicon.ico')).toBe('/favicon.ico');
  });
});
