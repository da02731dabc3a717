import { randomUUID } from 'node:crypto';
import {
  DescribeScalingActivitiesCommand,
  paginateDescribeAutoScalingGroups,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { type Event as CloudTrailEvent, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { type MetricDataQuery, paginateGetMetricData } from '@aws-sdk/client-cloudwatch';
import {
  type _InstanceType,
  DescribeRegionsCommand,
  paginateDescribeInstances,
  paginateDescribeInstanceTypes,
  paginateDescribeSecurityGroups,
  paginateDescribeSpotPriceHistory,
} from '@aws-sdk/client-ec2';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  paginateListClusters,
  paginateListNodegroups,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { paginateGetProducts } from '@aws-sdk/client-pricing';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CloudAccessError, ValidationError } from '@spot/shared';
import type {
  AutoScalingGroup,
  CloudTarget,
  CustomerCloudPort,
  DistributionUpdate,
  Ec2Instance,
  EksCluster,
  EksNodegroup,
  InstanceLaunchLookup,
  InstanceTermination,
  InstanceTypeInfo,
  MetricQuery,
  MetricSeries,
  PermissionCheck,
  ScalingActivity,
  SecurityGroup,
  SpotPricePoint,
} from '../cloud';
import { maxInstanceLaunchLookups } from '../cloud';
import { BoundedCache, RegionClients } from './cloud-clients';
import { credentialIdentity, RoleCredentialCache } from './cloud-credentials';
import {
  awsErrorCode,
  awsMessage,
  type CallContext,
  isAccessDenied,
  isThrottling,
  missingPermissionMessage,
  toDomainError,
} from './cloud-errors';
import {
  parseOnDemandPrice,
  toAutoScalingGroup,
  toEc2Instance,
  toEksCluster,
  toEksNodegroup,
  toInstanceTypeInfo,
  toSecurityGroup,
  toSpotPricePoint,
} from './cloud-mappers';
import { permissionProbes } from './cloud-permissions';
import { chunk, defaultRetryOptions, mapWithConcurrency, Retrier, type RetryOptions } from './cloud-retry';
import { type CallTimeouts, customerCallTimeouts, requestHandlerOptions } from './cloud-timeouts';

export { forEachRegion } from './cloud-regions';

/**
 * The platform's own STS client, configured once: it assumes customer roles with the Lambda's execution
 * role. Customer calls use per-target clients (see `RegionClients`).
 */
const platformSts = new STSClient({ maxAttempts: 1, requestHandler: requestHandlerOptions() });

/** The Pricing API answers in us-east-1 (and two other regions); prices for every region come from there. */
export const pricingRegion = 'us-east-1';

const maxInstanceTypesPerCall = 100;
const maxMetricQueriesPerCall = 500;
/** CloudWatch query ids: a lowercase letter, then letters, digits and underscores. */
const metricQueryIdPattern = /^[a-z][a-zA-Z0-9_]*$/;

/** Credential failures make every other check meaningless: they are thrown, not reported per action. */
const fatalCheckCodes = new Set([
  'INVALID_CREDENTIALS',
  'EXPIRED_CREDENTIALS',
  'TRUST_POLICY',
  'REGION_DISABLED',
]);

const cloudWatchStatistic: Record<MetricQuery['stat'], string> = {
  Average: 'Average',
  Maximum: 'Maximum',
  Minimum: 'Minimum',
  Sum: 'Sum',
  p95: 'p95',
  p99: 'p99',
};

export interface AwsCustomerCloudOptions {
  /** Decides when cached role credentials are refreshed; the system clock by default. */
  clock?: { now(): Date };
  /** Attempts, backoff and the `sleep` between attempts (tests pass one that does not wait). */
  retry?: Partial<RetryOptions>;
  /** The STS client that assumes customer roles; the module's client by default. */
  sts?: STSClient;
  /** Lifetime of assumed-role sessions, 900-3600 s. */
  sessionDurationSeconds?: number;
  /** Calls in flight at once for fan-outs within one target (describe per cluster, permission checks). */
  concurrency?: number;
  /** SDK client sets kept in memory, one per (region, credentials). */
  maxCachedClientSets?: number;
  /** Time limits of each customer call ({@link customerCallTimeouts} by default). */
  timeouts?: CallTimeouts;
}

/**
 * The customer's AWS account through SDK v3: STS AssumeRole with the External ID (or the stored access
 * keys), every list call paginated, throttling retried with backoff, errors turned into messages that
 * name the missing permission or the trust problem and never contain a credential.
 */
export class AwsCustomerCloud implements CustomerCloudPort {
  private readonly clock: { now(): Date };
  private readonly retrier: Retrier;
  private readonly roles: RoleCredentialCache;
  private readonly clientSets: BoundedCache<string, RegionClients>;
  private readonly concurrency: number;
  private readonly timeouts: CallTimeouts;

  constructor(options: AwsCustomerCloudOptions = {}) {
    this.timeouts = options.timeouts ?? customerCallTimeouts;
    this.clock = options.clock ?? { now: () => new Date() };
    this.retrier = new Retrier({ ...defaultRetryOptions, ...options.retry });
    const sessionDurationSeconds = Math.min(3600, Math.max(900, options.sessionDurationSeconds ?? 3600));
    this.roles = new RoleCredentialCache(
      options.sts ?? platformSts,
      this.clock,
      this.retrier,
      sessionDurationSeconds,
    );
    this.clientSets = new BoundedCache(options.maxCachedClientSets ?? 64, (clients) => clients.destroy());
    this.concurrency = options.concurrency ?? 4;
  }

  async identify(target: CloudTarget): Promise<{ awsAccountId: string; arn: string }> {
    // Verification must prove the role can be assumed now, so it never relies on cached credentials.
    const clients = await this.clientsFor(target, { freshRole: true });
    const out = await this.send(target, clients, 'sts:GetCallerIdentity', (c) =>
      c.sts.send(new GetCallerIdentityCommand({})),
    );
    if (!out.Account || !out.Arn) {
      throw new CloudAccessError(
        'UNREACHABLE',
        'STS did not say which account the credentials belong to. Verify the connection again in a few minutes.',
        'sts:GetCallerIdentity',
      );
    }
    return { awsAccountId: out.Account, arn: out.Arn };
  }

  async checkPermissions(target: CloudTarget, actions: readonly string[]): Promise<PermissionCheck[]> {
    const clients = {
      regional: await this.clientsFor(target),
      pricing: await this.clientsFor({ ...target, region: pricingRegion }),
    };
    const now = this.clock.now();
    return mapWithConcurrency(actions, this.concurrency, async (action): Promise<PermissionCheck> => {
      const probe = permissionProbes[action];
      if (!probe) {
        return {
          action,
          allowed: false,
          reason: `Spot Optimizer has no check for ${action}, so it cannot tell whether the credentials allow it.`,
        };
      }
      try {
        await this.retrier.run(() => probe.call(clients, now));
        return { action, allowed: true };
      } catch (error) {
        const code = awsErrorCode(error);
        if (probe.authorizedCodes?.includes(code)) return { action, allowed: true };
        if (isAccessDenied(error)) {
          const detail = awsMessage(error, this.context(target, action));
          const reason = `${missingPermissionMessage(action, target.credentials)} (AWS: ${code}${detail ? `: ${detail}` : ''})`;
          return { action, allowed: false, reason };
        }
        const mapped = this.toError(error, target, action);
        if (mapped instanceof CloudAccessError && fatalCheckCodes.has(mapped.cloudCode)) throw mapped;
        return { action, allowed: false, reason: `Could not check ${action}: ${mapped.message}` };
      }
    });
  }

  async listRegions(target: CloudTarget): Promise<string[]> {
    const clients = await this.clientsFor(target);
    const out = await this.send(target, clients, 'ec2:DescribeRegions', (c) =>
      c.ec2.send(new DescribeRegionsCommand({ AllRegions: false })),
    );
    return (out.Regions ?? []).flatMap((region) => (region.RegionName ? [region.RegionName] : [])).sort();
  }

  async describeInstances(target: CloudTarget): Promise<Ec2Instance[]> {
    const pages = await this.pages(
      target,
      'ec2:DescribeInstances',
      (c, startingToken) => paginateDescribeInstances({ client: c.ec2, startingToken }, { MaxResults: 1000 }),
      (page) => page.NextToken,
    );
    return pages.flatMap((page) =>
      (page.Reservations ?? []).flatMap((reservation) =>
        present((reservation.Instances ?? []).map(toEc2Instance)),
      ),
    );
  }

  async describeAutoScalingGroups(target: CloudTarget): Promise<AutoScalingGroup[]> {
    const pages = await this.pages(
      target,
      'autoscaling:DescribeAutoScalingGroups',
      (c, startingToken) =>
        paginateDescribeAutoScalingGroups({ client: c.autoScaling, startingToken }, { MaxRecords: 100 }),
      (page) => page.NextToken,
    );
    return pages.flatMap((page) => present((page.AutoScalingGroups ?? []).map(toAutoScalingGroup)));
  }

  async listEksClusters(target: CloudTarget): Promise<EksCluster[]> {
    const pages = await this.pages(
      target,
      'eks:ListClusters',
      (c, startingToken) => paginateListClusters({ client: c.eks, startingToken }, { maxResults: 100 }),
      (page) => page.nextToken,
    );
    const names = pages.flatMap((page) => page.clusters ?? []);
    const clients = await this.clientsFor(target);
    const clusters = await mapWithConcurrency(names, this.concurrency, async (name) => {
      const out = await this.send(target, clients, 'eks:DescribeCluster', (c) =>
        notFoundAsUndefined(c.eks.send(new DescribeClusterCommand({ name }))),
      );
      // A cluster deleted between the list and the describe is simply gone.
      return out?.cluster ? toEksCluster(out.cluster) : null;
    });
    return present(clusters);
  }

  async listNodegroups(target: CloudTarget, clusterName: string): Promise<EksNodegroup[]> {
    const pages = await this.pages(
      target,
      'eks:ListNodegroups',
      (c, startingToken) =>
        paginateListNodegroups({ client: c.eks, startingToken }, { clusterName, maxResults: 100 }),
      (page) => page.nextToken,
    );
    const names = pages.flatMap((page) => page.nodegroups ?? []);
    const clients = await this.clientsFor(target);
    const nodegroups = await mapWithConcurrency(names, this.concurrency, async (nodegroupName) => {
      const out = await this.send(target, clients, 'eks:DescribeNodegroup', (c) =>
        notFoundAsUndefined(c.eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName }))),
      );
      return out?.nodegroup ? toEksNodegroup(clusterName, out.nodegroup) : null;
    });
    return present(nodegroups);
  }

  async describeInstanceTypes(
    target: CloudTarget,
    instanceTypes: readonly string[],
  ): Promise<InstanceTypeInfo[]> {
    const batches = chunk([...new Set(instanceTypes)], maxInstanceTypesPerCall);
    // A filter, not `InstanceTypes`: an unknown name is then just absent instead of failing its batch.
    const results = await mapWithConcurrency(batches, this.concurrency, async (batch) => {
      const pages = await this.pages(
        target,
        'ec2:DescribeInstanceTypes',
        (c, startingToken) =>
          paginateDescribeInstanceTypes(
            { client: c.ec2, startingToken },
            { Filters: [{ Name: 'instance-type', Values: batch }], MaxResults: 100 },
          ),
        (page) => page.NextToken,
      );
      return pages.flatMap((page) => present((page.InstanceTypes ?? []).map(toInstanceTypeInfo)));
    });
    return results.flat();
  }

  async spotPriceHistory(
    target: CloudTarget,
    instanceTypes: readonly string[],
    since: Date,
  ): Promise<SpotPricePoint[]> {
    const batches = chunk([...new Set(instanceTypes)], maxInstanceTypesPerCall);
    const until = this.clock.now();
    const results = await mapWithConcurrency(batches, this.concurrency, async (batch) => {
      const pages = await this.pages(
        target,
        'ec2:DescribeSpotPriceHistory',
        (c, startingToken) =>
          paginateDescribeSpotPriceHistory(
            { client: c.ec2, startingToken },
            {
              // The SDK types the names as a closed union; AWS adds types faster than the SDK lists them.
              InstanceTypes: batch as _InstanceType[],
              ProductDescriptions: ['Linux/UNIX'],
              StartTime: since,
              EndTime: until,
              MaxResults: 1000,
            },
          ),
        (page) => page.NextToken,
      );
      return pages.flatMap((page) => present((page.SpotPriceHistory ?? []).map(toSpotPricePoint)));
    });
    return results.flat();
  }

  async onDemandPrices(
    target: CloudTarget,
    instanceTypes: readonly string[],
  ): Promise<Record<string, number>> {
    const pricingTarget = { ...target, region: pricingRegion };
    const prices = await mapWithConcurrency(
      [...new Set(instanceTypes)],
      this.concurrency,
      async (instanceType) => {
        const pages = await this.pages(
          pricingTarget,
          'pricing:GetProducts',
          (c, startingToken) =>
            paginateGetProducts(
              { client: c.pricing, startingToken },
              {
                ServiceCode: 'AmazonEC2',
                MaxResults: 100,
                Filters: [
                  { Type: 'TERM_MATCH', Field: 'regionCode', Value: target.region },
                  { Type: 'TERM_MATCH', Field: 'instanceType', Value: instanceType },
                  { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
                  { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
                  { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
                  { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
                ],
              },
            ),
          (page) => page.NextToken,
        );
        const entries: unknown[] = pages.flatMap((page) => [...(page.PriceList ?? [])]);
        for (const entry of entries) {
          const price = parseOnDemandPrice(entry);
          if (price?.instanceType === instanceType) return [instanceType, price.priceUsdPerHour] as const;
        }
        return null;
      },
    );
    return Object.fromEntries(present(prices));
  }

  async getMetricData(
    target: CloudTarget,
    queries: readonly MetricQuery[],
    from: Date,
    to: Date,
  ): Promise<MetricSeries[]> {
    validateMetricQueries(queries, from, to);
    const points = new Map<string, { timestamp: string; value: number }[]>(
      queries.map((query) => [query.id, []]),
    );
    for (const batch of chunk(queries, maxMetricQueriesPerCall)) {
      const pages = await this.pages(
        target,
        'cloudwatch:GetMetricData',
        (c, startingToken) =>
          paginateGetMetricData(
            { client: c.cloudWatch, startingToken },
            {
              MetricDataQueries: batch.map(toMetricDataQuery),
              StartTime: from,
              EndTime: to,
              ScanBy: 'TimestampAscending',
            },
          ),
        (page) => page.NextToken,
      );
      for (const result of pages.flatMap((page) => page.MetricDataResults ?? [])) {
        const series = result.Id ? points.get(result.Id) : undefined;
        if (!series) continue;
        const timestamps = result.Timestamps ?? [];
        const values = result.Values ?? [];
        timestamps.forEach((timestamp, index) => {
          const value = values[index];
          if (value !== undefined) series.push({ timestamp: timestamp.toISOString(), value });
        });
      }
    }
    return queries.map((query) => ({
      id: query.id,
      points: (points.get(query.id) ?? []).sort((a, b) => a.timestamp.localeCompare(b.timestamp)),
    }));
  }

  async describeSecurityGroups(target: CloudTarget): Promise<SecurityGroup[]> {
    const pages = await this.pages(
      target,
      'ec2:DescribeSecurityGroups',
      (c, startingToken) =>
        paginateDescribeSecurityGroups({ client: c.ec2, startingToken }, { MaxResults: 1000 }),
      (page) => page.NextToken,
    );
    return pages.flatMap((page) => present((page.SecurityGroups ?? []).map(toSecurityGroup)));
  }

  async lookupInstanceLaunches(
    target: CloudTarget,
    instanceIds: readonly string[],
  ): Promise<Record<string, InstanceLaunchLookup>> {
    const action = 'cloudtrail:LookupEvents';
    const ids = [...new Set(instanceIds)];
    const out: Record<string, InstanceLaunchLookup> = {};
    for (const id of ids.slice(maxInstanceLaunchLookups))
      out[id] = {
        outcome: 'unknown',
        reason: 'not-looked-up',
        message: `not looked up: CloudTrail is asked about ${maxInstanceLaunchLookups} instances at most per read`,
      };
    if (ids.length === 0) return out;
    const clients = await this.clientsFor(target);
    // Once CloudTrail refuses (no permission) or keeps throttling, the other ids would be refused too.
    let stop: InstanceLaunchLookup | undefined;
    // One at a time: LookupEvents allows about 2 calls per second per account and region.
    for (const instanceId of ids.slice(0, maxInstanceLaunchLookups)) {
      if (stop) {
        out[instanceId] = stop;
        continue;
      }
      try {
        out[instanceId] = await this.launchOf(clients, instanceId);
      } catch (error) {
        if (isAccessDenied(error))
          stop = { outcome: 'unknown', reason: 'access-denied', message: `${action} not allowed` };
        else if (isThrottling(error))
          stop = {
            outcome: 'unknown',
            reason: 'throttled',
            message: 'CloudTrail throttled the lookup (about 2 per second); reload in a minute',
          };
        else throw this.toError(error, target, action);
        out[instanceId] = stop;
      }
    }
    return out;
  }

  /** The instance's RunInstances event: the oldest event naming it, so a few pages back at most. */
  private async launchOf(clients: RegionClients, instanceId: string): Promise<InstanceLaunchLookup> {
    let nextToken: string | undefined;
    for (let page = 0; page < maxLaunchLookupPages; page++) {
      const answer = await this.retrier.run(() =>
        clients.cloudTrail.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: instanceId }],
            MaxResults: 50,
            NextToken: nextToken,
          }),
        ),
      );
      const run = (answer.Events ?? []).find((e) => e.EventName === 'RunInstances');
      if (run?.EventTime) {
        const principal = principalOf(run);
        if (principal) return { outcome: 'found', principal, eventTime: run.EventTime.toISOString() };
      }
      nextToken = answer.NextToken;
      if (!nextToken) break;
    }
    return { outcome: 'not-found' };
  }

  async putObject(
    target: CloudTarget,
    object: { bucket: string; key: string; body: string; contentType: string },
  ): Promise<void> {
    const clients = await this.clientsFor(target);
    // The same key and body again after a throttled attempt: an overwrite with identical content.
    await this.send(target, clients, 's3:PutObject', (c) =>
      c.s3.send(
        new PutObjectCommand({
          Bucket: object.bucket,
          Key: object.key,
          Body: object.body,
          ContentType: object.contentType,
          // The bucket owner's default encryption applies; SSE-S3 at least when it has none.
          ServerSideEncryption: 'AES256',
        }),
      ),
    );
  }

  async updateAutoScalingGroup(
    target: CloudTarget,
    update: { name: string; minSize: number; desiredCapacity: number; maxSize: number },
  ): Promise<void> {
    validateSizes(
      `Auto Scaling group ${update.name}`,
      update.minSize,
      update.desiredCapacity,
      update.maxSize,
    );
    const clients = await this.clientsFor(target);
    // Absolute sizes: a retry after throttling sets the same values again.
    await this.send(target, clients, 'autoscaling:UpdateAutoScalingGroup', (c) =>
      c.autoScaling.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: update.name,
          MinSize: update.minSize,
          DesiredCapacity: update.desiredCapacity,
          MaxSize: update.maxSize,
        }),
      ),
    );
  }

  async terminateInstanceInAutoScalingGroup(
    target: CloudTarget,
    request: { instanceId: string; decrementDesiredCapacity: boolean },
  ): Promise<InstanceTermination> {
    const action = 'autoscaling:TerminateInstanceInAutoScalingGroup';
    const clients = await this.clientsFor(target);
    try {
      // Retried on throttling only (nothing was done then). A retry after a lost answer finds the
      // instance already terminating: AWS's ValidationError, reported below as no longer in the group.
      const out = await this.retrier.run(() =>
        clients.autoScaling.send(
          new TerminateInstanceInAutoScalingGroupCommand({
            InstanceId: request.instanceId,
            ShouldDecrementDesiredCapacity: request.decrementDesiredCapacity,
          }),
        ),
      );
      return {
        outcome: 'terminating',
        activityId: out.Activity?.ActivityId ?? null,
        description: out.Activity?.Description ?? null,
      };
    } catch (error) {
      if (isAccessDenied(error)) {
        return {
          outcome: 'skipped',
          reason: 'access-denied',
          message: missingPermissionMessage(action, target.credentials),
        };
      }
      const message = error instanceof Error ? error.message : '';
      if (awsErrorCode(error) === 'ValidationError') {
        // AWS refuses a decrement below the group's minimum, and an instance it does not (or no longer) hold.
        if (/min(imum)?[ _]?size/i.test(message)) {
          return {
            outcome: 'skipped',
            reason: 'group-minimum',
            message: `The Auto Scaling group of ${request.instanceId} is at its minimum size: lower the minimum to let the optimizer remove it.`,
          };
        }
        return {
          outcome: 'skipped',
          reason: 'not-in-group',
          message: `${request.instanceId} is not (or no longer) an in-service instance of an Auto Scaling group: nothing was terminated.`,
        };
      }
      throw this.toError(error, target, action);
    }
  }

  async describeScalingActivities(
    target: CloudTarget,
    groupName: string,
    since: Date,
  ): Promise<ScalingActivity[]> {
    const out: ScalingActivity[] = [];
    const clients = await this.clientsFor(target);
    // Newest first: stop paging at the first activity older than `since` (a busy group keeps weeks).
    let nextToken: string | undefined;
    for (let page = 0; page < 20; page++) {
      const token = nextToken;
      const answer = await this.send(target, clients, 'autoscaling:DescribeScalingActivities', (c) =>
        c.autoScaling.send(
          new DescribeScalingActivitiesCommand({
            AutoScalingGroupName: groupName,
            MaxRecords: 100,
            NextToken: token,
          }),
        ),
      );
      for (const a of answer?.Activities ?? []) {
        const startTime = a.StartTime?.toISOString();
        if (!a.ActivityId || !startTime) continue;
        if (Date.parse(startTime) < since.getTime()) return out;
        out.push({
          activityId: a.ActivityId,
          statusCode: a.StatusCode ?? 'Unknown',
          statusMessage: a.StatusMessage ?? null,
          description: a.Description ?? null,
          startTime,
        });
      }
      nextToken = answer?.NextToken;
      if (!nextToken) break;
    }
    return out;
  }

  async updateOnDemandDistribution(
    target: CloudTarget,
    update: { name: string; onDemandBaseCapacity: number; onDemandPercentageAboveBase: number },
  ): Promise<DistributionUpdate> {
    const action = 'autoscaling:UpdateAutoScalingGroup';
    if (
      !Number.isInteger(update.onDemandBaseCapacity) ||
      update.onDemandBaseCapacity < 0 ||
      !Number.isInteger(update.onDemandPercentageAboveBase) ||
      update.onDemandPercentageAboveBase < 0 ||
      update.onDemandPercentageAboveBase > 100
    )
      throw new ValidationError(
        `Auto Scaling group ${update.name}: the on-demand base is a whole number of instances and the percentage above it a whole number from 0 to 100.`,
      );
    const clients = await this.clientsFor(target);
    try {
      // Absolute values: a retry after throttling sets the same distribution again. Only the
      // distribution is sent, so the group's launch template, overrides and spot strategy stay.
      await this.retrier.run(() =>
        clients.autoScaling.send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: update.name,
            MixedInstancesPolicy: {
              InstancesDistribution: {
                OnDemandBaseCapacity: update.onDemandBaseCapacity,
                OnDemandPercentageAboveBaseCapacity: update.onDemandPercentageAboveBase,
              },
            },
          }),
        ),
      );
      return { outcome: 'updated' };
    } catch (error) {
      if (isAccessDenied(error))
        return {
          outcome: 'skipped',
          reason: 'access-denied',
          message: missingPermissionMessage(action, target.credentials),
        };
      if (
        awsErrorCode(error) === 'ValidationError' &&
        /not found|no such/i.test(error instanceof Error ? error.message : '')
      )
        return {
          outcome: 'skipped',
          reason: 'not-found',
          message: `Auto Scaling group ${update.name} was not found (deleted since discovery): nothing was changed.`,
        };
      throw this.toError(error, target, action);
    }
  }

  async updateNodegroupScaling(
    target: CloudTarget,
    update: {
      clusterName: string;
      nodegroupName: string;
      minSize: number;
      desiredSize: number;
      maxSize: number;
    },
  ): Promise<void> {
    const what = `Node group ${update.nodegroupName} of cluster ${update.clusterName}`;
    validateSizes(what, update.minSize, update.desiredSize, update.maxSize);
    if (update.maxSize < 1) {
      throw new ValidationError(`${what}: EKS requires a maximum size of at least 1; keep max at 1 or more.`);
    }
    const clients = await this.clientsFor(target);
    // One token for every attempt, so a retried request cannot start a second update.
    const clientRequestToken = randomUUID();
    await this.send(target, clients, 'eks:UpdateNodegroupConfig', (c) =>
      c.eks.send(
        new UpdateNodegroupConfigCommand({
          clusterName: update.clusterName,
          nodegroupName: update.nodegroupName,
          scalingConfig: {
            minSize: update.minSize,
            desiredSize: update.desiredSize,
            maxSize: update.maxSize,
          },
          clientRequestToken,
        }),
      ),
    );
  }

  /**
   * The SDK clients of a target, built once per (region, credentials). For a role, its credentials are
   * resolved first so that a trust problem surfaces here, mapped; the clients then ask the cache for
   * them again whenever they near expiry.
   */
  private async clientsFor(
    target: CloudTarget,
    options: { freshRole?: boolean } = {},
  ): Promise<RegionClients> {
    const { credentials } = target;
    if (credentials.kind === 'role') await this.roles.resolve(credentials, { fresh: options.freshRole });
    const key = `${target.region}\n${credentialIdentity(credentials)}`;
    const existing = this.clientSets.get(key);
    if (existing) return existing;
    const built = new RegionClients(
      target.region,
      credentials.kind === 'role'
        ? () => this.roles.resolve(credentials)
        : { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
      this.timeouts,
    );
    this.clientSets.set(key, built);
    return built;
  }

  private context(target: CloudTarget, action: string): CallContext {
    const { credentials } = target;
    return {
      action,
      region: target.region,
      credentials,
      secrets: credentials.kind === 'role' ? this.roles.secretsOf(credentials) : [],
    };
  }

  private toError(error: unknown, target: CloudTarget, action: string): Error {
    const mapped = toDomainError(error, this.context(target, action));
    if (
      mapped instanceof CloudAccessError &&
      mapped.cloudCode === 'EXPIRED_CREDENTIALS' &&
      target.credentials.kind === 'role'
    ) {
      this.roles.invalidate(target.credentials);
    }
    return mapped;
  }

  /** One call with retries; failures become domain errors naming `action`. */
  private async send<R>(
    target: CloudTarget,
    clients: RegionClients,
    action: string,
    call: (clients: RegionClients) => Promise<R>,
  ): Promise<R> {
    try {
      return await this.retrier.run(() => call(clients));
    } catch (error) {
      throw this.toError(error, target, action);
    }
  }

  /** Every page of an SDK paginator, each page retried on its own; failures become domain errors. */
  private async pages<P>(
    target: CloudTarget,
    action: string,
    open: (clients: RegionClients, startingToken: string | undefined) => AsyncIterable<P>,
    nextToken: (page: P) => string | undefined,
  ): Promise<P[]> {
    const clients = await this.clientsFor(target);
    try {
      return await this.retrier.pages((startingToken) => open(clients, startingToken), nextToken);
    } catch (error) {
      throw this.toError(error, target, action);
    }
  }
}

/** Pages of one instance's events read before giving up on its RunInstances event (each is a call). */
const maxLaunchLookupPages = 3;

/**
 * Who made the call: `userIdentity.arn` of the event's record (a user, or an assumed role with its
 * session, as `arn:aws:sts::<id>:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling` for a group's
 * launch), else the service that invoked it, else the event's user name.
 */
function principalOf(event: CloudTrailEvent): string | null {
  try {
    const record = JSON.parse(event.CloudTrailEvent ?? '{}') as {
      userIdentity?: { arn?: unknown; invokedBy?: unknown };
    };
    const identity = record.userIdentity;
    if (typeof identity?.arn === 'string' && identity.arn !== '') return identity.arn;
    if (typeof identity?.invokedBy === 'string' && identity.invokedBy !== '') return identity.invokedBy;
  } catch {
    // An unreadable record still has the user name CloudTrail extracted.
  }
  return event.Username ?? null;
}

const present = <T>(items: readonly (T | null | undefined)[]): T[] =>
  items.filter((item): item is T => item !== null && item !== undefined);

async function notFoundAsUndefined<R>(call: Promise<R>): Promise<R | undefined> {
  try {
    return await call;
  } catch (error) {
    if (awsErrorCode(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function validateSizes(what: string, minSize: number, desiredSize: number, maxSize: number): void {
  const sizes = [minSize, desiredSize, maxSize];
  if (!sizes.every((size) => Number.isInteger(size) && size >= 0)) {
    throw new ValidationError(`${what}: sizes must be whole numbers of 0 or more.`, {
      minSize,
      desiredSize,
      maxSize,
    });
  }
  if (minSize > desiredSize || desiredSize > maxSize) {
    throw new ValidationError(`${what}: sizes must satisfy min ≤ desired ≤ max.`, {
      minSize,
      desiredSize,
      maxSize,
    });
  }
}

function validateMetricQueries(queries: readonly MetricQuery[], from: Date, to: Date): void {
  if (from.getTime() >= to.getTime()) {
    throw new ValidationError('The metric window must start before it ends.');
  }
  const seen = new Set<string>();
  for (const query of queries) {
    if (!metricQueryIdPattern.test(query.id)) {
      throw new ValidationError(
        `Metric query id "${query.id}" must start with a lowercase letter and hold only letters, digits and underscores.`,
      );
    }
    if (seen.has(query.id)) throw new ValidationError(`Metric query id "${query.id}" is used twice.`);
    seen.add(query.id);
  }
}

function toMetricDataQuery(query: MetricQuery): MetricDataQuery {
  return {
    Id: query.id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: query.namespace,
        MetricName: query.metricName,
        Dimensions: Object.entries(query.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: query.periodSeconds,
      Stat: cloudWatchStatistic[query.stat],
    },
  };
}
