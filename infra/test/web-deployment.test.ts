import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { names } from '../src/naming';
import { WebStack } from '../src/stacks/web-stack';
import {
  cdkJsonContext,
  readValidationReport,
  removeTempOutdirs,
  tempOutdir,
  unacknowledgedFindings,
} from './support/synth';

// Synthesized apps and their bundles take about 1 GB of temp space per file.
afterAll(removeTempOutdirs);

/**
 * The SPA deployment only exists when `web/dist` holds a build, so the whole-app test never sees it.
 * This synthesizes the web stack alone against a tiny fake build to keep its cdk-nag findings covered.
 */
describe('web stack with a web build', () => {
  it('deploys hashed assets and index.html separately with no unacknowledged cdk-nag finding', () => {
    const dist = tempOutdir('web-dist');
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Spot Optimizer</title>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("spa");');

    const app = new App({ outdir: tempOutdir('web'), context: cdkJsonContext() });
    const stack = new WebStack(app, 'Web', {
      names: names('test'),
      apiDomainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      webAclArn: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/spot-optimizer-test-edge/abc',
      webDistDir: dist,
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
    const assembly = app.synth();

    expect(unacknowledgedFindings(readValidationReport(assembly))).toEqual([]);
    expect(stack.deploysSite).toBe(true);
    const template = Template.fromStack(stack);
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')) as {
      Properties: { SystemMetadata?: Record<string, string>; DistributionPaths?: string[] };
    }[];
    expect(deployments.map((d) => d.Properties.SystemMetadata?.['cache-control']).sort()).toEqual([
      'no-cache',
      'public, max-age=31536000, immutable',
    ]);
    expect(deployments.flatMap((d) => d.Properties.DistributionPaths ?? [])).toEqual(['/index.html']);
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup')) as {
      Properties: { RetentionInDays?: number };
    }[]) {
      expect(group.Properties.RetentionInDays).toBe(365);
    }
  });
});
