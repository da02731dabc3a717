import type { z } from 'zod';
import { failingRuleText } from '../cluster-detail/compliance';
import { type ClusterComplianceResponse, complianceRuleIds, type DriftedNode } from '../model/cluster-detail';
import type { complianceCheckSchema, RegistryFindings } from '../model/cluster-registry';

/**
 * The registry's shield and the cluster detail's Compliance & Drift tab from one definition (ADR 0068):
 * the row keeps the counts of what `detectDrift` and `evaluateCompliance` found when it was written, and
 * the shield's checks are said from those counts in the tab's words.
 */

/** Instance types a row keeps for its drift message (a cluster rarely runs more distinct types). */
export const maxDriftTypes = 10;

/**
 * The counts the row keeps of the tab's findings: drifted nodes and their types (`null` drift: no node
 * template bounds the cluster, nothing was checked), and each failing rule with its objects and pods.
 */
export function registryFindingsOf(
  drifted: readonly Pick<DriftedNode, 'instanceType'>[] | null,
  compliance: Pick<ClusterComplianceResponse, 'findings'>,
): RegistryFindings {
  const nodesByType = new Map<string, number>();
  for (const d of drifted ?? []) nodesByType.set(d.instanceType, (nodesByType.get(d.instanceType) ?? 0) + 1);
  return {
    driftNodes: drifted ? drifted.length : null,
    driftTypes: [...nodesByType]
      .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
      .slice(0, maxDriftTypes)
      .map(([type]) => type),
    failing: compliance.findings
      .filter((f) => f.status === 'fail')
      .map((f): [string, number, number] => [f.ruleId, f.objects.length, f.podCount]),
  };
}

type ComplianceCheck = z.infer<typeof complianceCheckSchema>;
const isRuleId = (id: string): id is (typeof complianceRuleIds)[number] =>
  (complianceRuleIds as readonly string[]).includes(id);

/**
 * The shield's checks of a row's findings: one violation per failing rule of the security scan, then one
 * drift check when nodes run types the template forbids. A rule id this release does not know (a rule
 * since retired) is left out: nothing could say what it found.
 */
export function findingChecks(findings: RegistryFindings | null): ComplianceCheck[] {
  if (!findings) return [];
  const checks: ComplianceCheck[] = [];
  for (const [ruleId, objects, pods] of findings.failing) {
    const text = failingRuleText(ruleId, objects, pods);
    if (!text || !isRuleId(ruleId)) continue;
    checks.push({ rule: ruleId, kind: 'violation', message: `${text.label} ${text.title}: ${text.found}` });
  }
  const n = findings.driftNodes ?? 0;
  if (n > 0) {
    const types = findings.driftTypes.length
      ? `: ${findings.driftTypes.join(', ')}${findings.driftTypes.length >= maxDriftTypes ? ', …' : ''}`
      : '';
    checks.push({
      rule: 'template-drift',
      kind: 'drift',
      message:
        n === 1
          ? `1 node runs a type the node template forbids${types}.`
          : `${n} nodes run types the node template forbids${types}.`,
    });
  }
  return checks;
}
