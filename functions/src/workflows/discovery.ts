import { retryTransient } from './retry';
import type { WorkflowDefinition } from './types';

/**
 * Discovery of one cloud account. The CDK workflows stack and the local runner both build the state
 * machine from `definition`, so they run the same states:
 *
 *   LoadAccount -> ListRegions -> DiscoverRegions (Map over regions, 8 at a time) -> PlanCollection
 *   -> CollectFirstCluster (the smallest cluster, alone) -> CollectClusters (the rest, largest first,
 *   4 at a time) -> CompleteDiscovery
 *
 * A region or a cluster that fails is caught inside its Map iteration and reported (`ok: false`); any
 * other failure goes to FailDiscovery, which marks the account `error` with the reason. The states pass
 * ids only: every task reads and writes DynamoDB itself, so the payload stays far below 256 KB. Each
 * step publishes the run's progress (`domain/discovery/progress.ts`), so the dashboard shows clusters
 * as each is collected; why the first cluster is collected alone: ADR 0033.
 */

/** Transient failures worth another attempt: throttling in the customer's account, Lambda hiccups. */
const transientRetry = retryTransient({ intervalSeconds: 2, maxAttempts: 3 });
const catchAll = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FailDiscovery' }];
const ids = { 'orgId.$': '$.orgId', 'accountId.$': '$.accountId' };
/**
 * Regions read at once. EC2, Auto Scaling and EKS limit request rates per account and region, so regions
 * read side by side do not eat into each other's limits; most enabled regions of an account are empty
 * (a few reads and one write each), and 8 at a time reads the 17 default ones in three rounds.
 */
const regionConcurrency = 8;
/** Clusters collected at once: kind to each region's EKS limits and to our table's write rate. */
const clusterConcurrency = 4;
/** The task functions' timeout (5 minutes): a region of thousands of instances or a large cluster. */
const longTaskSeconds = 300;
const shortTaskSeconds = 60;

/**
 * A Map over planned clusters (`{ clusterId, region }`): the task collects each, a failure is reported,
 * not fatal. State names are unique in the whole state machine (AWS refuses a repeated one, even in
 * another Map), so each Map names its two states itself.
 */
function collectClusters(
  taskArn: (state: string) => string,
  states: { task: string; failed: string },
  map: { itemsPath: string; concurrency: number; resultPath: string; next: string },
) {
  return {
    Type: 'Map',
    ItemsPath: map.itemsPath,
    ItemSelector: {
      ...ids,
      'runId.$': '$.scan.runId',
      'clusterId.$': '$$.Map.Item.Value.clusterId',
      'region.$': '$$.Map.Item.Value.region',
    },
    MaxConcurrency: map.concurrency,
    ItemProcessor: {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: states.task,
      States: {
        [states.task]: {
          Type: 'Task',
          Resource: taskArn(states.task),
          TimeoutSeconds: longTaskSeconds,
          Retry: transientRetry,
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: states.failed }],
          End: true,
        },
        [states.failed]: {
          Type: 'Pass',
          Parameters: { 'clusterId.$': '$.clusterId', ok: false, 'error.$': '$.error' },
          End: true,
        },
      },
    },
    ResultPath: map.resultPath,
    Catch: catchAll,
    Next: map.next,
  };
}

export const discoveryWorkflow: WorkflowDefinition = {
  name: 'discovery',
  tasks: {
    LoadAccount: 'discovery/load-account',
    ListRegions: 'discovery/list-regions',
    DiscoverRegion: 'discovery/discover-region',
    PlanCollection: 'discovery/plan-collection',
    // The same task in the two collection Maps (the first cluster alone, then the rest).
    CollectOneCluster: 'discovery/collect-cluster',
    CollectCluster: 'discovery/collect-cluster',
    CompleteDiscovery: 'discovery/complete',
    FailDiscovery: 'discovery/fail',
  },
  definition: (taskArn) => ({
    Comment: 'Discover the inventory of one connected cloud account',
    StartAt: 'LoadAccount',
    States: {
      LoadAccount: {
        Type: 'Task',
        Resource: taskArn('LoadAccount'),
        Parameters: { ...ids, 'executionArn.$': '$$.Execution.Id' },
        ResultPath: '$.scan',
        TimeoutSeconds: shortTaskSeconds,
        Retry: transientRetry,
        Catch: catchAll,
        Next: 'ListRegions',
      },
      ListRegions: {
        Type: 'Task',
        Resource: taskArn('ListRegions'),
        Parameters: ids,
        ResultPath: '$.regions',
        TimeoutSeconds: shortTaskSeconds,
        Retry: transientRetry,
        Catch: catchAll,
        Next: 'DiscoverRegions',
      },
      DiscoverRegions: {
        Type: 'Map',
        ItemsPath: '$.regions.regions',
        ItemSelector: { ...ids, 'runId.$': '$.scan.runId', 'region.$': '$$.Map.Item.Value' },
        MaxConcurrency: regionConcurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'DiscoverRegion',
          States: {
            DiscoverRegion: {
              Type: 'Task',
              Resource: taskArn('DiscoverRegion'),
              TimeoutSeconds: longTaskSeconds,
              Retry: transientRetry,
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RegionFailed' }],
              End: true,
            },
            RegionFailed: {
              Type: 'Pass',
              Parameters: { 'region.$': '$.region', ok: false, 'error.$': '$.error' },
              End: true,
            },
          },
        },
        ResultPath: '$.regionResults',
        Catch: catchAll,
        Next: 'PlanCollection',
      },
      PlanCollection: {
        Type: 'Task',
        Resource: taskArn('PlanCollection'),
        Parameters: { ...ids, 'runId.$': '$.scan.runId', 'regionResults.$': '$.regionResults' },
        ResultPath: '$.plan',
        TimeoutSeconds: shortTaskSeconds,
        Retry: transientRetry,
        Catch: catchAll,
        Next: 'CollectFirstCluster',
      },
      // A Map of at most one item: the same iteration (and failure report) as the others, collected alone
      // so that its figures are not slowed down by three others sharing the table's write rate.
      CollectFirstCluster: collectClusters(
        taskArn,
        { task: 'CollectOneCluster', failed: 'OneClusterFailed' },
        {
          itemsPath: '$.plan.first',
          concurrency: 1,
          resultPath: '$.firstClusterResults',
          next: 'CollectClusters',
        },
      ),
      CollectClusters: collectClusters(
        taskArn,
        { task: 'CollectCluster', failed: 'ClusterFailed' },
        {
          itemsPath: '$.plan.rest',
          concurrency: clusterConcurrency,
          resultPath: '$.clusterResults',
          next: 'CompleteDiscovery',
        },
      ),
      CompleteDiscovery: {
        Type: 'Task',
        Resource: taskArn('CompleteDiscovery'),
        Parameters: {
          ...ids,
          'runId.$': '$.scan.runId',
          'regionResults.$': '$.regionResults',
          'firstClusterResults.$': '$.firstClusterResults',
          'clusterResults.$': '$.clusterResults',
        },
        TimeoutSeconds: shortTaskSeconds,
        Retry: transientRetry,
        Catch: catchAll,
        End: true,
      },
      FailDiscovery: {
        Type: 'Task',
        Resource: taskArn('FailDiscovery'),
        Parameters: { ...ids, 'error.$': '$.error' },
        TimeoutSeconds: shortTaskSeconds,
        Retry: transientRetry,
        Next: 'DiscoveryFailed',
      },
      DiscoveryFailed: { Type: 'Fail', Error: 'DiscoveryFailed', Cause: 'See the account status reason' },
    },
  }),
};
