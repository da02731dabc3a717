import type { WorkflowDefinition } from './types';

/**
 * Discovery of one cloud account. The CDK workflows stack and the local runner both build the state
 * machine from `definition`, so they run the same states:
 *
 *   LoadAccount -> ListRegions -> DiscoverRegions (Map over regions, 4 at a time) -> PlanCollection
 *   -> CollectClusters (Map over clusters, 4 at a time) -> CompleteDiscovery
 *
 * A region or a cluster that fails is caught inside its Map iteration and reported (`ok: false`); any
 * other failure goes to FailDiscovery, which marks the account `error` with the reason. The states pass
 * ids only: every task reads and writes DynamoDB itself, so the payload stays far below 256 KB.
 */

/** Transient failures worth another attempt: throttling in the customer's account, Lambda hiccups. */
const retryTransient = [
  {
    ErrorEquals: [
      'Discovery.Retryable',
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ],
    IntervalSeconds: 2,
    MaxAttempts: 3,
    BackoffRate: 2,
  },
];
const catchAll = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FailDiscovery' }];
const ids = { 'orgId.$': '$.orgId', 'accountId.$': '$.accountId' };
/** Regions and clusters read at once: kind to the customer's API rate limits and to our table. */
const maxConcurrency = 4;
/** The task functions' timeout (5 minutes): a region of thousands of instances or a large cluster. */
const longTaskSeconds = 300;
const shortTaskSeconds = 60;

export const discoveryWorkflow: WorkflowDefinition = {
  name: 'discovery',
  tasks: {
    LoadAccount: 'discovery/load-account',
    ListRegions: 'discovery/list-regions',
    DiscoverRegion: 'discovery/discover-region',
    PlanCollection: 'discovery/plan-collection',
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
        Retry: retryTransient,
        Catch: catchAll,
        Next: 'ListRegions',
      },
      ListRegions: {
        Type: 'Task',
        Resource: taskArn('ListRegions'),
        Parameters: ids,
        ResultPath: '$.regions',
        TimeoutSeconds: shortTaskSeconds,
        Retry: retryTransient,
        Catch: catchAll,
        Next: 'DiscoverRegions',
      },
      DiscoverRegions: {
        Type: 'Map',
        ItemsPath: '$.regions.regions',
        ItemSelector: { ...ids, 'runId.$': '$.scan.runId', 'region.$': '$$.Map.Item.Value' },
        MaxConcurrency: maxConcurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'DiscoverRegion',
          States: {
            DiscoverRegion: {
              Type: 'Task',
              Resource: taskArn('DiscoverRegion'),
              TimeoutSeconds: longTaskSeconds,
              Retry: retryTransient,
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
        Parameters: { ...ids, 'regionResults.$': '$.regionResults' },
        ResultPath: '$.plan',
        TimeoutSeconds: shortTaskSeconds,
        Retry: retryTransient,
        Catch: catchAll,
        Next: 'CollectClusters',
      },
      CollectClusters: {
        Type: 'Map',
        ItemsPath: '$.plan.clusters',
        ItemSelector: {
          ...ids,
          'runId.$': '$.scan.runId',
          'clusterId.$': '$$.Map.Item.Value.clusterId',
          'region.$': '$$.Map.Item.Value.region',
        },
        MaxConcurrency: maxConcurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'CollectCluster',
          States: {
            CollectCluster: {
              Type: 'Task',
              Resource: taskArn('CollectCluster'),
              TimeoutSeconds: longTaskSeconds,
              Retry: retryTransient,
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ClusterFailed' }],
              End: true,
            },
            ClusterFailed: {
              Type: 'Pass',
              Parameters: { 'clusterId.$': '$.clusterId', ok: false, 'error.$': '$.error' },
              End: true,
            },
          },
        },
        ResultPath: '$.clusterResults',
        Catch: catchAll,
        Next: 'CompleteDiscovery',
      },
      CompleteDiscovery: {
        Type: 'Task',
        Resource: taskArn('CompleteDiscovery'),
        Parameters: {
          ...ids,
          'runId.$': '$.scan.runId',
          'regionResults.$': '$.regionResults',
          'clusterResults.$': '$.clusterResults',
        },
        TimeoutSeconds: shortTaskSeconds,
        Retry: retryTransient,
        Catch: catchAll,
        End: true,
      },
      FailDiscovery: {
        Type: 'Task',
        Resource: taskArn('FailDiscovery'),
        Parameters: { ...ids, 'error.$': '$.error' },
        TimeoutSeconds: shortTaskSeconds,
        Retry: retryTransient,
        Next: 'DiscoveryFailed',
      },
      DiscoveryFailed: { Type: 'Fail', Error: 'DiscoveryFailed', Cause: 'See the account status reason' },
    },
  }),
};
