/**
 * Shape of `shared/data/catalog.json`, written by `scripts/vendor-data.ts` from the reference data and
 * read by `loadCatalog()`. One row per EC2 instance type; prices keyed by region only where the source
 * has them (a missing region means "unknown", never "same as us-east-1").
 */

/** One upstream file the catalog was built from: where it lives, at which commit, under which licence. */
export interface CatalogSource {
  /** Stable id referenced by prices (`PriceQuote.source.id`). */
  readonly id: string;
  readonly description: string;
  /** `owner/name` on GitHub. */
  readonly repo: string;
  readonly paths: readonly string[];
  readonly commit: string;
  readonly license: string;
  /** Date (ISO 8601) the upstream data describes: generation time or snapshot date. */
  readonly asOf: string;
}

/** Spot Instance Advisor interruption bucket: share of spot capacity reclaimed in the trailing month. */
export interface InterruptionBucket {
  readonly index: number;
  /** AWS label, e.g. `<5%`, `5-10%`, `>20%`. */
  readonly label: string;
  /** Upper end of the bucket in percent, as published in the feed (`max`). */
  readonly maxPct: number;
}

export interface CatalogMetadata {
  readonly schemaVersion: 1;
  /** Latest `asOf` of the sources (not the clock), so regenerating from the same data is byte-identical. */
  readonly generatedAt: string;
  readonly sources: readonly CatalogSource[];
  /** Source id of each kind of figure. */
  readonly sourceIds: {
    readonly specs: string;
    readonly maxPods: string;
    readonly onDemand: string;
    readonly spotAdvisor: string;
  };
  /** `asOf` of each on-demand price region (Karpenter generates each region's table separately). */
  readonly onDemandAsOf: Readonly<Record<string, string>>;
  /** Regions present in the spot advisor feed (Linux). */
  readonly spotAdvisorRegions: readonly string[];
  readonly interruptionBuckets: readonly InterruptionBucket[];
  /** Free-text caveats carried to every consumer (regions without prices, excluded rows ...). */
  readonly notes: readonly string[];
}

/** How `maxPods` was obtained. */
export type MaxPodsSource =
  /** Listed in amazon-eks-ami `eni-max-pods.txt`. */
  | 'eks-eni-max-pods'
  /** Not listed: EKS's own fallback `ENIs x (IPv4 per ENI - 1) + 2` on the default network card. */
  | 'eni-formula';

export interface CatalogAccelerator {
  readonly count: number;
  /** e.g. `NVIDIA T4`, `AMD Radeon Pro V520`, `Inferentia2`. */
  readonly model: string;
  readonly memoryMiB?: number;
}

/** `[savings % vs on-demand, interruption bucket index]` from the spot advisor. */
export type SpotAdvisorEntry = readonly [savingsPct: number, interruptionBucket: number];

export interface CatalogInstanceType {
  readonly name: string;
  readonly family: string;
  readonly size: string;
  readonly vcpu: number;
  readonly memoryMiB: number;
  /** EC2 names: `x86_64`, `arm64`, `i386`, `x86_64_mac`, `arm64_mac`. */
  readonly architectures: readonly string[];
  readonly gpu?: CatalogAccelerator;
  /** Neuron (Inferentia/Trainium) or other inference accelerators; not GPUs. */
  readonly accelerator?: CatalogAccelerator;
  readonly burstable: boolean;
  readonly currentGeneration: boolean;
  readonly bareMetal: boolean;
  /** Whether EC2 sells this type as spot at all (`SupportedUsageClasses`). */
  readonly spotSupported: boolean;
  readonly maxPods: number;
  readonly maxPodsSource: MaxPodsSource;
  /** Network interfaces on the default network card, and IPv4 addresses per interface. */
  readonly enis: number;
  readonly ipv4PerEni: number;
  /** On-demand Linux USD per hour, by region; only regions with a published price. */
  readonly onDemandHourlyUsd: Readonly<Record<string, number>>;
  /** Spot advisor figures (Linux), by region. */
  readonly spot: Readonly<Record<string, SpotAdvisorEntry>>;
}

export interface CatalogFile {
  readonly metadata: CatalogMetadata;
  readonly instanceTypes: readonly CatalogInstanceType[];
}
