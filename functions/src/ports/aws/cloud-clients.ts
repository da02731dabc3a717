import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { PricingClient } from '@aws-sdk/client-pricing';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { type CallTimeouts, customerCallTimeouts, requestHandlerOptions } from './cloud-timeouts';

/** A map that keeps the `capacity` most recently used entries and hands evicted values to `onEvict`. */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    private readonly capacity: number,
    private readonly onEvict: (value: V) => void = () => {},
  ) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      const evicted = this.entries.get(oldest.value);
      this.entries.delete(oldest.value);
      if (evicted !== undefined) this.onEvict(evicted);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** What the SDK clients accept as credentials: fixed keys, or a provider it calls when they near expiry. */
export type ClientCredentials =
  | { accessKeyId: string; secretAccessKey: string }
  | (() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }>);

/**
 * The SDK clients for one set of customer credentials in one region, built on first use. `maxAttempts: 1`
 * leaves retries to the adapter's own policy (see `cloud-retry.ts`); every call has the time limits of
 * `cloud-timeouts.ts`, so a customer endpoint that never answers cannot hang a request.
 */
export class RegionClients {
  private ec2Client?: EC2Client;
  private autoScalingClient?: AutoScalingClient;
  private eksClient?: EKSClient;
  private cloudWatchClient?: CloudWatchClient;
  private cloudTrailClient?: CloudTrailClient;
  private stsClient?: STSClient;
  private pricingClient?: PricingClient;
  private s3Client?: S3Client;

  constructor(
    readonly region: string,
    private readonly credentials: ClientCredentials,
    private readonly timeouts: CallTimeouts = customerCallTimeouts,
  ) {}

  private get config() {
    return {
      region: this.region,
      credentials: this.credentials,
      maxAttempts: 1,
      requestHandler: requestHandlerOptions(this.timeouts),
    };
  }

  get ec2(): EC2Client {
    this.ec2Client ??= new EC2Client(this.config);
    return this.ec2Client;
  }

  get autoScaling(): AutoScalingClient {
    this.autoScalingClient ??= new AutoScalingClient(this.config);
    return this.autoScalingClient;
  }

  get eks(): EKSClient {
    this.eksClient ??= new EKSClient(this.config);
    return this.eksClient;
  }

  get cloudWatch(): CloudWatchClient {
    this.cloudWatchClient ??= new CloudWatchClient(this.config);
    return this.cloudWatchClient;
  }

  get cloudTrail(): CloudTrailClient {
    this.cloudTrailClient ??= new CloudTrailClient(this.config);
    return this.cloudTrailClient;
  }

  get s3(): S3Client {
    this.s3Client ??= new S3Client(this.config);
    return this.s3Client;
  }

  get sts(): STSClient {
    this.stsClient ??= new STSClient(this.config);
    return this.stsClient;
  }

  /** The Pricing API answers in a few regions only; the adapter asks for this region's clients in us-east-1. */
  get pricing(): PricingClient {
    this.pricingClient ??= new PricingClient(this.config);
    return this.pricingClient;
  }

  destroy(): void {
    for (const client of [
      this.ec2Client,
      this.autoScalingClient,
      this.eksClient,
      this.cloudWatchClient,
      this.cloudTrailClient,
      this.stsClient,
      this.pricingClient,
      this.s3Client,
    ]) {
      client?.destroy();
    }
  }
}
