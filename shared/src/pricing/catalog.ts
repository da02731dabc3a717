/**
 * The vendored EC2 catalog (`shared/data/catalog.json`, built by `scripts/vendor-data.ts`): instance
 * specs, EKS max pods, on-demand prices where published (us-east-1 and GovCloud only) and spot advisor
 * figures. The JSON is imported, so the same code runs in Node, in Lambda bundles and in Vite.
 */
import catalogJson from '../../data/catalog.json' with { type: 'json' };
import type { CatalogFile, CatalogInstanceType, CatalogMetadata } from './catalog-types';
import { UnknownInstanceTypeError } from './errors';
import type { PriceOrigin, PriceQuote, PriceSource, SpotPriceQuote } from './price-source';

/** A catalog file with name lookup and dated price quotes; a `PriceSource` itself. */
export class Catalog implements PriceSource {
  readonly metadata: CatalogMetadata;
  readonly instanceTypes: readonly CatalogInstanceType[];
  private readonly byName: ReadonlyMap<string, CatalogInstanceType>;
  private readonly onDemandOrigin: PriceOrigin;
  private readonly spotOrigin: PriceOrigin;

  constructor(file: CatalogFile) {
    this.metadata = file.metadata;
    this.instanceTypes = file.instanceTypes;
    this.byName = new Map(file.instanceTypes.map((t) => [t.name, t]));
    const source = (id: string) => file.metadata.sources.find((s) => s.id === id);
    const onDemand = source(file.metadata.sourceIds.onDemand);
    const spot = source(file.metadata.sourceIds.spotAdvisor);
    this.onDemandOrigin = {
      kind: 'catalog',
      id: file.metadata.sourceIds.onDemand,
      description: `On-demand Linux price from ${onDemand?.repo ?? 'the catalog'} (AWS Pricing API table, commit ${onDemand?.commit ?? '?'})`,
    };
    this.spotOrigin = {
      kind: 'estimate',
      id: file.metadata.sourceIds.spotAdvisor,
      description: `Spot estimate: catalog on-demand price x (1 - savings %) from the AWS Spot Instance Advisor (snapshot ${spot?.asOf ?? '?'})`,
    };
  }

  /** The instance type, or undefined when the catalog does not know it. */
  instanceType(name: string): CatalogInstanceType | undefined {
    return this.byName.get(name);
  }

  /** The instance type; throws `UnknownInstanceTypeError` when the catalog does not know it. */
  requireInstanceType(name: string): CatalogInstanceType {
    const type = this.byName.get(name);
    if (!type) throw new UnknownInstanceTypeError(name);
    return type;
  }

  /**
   * On-demand Linux price in USD per hour, from the catalog's dated table. Undefined means unknown: the
   * catalog only has us-east-1 and GovCloud prices, and never answers another region with them.
   */
  onDemandHourlyUsd(type: string | CatalogInstanceType, region: string): PriceQuote | undefined {
    const entry = typeof type === 'string' ? this.byName.get(type) : type;
    const hourlyUsd = entry?.onDemandHourlyUsd[region];
    if (hourlyUsd === undefined) return undefined;
    return {
      hourlyUsd,
      source: this.onDemandOrigin,
      asOf: this.metadata.onDemandAsOf[region] ?? this.metadata.generatedAt,
    };
  }

  /**
   * Spot price estimate in USD per hour: `onDemandHourlyUsd x (1 - savingsPct / 100)`.
   *
   * The advisor publishes one whole-percent savings figure per type and region (trailing 30 days); the
   * true saving lies within +-0.5 points of it, and the estimate takes that interval's mid-point, i.e.
   * the figure itself. Undefined when the type is not sold as spot, the advisor has no figure for the
   * region, or the region's on-demand price is unknown (a spot estimate is never built on another
   * region's price). `asOf` is the older of the two inputs' dates.
   */
  spotHourlyEstimateUsd(type: string | CatalogInstanceType, region: string): SpotPriceQuote | undefined {
    const entry = typeof type === 'string' ? this.byName.get(type) : type;
    if (!entry?.spotSupported) return undefined;
    const advice = entry.spot[region];
    const onDemand = this.onDemandHourlyUsd(entry, region);
    if (!advice || !onDemand) return undefined;
    const [savingsPct, interruptionBucket] = advice;
    const spotAsOf = this.metadata.sources.find((s) => s.id === this.spotOrigin.id)?.asOf ?? '';
    return {
      hourlyUsd: roundUsd(onDemand.hourlyUsd * (1 - savingsPct / 100)),
      source: this.spotOrigin,
      asOf: olderDate(spotAsOf, onDemand.asOf),
      interruptionBucket,
    };
  }

  /** `PriceSource` view: spot prices from the catalog are advisor estimates. */
  spotHourlyUsd(instanceType: string, region: string): SpotPriceQuote | undefined {
    return this.spotHourlyEstimateUsd(instanceType, region);
  }

  /** Label of an interruption bucket, e.g. `5-10%`. */
  interruptionLabel(bucket: number): string | undefined {
    return this.metadata.interruptionBuckets.find((b) => b.index === bucket)?.label;
  }
}

/** The earlier of two ISO 8601 dates (string order is date order for ISO 8601). */
const olderDate = (a: string, b: string): string => [a, b].sort()[0] ?? a;

/** Prices are kept to 1e-6 USD (Karpenter's tables have up to 6 decimals). */
const roundUsd = (usd: number): number => Math.round(usd * 1e6) / 1e6;

let defaultCatalog: Catalog | undefined;

/** The vendored catalog, parsed once. */
export function loadCatalog(): Catalog {
  defaultCatalog ??= new Catalog(catalogJson as unknown as CatalogFile);
  return defaultCatalog;
}

/** `loadCatalog().instanceType(name)`. */
export const instanceType = (name: string): CatalogInstanceType | undefined =>
  loadCatalog().instanceType(name);

/** `loadCatalog().onDemandHourlyUsd(type, region)`: USD/h with source and date, undefined = unknown. */
export const onDemandHourlyUsd = (
  type: string | CatalogInstanceType,
  region: string,
): PriceQuote | undefined => loadCatalog().onDemandHourlyUsd(type, region);

/** `loadCatalog().spotHourlyEstimateUsd(type, region)`: on-demand x (1 - advisor savings %), USD/h. */
export const spotHourlyEstimateUsd = (
  type: string | CatalogInstanceType,
  region: string,
): SpotPriceQuote | undefined => loadCatalog().spotHourlyEstimateUsd(type, region);

/** Constraints a cluster puts on instance types (Karpenter NodePool requirements, node group lists). */
export interface InstanceTypeFilter {
  /** Exact family names, e.g. `m5`, `c7g`. */
  readonly families?: readonly string[];
  readonly excludeFamilies?: readonly string[];
  /** Family category letters as Karpenter's `instance-category`: `c`, `m`, `r`, `t`, `g` ... */
  readonly categories?: readonly string[];
  /** EC2 (`x86_64`, `arm64`) or Kubernetes (`amd64`, `arm64`) names. */
  readonly architectures?: readonly string[];
  /** Exact sizes, e.g. `large`, `2xlarge`, `metal`. */
  readonly sizes?: readonly string[];
  readonly excludeSizes?: readonly string[];
  readonly names?: readonly string[];
  readonly minVcpu?: number;
  readonly maxVcpu?: number;
  readonly minMemoryMiB?: number;
  readonly maxMemoryMiB?: number;
  /** `require`: only GPU types; `exclude`: no GPU types; default: both. */
  readonly gpu?: 'require' | 'exclude';
  readonly currentGenerationOnly?: boolean;
  readonly excludeBurstable?: boolean;
  readonly excludeBareMetal?: boolean;
  /** Keep only types with a known on-demand price in this region. */
  readonly pricedInRegion?: string;
  /** Keep only types EC2 sells as spot (`SupportedUsageClasses` has `spot`). */
  readonly spotSupportedOnly?: boolean;
}

/** Kubernetes `kubernetes.io/arch` value of an EC2 architecture name. */
export const kubernetesArchitecture = (ec2Architecture: string): string =>
  ec2Architecture === 'x86_64' ? 'amd64' : ec2Architecture;

/** Karpenter's `karpenter.k8s.aws/instance-category`: the family's leading letters (`m`, `c`, `inf`). */
export const instanceCategory = (family: string): string => /^[a-z]+/.exec(family)?.[0] ?? family;

/** The types that meet every constraint of the filter, in catalog order. */
export function filterInstanceTypes(
  types: readonly CatalogInstanceType[],
  filter: InstanceTypeFilter,
): CatalogInstanceType[] {
  const archs = filter.architectures?.map((a) => (a === 'amd64' ? 'x86_64' : a));
  const inList = (list: readonly string[] | undefined, value: string) => !list || list.includes(value);
  return types.filter(
    (t) =>
      inList(filter.families, t.family) &&
      !filter.excludeFamilies?.includes(t.family) &&
      inList(filter.categories, instanceCategory(t.family)) &&
      (!archs || t.architectures.some((a) => archs.includes(a))) &&
      inList(filter.sizes, t.size) &&
      !filter.excludeSizes?.includes(t.size) &&
      inList(filter.names, t.name) &&
      t.vcpu >= (filter.minVcpu ?? 0) &&
      t.vcpu <= (filter.maxVcpu ?? Number.POSITIVE_INFINITY) &&
      t.memoryMiB >= (filter.minMemoryMiB ?? 0) &&
      t.memoryMiB <= (filter.maxMemoryMiB ?? Number.POSITIVE_INFINITY) &&
      (filter.gpu !== 'require' || t.gpu !== undefined) &&
      (filter.gpu !== 'exclude' || t.gpu === undefined) &&
      (!filter.currentGenerationOnly || t.currentGeneration) &&
      (!filter.excludeBurstable || !t.burstable) &&
      (!filter.excludeBareMetal || !t.bareMetal) &&
      (filter.pricedInRegion === undefined || t.onDemandHourlyUsd[filter.pricedInRegion] !== undefined) &&
      (!filter.spotSupportedOnly || t.spotSupported),
  );
}
