import type { DriftedNode, DriftReasonCode, NodeGroupLauncherKind } from '../model/cluster-detail';
import type { NodeTemplateSpec } from '../model/node-template';
import type { CatalogInstanceType } from '../pricing/catalog-types';

/**
 * Drift (ADR 0052): nodes running now that the cluster's node template would not launch. The template's
 * own rule ({@link templateAllowsType} in `model/node-template.ts`) is checked field by field here so a
 * drifted node says which part it breaks. Pure.
 */

export interface DriftNode {
  nodeName: string;
  instanceType: string;
  capacityType: 'on-demand' | 'spot';
  zone: string;
  nodeGroupId: string | null;
  launchedAt: string;
}

export interface DriftGroup {
  nodeGroupId: string;
  name: string;
  kind: Exclude<NodeGroupLauncherKind, 'manual'>;
}

type DriftSpec = Pick<NodeTemplateSpec, 'families' | 'architecture' | 'excludedSizes' | 'capacityType'>;

/** Why the template would not launch this node; empty when it would. */
export function driftReasons(
  spec: DriftSpec,
  node: Pick<DriftNode, 'instanceType' | 'capacityType'>,
  type: CatalogInstanceType | undefined,
): { code: DriftReasonCode; message: string }[] {
  const reasons: { code: DriftReasonCode; message: string }[] = [];
  if (!type)
    reasons.push({
      code: 'unknown-instance-type',
      message: `${node.instanceType} is not in the instance catalog, so no template allows it.`,
    });
  else {
    if (!spec.families.includes(type.family))
      reasons.push({
        code: 'family-not-allowed',
        message: `Family ${type.family} is not one of the template's (${spec.families.join(', ')}).`,
      });
    if (!type.architectures.includes(spec.architecture))
      reasons.push({
        code: 'architecture-not-allowed',
        message: `${node.instanceType} is ${type.architectures.join('/')}; the template allows ${spec.architecture}.`,
      });
    if (spec.excludedSizes.includes(type.size))
      reasons.push({ code: 'size-excluded', message: `Size ${type.size} is excluded by the template.` });
  }
  // `hybrid` buys both; a spot-only or on-demand-only template forbids the other.
  if (spec.capacityType !== 'hybrid' && spec.capacityType !== node.capacityType)
    reasons.push({
      code: 'capacity-type-not-allowed',
      message: `The node is ${node.capacityType}; the template buys ${spec.capacityType} only.`,
    });
  return reasons;
}

/**
 * The drifted nodes, newest launch first. A node whose group is unknown (no ASG, managed node group or
 * NodePool claims it) was launched by hand: "manual".
 */
export function detectDrift(
  spec: DriftSpec,
  nodes: readonly DriftNode[],
  groups: readonly DriftGroup[],
  instanceType: (name: string) => CatalogInstanceType | undefined,
): DriftedNode[] {
  const groupById = new Map(groups.map((g) => [g.nodeGroupId, g]));
  const drifted: DriftedNode[] = [];
  for (const node of nodes) {
    const reasons = driftReasons(spec, node, instanceType(node.instanceType));
    if (reasons.length === 0) continue;
    const group = node.nodeGroupId ? groupById.get(node.nodeGroupId) : undefined;
    drifted.push({
      nodeName: node.nodeName,
      instanceType: node.instanceType,
      capacityType: node.capacityType,
      zone: node.zone,
      reasons,
      launchedBy: group ? { kind: group.kind, name: group.name } : { kind: 'manual', name: null },
      launchedAt: node.launchedAt,
    });
  }
  return drifted.sort(
    (a, b) => b.launchedAt.localeCompare(a.launchedAt) || a.nodeName.localeCompare(b.nodeName),
  );
}
