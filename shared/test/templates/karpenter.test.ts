import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  allowedInstanceTypes,
  type NodeTemplateSpec,
  nodeTemplateSpecSchema,
} from '../../src/model/node-template';
import type { CatalogInstanceType } from '../../src/pricing/catalog-types';
import {
  type KarpenterManifests,
  kubernetesArchOfEc2,
  type NodeRequirement,
  renderKarpenter,
  templateObjectName,
  toYaml,
} from '../../src/templates/karpenter';
import { catalogTypes, crdSchema, mixedSpotFamilies, specArb, templateArb } from './karpenter-fixtures';

// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped once more.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

function crdValidator(file: string) {
  // Kubernetes structural schemas carry `x-kubernetes-*` keywords and int32/int64 formats Ajv does not know.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  const { schema, crdText } = crdSchema(file);
  return { validate: ajv.compile(schema), crdText };
}

const nodePoolCrd = crdValidator('karpenter.sh_nodepools.yaml');
const nodeClassCrd = crdValidator('karpenter.k8s.aws_ec2nodeclasses.yaml');

/**
 * Karpenter's labels of an instance type, as its instance type provider sets them. `karpenter.sh/capacity-type`
 * holds the capacity types the type is offered in; with `assumeEveryOffering` every type is taken to be
 * offered as spot, so the NodePool's requirements alone must keep never-spot types out.
 */
function karpenterLabels(type: CatalogInstanceType, assumeEveryOffering = false): Map<string, string[]> {
  return new Map([
    ['karpenter.k8s.aws/instance-family', [type.family]],
    ['karpenter.k8s.aws/instance-size', [type.size]],
    ['node.kubernetes.io/instance-type', [type.name]],
    ['kubernetes.io/os', ['linux']],
    ['kubernetes.io/arch', type.architectures.flatMap((a) => kubernetesArchOfEc2[a] ?? [])],
    [
      'karpenter.sh/capacity-type',
      type.spotSupported || assumeEveryOffering ? ['spot', 'on-demand'] : ['on-demand'],
    ],
  ]);
}

function admits(requirements: readonly NodeRequirement[], labels: Map<string, string[]>): boolean {
  return requirements.every((r) => {
    const values = labels.get(r.key) ?? [];
    const hit = values.some((v) => r.values.includes(v));
    return r.operator === 'In' ? hit : !hit;
  });
}

const requirementsOf = (m: KarpenterManifests) =>
  (m.nodePool.spec as { template: { spec: { requirements: NodeRequirement[] } } }).template.spec.requirements;

const render = (spec: NodeTemplateSpec, id = '0b7c6f1e-0000-4000-8000-000000000001', name = 'General') =>
  renderKarpenter({ id, name, spec }, { clusterName: 'prod-eu', catalogTypes });

const baseSpec = nodeTemplateSpecSchema.parse({
  families: ['m5', 'c5'],
  architecture: 'x86_64',
  excludedSizes: ['metal'],
  capacityType: 'spot',
  disk: { type: 'gp3', sizeGiB: 80 },
});

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The CEL rules of the two CRDs that a rendering could break (a JSON Schema validator does not run CEL). */
function celViolations(m: KarpenterManifests, crdText: string): string[] {
  const out: string[] = [];
  const restrictedAws = /karpenter\.k8s\.aws\/instance-tenancy".*?\]/.exec(crdText)?.[0] ?? '';
  const keyAllowed = (key: string) => {
    const domain = key.split('/')[0] ?? '';
    if (key === 'karpenter.sh/nodepool' || key === 'kubernetes.io/hostname') return false;
    if (domain.endsWith('karpenter.sh')) return key === 'karpenter.sh/capacity-type';
    if (domain.endsWith('karpenter.k8s.aws')) return restrictedAws.includes(`"${key}"`);
    return true;
  };
  for (const r of requirementsOf(m)) {
    if (!keyAllowed(r.key)) out.push(`requirement key ${r.key} is restricted`);
    if ((r.operator === 'In' || r.operator === 'NotIn') && r.values.length === 0)
      out.push(`${r.key} ${r.operator} has no values`);
    for (const v of r.values) if (v.length > 63 || !labelValue.test(v)) out.push(`bad value ${v}`);
  }
  const tmpl = (m.nodePool.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
  for (const key of Object.keys(tmpl.metadata.labels))
    if (!keyAllowed(key)) out.push(`node label ${key} is restricted`);
  for (const o of [m.nodePool, m.ec2NodeClass])
    if (o.metadata.name.length > 63 || !dns1123Label.test(o.metadata.name))
      out.push(`name ${o.metadata.name} is not a DNS-1123 label`);

  const nc = m.ec2NodeClass.spec as {
    role?: string;
    instanceProfile?: string;
    amiSelectorTerms: { alias?: string }[];
    subnetSelectorTerms: { id?: string; tags?: Record<string, string> }[];
    securityGroupSelectorTerms: { id?: string; tags?: Record<string, string> }[];
    blockDeviceMappings: { ebs: { volumeSize?: string; snapshotID?: string } }[];
    tags: Record<string, string>;
  };
  if ((nc.role === undefined) === (nc.instanceProfile === undefined))
    out.push('exactly one of role and instanceProfile');
  if (nc.role === '') out.push('empty role');
  if (nc.amiSelectorTerms.some((t) => t.alias !== undefined) && nc.amiSelectorTerms.length !== 1)
    out.push('alias must be the only AMI term');
  for (const { alias } of nc.amiSelectorTerms) {
    if (alias === undefined) continue;
    if (!/^[a-zA-Z0-9]+@.+$/.test(alias)) out.push(`alias ${alias} is malformed`);
    if (!['al2', 'al2023', 'bottlerocket'].includes(alias.split('@')[0] ?? ''))
      out.push(`alias ${alias} family`);
  }
  for (const [what, terms] of [
    ['subnet', nc.subnetSelectorTerms],
    ['security group', nc.securityGroupSelectorTerms],
  ] as const) {
    if (terms.length === 0) out.push(`${what} terms empty`);
    for (const t of terms) {
      if ((t.id === undefined) === (t.tags === undefined))
        out.push(`${what} term needs exactly one of id, tags`);
      for (const [k, v] of Object.entries(t.tags ?? {}))
        if (k === '' || v === '') out.push(`${what} empty tag`);
    }
  }
  for (const b of nc.blockDeviceMappings)
    if (b.ebs.volumeSize === undefined && b.ebs.snapshotID === undefined) out.push('volume without size');
  for (const k of Object.keys(nc.tags))
    if (
      k === '' ||
      k === 'eks:eks-cluster-name' ||
      k.startsWith('kubernetes.io/cluster') ||
      ['karpenter.sh/nodepool', 'karpenter.sh/nodeclaim', 'karpenter.k8s.aws/ec2nodeclass'].includes(k)
    )
      out.push(`restricted tag ${k}`);
  return out;
}

describe('renderKarpenter', () => {
  it('renders a spot m5/c5 template as a NodePool and EC2NodeClass the v1 CRDs accept', () => {
    const m = render(baseSpec);
    expect(nodePoolCrd.validate(m.nodePool), JSON.stringify(nodePoolCrd.validate.errors)).toBe(true);
    expect(nodeClassCrd.validate(m.ec2NodeClass), JSON.stringify(nodeClassCrd.validate.errors)).toBe(true);
    expect(requirementsOf(m)).toEqual([
      { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5', 'c5'] },
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] },
      { key: 'karpenter.k8s.aws/instance-size', operator: 'NotIn', values: ['metal'] },
    ]);
    expect(m.nodePool.metadata.name).toBe(m.ec2NodeClass.metadata.name);
    expect(m.nodePool.metadata.name).toMatch(/^general-[0-9a-f]{8}$/);
    expect(m.ec2NodeClass.spec).toEqual({
      role: 'KarpenterNodeRole-prod-eu',
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'prod-eu' } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'prod-eu' } }],
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: { volumeSize: '80Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
        },
      ],
      tags: { 'spot-optimizer.io/node-template-id': '0b7c6f1e-0000-4000-8000-000000000001' },
    });
    expect(m.nodePool.metadata.annotations['spot-optimizer.io/node-template-id']).toBe(
      '0b7c6f1e-0000-4000-8000-000000000001',
    );
  });

  it('buys both capacity types for hybrid and only on-demand for on-demand', () => {
    const capacity = (capacityType: NodeTemplateSpec['capacityType']) =>
      requirementsOf(render({ ...baseSpec, capacityType })).find(
        (r) => r.key === 'karpenter.sh/capacity-type',
      );
    expect(capacity('hybrid')?.values).toEqual(['spot', 'on-demand']);
    expect(capacity('on-demand')?.values).toEqual(['on-demand']);
  });

  it('keeps never-spot types out of a spot template by name (hpc7a is on-demand only)', () => {
    const spec = { ...baseSpec, families: ['hpc7a', 'm5'], excludedSizes: [] };
    const reqs = requirementsOf(render(spec));
    const byName = reqs.find((r) => r.key === 'node.kubernetes.io/instance-type');
    expect(byName?.operator).toBe('NotIn');
    expect(byName?.values).toContain('hpc7a.96xlarge');
    expect(byName?.values.some((v) => v.startsWith('m5.'))).toBe(false);
    expect(requirementsOf(render({ ...spec, capacityType: 'hybrid' })).map((r) => r.key)).not.toContain(
      'node.kubernetes.io/instance-type',
    );
  });

  it('uses the template security groups by id, io1 IOPS, a custom role', () => {
    const spec = nodeTemplateSpecSchema.parse({
      ...baseSpec,
      disk: { type: 'io1', sizeGiB: 100, iops: 5000 },
      securityGroupIds: ['sg-0123456789abcdef0', 'sg-0123456789abcdef1'],
    });
    const m = renderKarpenter(
      { id: 'x', name: 'IO', spec },
      { clusterName: 'c', catalogTypes, nodeRole: 'MyNodes' },
    );
    expect(nodeClassCrd.validate(m.ec2NodeClass), JSON.stringify(nodeClassCrd.validate.errors)).toBe(true);
    expect(m.ec2NodeClass.spec).toMatchObject({
      role: 'MyNodes',
      securityGroupSelectorTerms: [{ id: 'sg-0123456789abcdef0' }, { id: 'sg-0123456789abcdef1' }],
      blockDeviceMappings: [{ ebs: { volumeSize: '100Gi', volumeType: 'io1', iops: 5000 } }],
    });
  });

  it('gives an ephemeral template a small root volume and RAID0 instance store', () => {
    const m = render({ ...baseSpec, disk: { type: 'ephemeral', sizeGiB: 500 } });
    expect(nodeClassCrd.validate(m.ec2NodeClass)).toBe(true);
    expect(m.ec2NodeClass.spec).toMatchObject({
      instanceStorePolicy: 'RAID0',
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '20Gi', volumeType: 'gp3' } }],
    });
  });

  it('refuses an io1 disk without IOPS and an empty cluster name', () => {
    expect(() => render({ ...baseSpec, disk: { type: 'io1', sizeGiB: 100 } })).toThrow(/IOPS/);
    expect(() =>
      renderKarpenter({ id: 'a', name: 'a', spec: baseSpec }, { clusterName: ' ', catalogTypes }),
    ).toThrow(/cluster name/);
  });

  it('validates against the CRD schemas and CEL rules for generated templates', () => {
    fc.assert(
      fc.property(templateArb, (template) => {
        const m = renderKarpenter(template, { clusterName: 'prod-eu', catalogTypes });
        expect(nodePoolCrd.validate(m.nodePool), JSON.stringify(nodePoolCrd.validate.errors)).toBe(true);
        expect(nodeClassCrd.validate(m.ec2NodeClass), JSON.stringify(nodeClassCrd.validate.errors)).toBe(
          true,
        );
        expect(celViolations(m, nodePoolCrd.crdText)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('the CEL check catches what it claims to (an empty In, a restricted key, a bad name)', () => {
    const m = render(baseSpec);
    const broken = structuredClone(m) as KarpenterManifests;
    const reqs = requirementsOf(broken) as { key: string; operator: string; values: string[] }[];
    reqs.push({ key: 'karpenter.sh/nodepool', operator: 'In', values: [] });
    (broken.nodePool.metadata as { name: string }).name = 'Bad_Name';
    expect(celViolations(broken, nodePoolCrd.crdText)).toEqual([
      'requirement key karpenter.sh/nodepool is restricted',
      'karpenter.sh/nodepool In has no values',
      'name Bad_Name is not a DNS-1123 label',
    ]);
  });

  it('admits exactly allowedInstanceTypes(spec, catalog), with or without Karpenter knowing the offerings', () => {
    fc.assert(
      fc.property(specArb, fc.boolean(), (spec, assumeEveryOffering) => {
        const reqs = requirementsOf(render(spec));
        const admitted = catalogTypes
          .filter((t) => admits(reqs, karpenterLabels(t, assumeEveryOffering)))
          .map((t) => t.name);
        expect(admitted).toEqual(allowedInstanceTypes(spec, catalogTypes).map((t) => t.name));
      }),
      { numRuns: 300 },
    );
  });

  it('exercises spot templates over families with never-spot types', () => {
    const spec = { ...baseSpec, families: mixedSpotFamilies, excludedSizes: [] };
    for (const architecture of ['x86_64', 'arm64'] as const) {
      const reqs = requirementsOf(render({ ...spec, architecture }));
      const admitted = catalogTypes.filter((t) => admits(reqs, karpenterLabels(t, true))).map((t) => t.name);
      expect(admitted).toEqual(
        allowedInstanceTypes({ ...spec, architecture }, catalogTypes).map((t) => t.name),
      );
    }
  });
});

describe('templateObjectName', () => {
  it('is a DNS-1123 label of at most 63 characters, never empty, for any name', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ maxLength: 200 }), (id, name) => {
        const n = templateObjectName({ id, name });
        expect(n.length).toBeLessThanOrEqual(63);
        expect(n).toMatch(dns1123Label);
      }),
    );
  });

  it('slugs the name and keeps templates with alike names apart', () => {
    expect(templateObjectName({ id: 'a', name: 'GPU Nodes (prod)' })).toMatch(/^gpu-nodes-prod-[0-9a-f]{8}$/);
    expect(templateObjectName({ id: 'a', name: 'Général' })).toMatch(/^general-/);
    expect(templateObjectName({ id: 'a', name: '日本' })).toMatch(/^template-[0-9a-f]{8}$/);
    expect(templateObjectName({ id: 'a', name: 'GPU nodes' })).not.toBe(
      templateObjectName({ id: 'b', name: 'gpu-nodes' }),
    );
    expect(templateObjectName({ id: 'a', name: 'x'.repeat(63) })).toHaveLength(63);
  });
});

describe('toYaml', () => {
  it('writes parseable multi-document YAML, the same bytes every time, with no anchors', () => {
    fc.assert(
      fc.property(templateArb, (template) => {
        const m = renderKarpenter(template, { clusterName: 'prod-eu', catalogTypes });
        const text = toYaml([m.nodePool, m.ec2NodeClass]);
        expect(toYaml([m.nodePool, m.ec2NodeClass])).toBe(text);
        const docs = parseAllDocuments(text).map((d) => d.toJS());
        expect(docs).toEqual([m.nodePool, m.ec2NodeClass]);
        expect(text).not.toMatch(/^\s*[^#\n]*: [&*]/m);
      }),
      { numRuns: 50 },
    );
  });
});
