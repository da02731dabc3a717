import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { repoRoot } from '../paths';
import { CustomerOnboardingStack } from './onboarding-stack';

/** Where the generated template is checked in, and the command that regenerates it. */
export const onboardingTemplatePath = join(
  repoRoot,
  'cfn-templates',
  'spot-optimizer-onboarding.template.json',
);
export const regenerateCommand = 'npm run gen:cfn -w infra';

/**
 * Synthesizes the customer onboarding stack (with cdk-nag, so a finding without a reason fails here) and
 * returns the template as stable, pretty-printed JSON.
 */
export function renderOnboardingTemplate(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'spot-onboarding-'));
  try {
    const app = new App({ outdir });
    const stack = new CustomerOnboardingStack(app, 'SpotOptimizerOnboarding');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
    const template = app.synth().getStackByName(stack.stackName).template;
    return `${JSON.stringify(template, null, 2)}\n`;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
