import { stringify } from 'yaml';
import { ValidationError } from '../errors';
import { allowedInstanceTypes, type NodeTemplateSpec } from '../model/node-template';
import type { CatalogInstanceType } from '../pricing/catalog-types';

/**
 * A node template as a Karpenter v1 NodePool and EC2NodeClass pair (CRDs vendored in
 * `shared/data/karpenter_crds`, v1.14). The NodePool admits exactly `allowedInstanceTypes(spec, catalog)`:
 * the template's families, architecture and sizes, and for spot-only templates no type EC2 never sells as
 * spot. Karpenter has no spot allocation strategy setting (it always uses price-capacity-optimized), so
 * `spotAllocationStrategy` only reaches the ASG renderer.
 */

export const templateLabelDomain = 'spot-optimizer.io';
export const templateIdKey = `${templateLabelDomain}/node-template-id`;
export const templateNameKey = `${templateLabelDomain}/node-template-name`;

/** Root volume for `ephemeral` templates: the OS and images only, pods' scratch space is the instance store. */
export const ephemeralRootVolumeGiB = 20;

export interface RenderableTemplate {
  readonly id: string;
  readonly name: string;
  readonly spec: NodeTemplateSpec;
}

export interface KarpenterRenderOptions {
  /** Value of the `karpenter.sh/discovery` tag on the cluster's subnets (and security groups). */
  readonly clusterName: string;
  readonly catalogTypes: readonly CatalogInstanceType[];
  /**
   * IAM role of the nodes. Defaults to `KarpenterNodeRole-<clusterName>`, the name Karpenter's getting
   * started CloudFormation stack creates.
   */
  readonly nodeRole?: string;
}

export interface NodeRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn';
  readonly values: readonly string[];
}

export interface KarpenterManifests {
  readonly nodePool: KarpenterObject;
  readonly ec2NodeClass: KarpenterObject;
}

export interface KarpenterObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
  };
  readonly spec: Readonly<Record<string, unknown>>;
}

/** Karpenter's mapping of EC2 architectures to `kubernetes.io/arch`; others (the Mac ones) get no label. */
export const kubernetesArchOfEc2: Readonly<Record<string, string>> = { x86_64: 'amd64', arm64: 'arm64' };

// Kubernetes label values: at most 63 characters, alphanumeric at both ends, `-_.` inside.
const labelValuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
export const isLabelValue = (value: string): boolean => value.length <= 63 && labelValuePattern.test(value);

/** FNV-1a (32 bit) of the UTF-8 bytes, 8 hex digits: no crypto needed, the same in Node and the browser. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * DNS-1123 label for the template's objects: the slugged name plus a hash of the id, so two templates
 * whose names slug alike (`GPU Nodes`, `gpu-nodes`) still get distinct NodePools.
 */
export function templateObjectName(template: Pick<RenderableTemplate, 'id' | 'name'>): string {
  const suffix = shortHash(template.id);
  const slug = template.name
    .normalize('NFKD')
    // NFKD splits accented letters into letter plus combining mark: `Général` slugs to `general`.
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63 - suffix.length - 1)
    .replace(/-+$/, '');
  return `${slug || 'template'}-${suffix}`;
}

/** The NodePool requirements of a template, in a fixed order. */
export function karpenterRequirements(
  spec: NodeTemplateSpec,
  catalogTypes: readonly CatalogInstanceType[],
): NodeRequirement[] {
  // A family or size that is not a valid label value names no EC2 type, so leaving it out changes nothing.
  const families = spec.families.filter(isLabelValue);
  if (families.length === 0)
    throw new ValidationError('None of the template’s instance families is a valid EC2 family name.');
  const capacityTypes = spec.capacityType === 'hybrid' ? ['spot', 'on-demand'] : [spec.capacityType];
  const requirements: NodeRequirement[] = [
    { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: families },
    {
      key: 'kubernetes.io/arch',
      operator: 'In',
      values: [kubernetesArchOfEc2[spec.architecture] ?? spec.architecture],
    },
    { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
    { key: 'karpenter.sh/capacity-type', operator: 'In', values: capacityTypes },
  ];
  const excludedSizes = spec.excludedSizes.filter(isLabelValue);
  if (excludedSizes.length > 0)
    requirements.push({ key: 'karpenter.k8s.aws/instance-size', operator: 'NotIn', values: excludedSizes });
  if (spec.capacityType === 'spot') {
    // Karpenter would skip these for want of a spot offering, but only if its view of offerings is right;
    // naming them keeps the NodePool exact on its own. NotIn rather than In so that a new type in a
    // template family is admitted, as the family requirement intends.
    const allowed = new Set(allowedInstanceTypes(spec, catalogTypes).map((t) => t.name));
    const neverSpot = allowedInstanceTypes({ ...spec, capacityType: 'on-demand' }, catalogTypes)
      .filter((t) => !allowed.has(t.name))
      .map((t) => t.name);
    if (neverSpot.length > 0)
      requirements.push({ key: 'node.kubernetes.io/instance-type', operator: 'NotIn', values: neverSpot });
  }
  return requirements;
}

function blockDeviceMappings(spec: NodeTemplateSpec): Record<string, unknown>[] {
  const { disk } = spec;
  if (disk.type === 'ephemeral') {
    // The template's size is what pods expect of the instance store; the catalog does not record local
    // NVMe sizes, so it is not turned into an `instance-local-nvme` requirement (that would also make the
    // NodePool admit fewer types than the template allows).
    // RAID0 puts kubelet and containerd on the instance store, so the EBS root only holds the OS.
    return [
      {
        deviceName: '/dev/xvda',
        ebs: {
          volumeSize: `${ephemeralRootVolumeGiB}Gi`,
          volumeType: 'gp3',
          encrypted: true,
          deleteOnTermination: true,
        },
      },
    ];
  }
  if (disk.type === 'io1' && disk.iops === undefined)
    throw new ValidationError('An io1 disk needs its provisioned IOPS.');
  return [
    {
      deviceName: '/dev/xvda',
      ebs: {
        volumeSize: `${disk.sizeGiB}Gi`,
        volumeType: disk.type,
        // Only io1 takes the template's IOPS: gp2 has none to set, and gp3's range differs from io1's.
        ...(disk.type === 'io1' ? { iops: disk.iops } : {}),
        encrypted: true,
        deleteOnTermination: true,
      },
    },
  ];
}

export function renderKarpenter(
  template: RenderableTemplate,
  options: KarpenterRenderOptions,
): KarpenterManifests {
  const clusterName = options.clusterName.trim();
  if (clusterName === '') throw new ValidationError('Give the cluster name the subnets are tagged with.');
  const name = templateObjectName(template);
  // Fresh objects for every place they appear, so that a caller editing one manifest never edits the other.
  const labels = (): Record<string, string> =>
    isLabelValue(template.id) ? { [templateIdKey]: template.id } : {};
  const annotations = () => ({ [templateIdKey]: template.id, [templateNameKey]: template.name });
  const metadata = () => ({ name, labels: labels(), annotations: annotations() });
  const discovery = () => [{ tags: { 'karpenter.sh/discovery': clusterName } }];
  const { spec } = template;

  const nodePool: KarpenterObject = {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: metadata(),
    spec: {
      template: {
        metadata: { labels: labels(), annotations: annotations() },
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name },
          requirements: karpenterRequirements(spec, options.catalogTypes),
        },
      },
    },
  };
  const ec2NodeClass: KarpenterObject = {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: metadata(),
    spec: {
      role: options.nodeRole ?? `KarpenterNodeRole-${clusterName}`,
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: discovery(),
      securityGroupSelectorTerms:
        spec.securityGroupIds.length > 0 ? spec.securityGroupIds.map((id) => ({ id })) : discovery(),
      blockDeviceMappings: blockDeviceMappings(spec),
      ...(spec.disk.type === 'ephemeral' ? { instanceStorePolicy: 'RAID0' } : {}),
      tags: { [templateIdKey]: template.id },
    },
  };
  return { nodePool, ec2NodeClass };
}

/**
 * Objects as one multi-document YAML string. Key order is the objects' own (the renderers build them in
 * a fixed order) and lines are never folded, so the same input always gives the same bytes.
 */
export function toYaml(objects: readonly object[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}
