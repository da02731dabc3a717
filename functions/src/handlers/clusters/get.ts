import { clusterPathSchema, getCluster } from '../../domain/clusters';
import { httpHandler } from '../../http/handler';

/** One cluster: summary, node groups, nodes and workloads. */
export const handler = httpHandler({ auth: 'user', path: clusterPathSchema }, async ({ caller, path }) => ({
  body: await getCluster(caller.orgId, path.id),
}));
