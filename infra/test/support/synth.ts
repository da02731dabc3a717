import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { removeFunctionBundles } from '../../src/constructs/function-bundles';
import { repoRoot } from '../../src/paths';

/** cdk.json's context (feature flags, default stage), so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

const created: string[] = [];

/** A fresh directory under the system's temp directory, removed by {@link removeTempOutdirs}. */
export function tempOutdir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `spot-${prefix}-`));
  created.push(dir);
  return dir;
}

/**
 * Removes the directories {@link tempOutdir} made and the function bundles (about 1 GB per synthesized
 * app: left behind by every test run, they once filled the disk). For `afterAll`.
 */
export function removeTempOutdirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
  removeFunctionBundles();
}

export interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion?: string;
    violations?: { ruleName: string; severity?: string; violatingConstructs?: unknown[] }[];
  }[];
}

/** The policy validation report CDK writes next to the templates (cdk-nag's findings land here). */
export function readValidationReport(assembly: CloudAssembly): ValidationReport {
  return JSON.parse(
    readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as ValidationReport;
}

/** Every unacknowledged finding as `plugin rule (severity)`, for an assertion that prints what is wrong. */
export function unacknowledgedFindings(report: ValidationReport): string[] {
  return report.pluginReports.flatMap((p) =>
    (p.violations ?? []).map((v) => `${p.pluginName} ${v.ruleName} (${v.severity ?? 'unknown'})`),
  );
}
