import { apiContracts } from '@spot/shared';
import { reconcileKarpenter } from '../../domain/karpenter';
import { httpHandler } from '../../http/handler';

/** A person asks for a Karpenter reconcile now; the optimizer's commands are audited as its own (ADR 0042). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/clusters/{id}/karpenter/reconcile'],
    audit: { action: 'cluster.karpenter.reconcile.request', resourceType: 'cluster' },
  },
  async ({ caller, path, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    const state = await reconcileKarpenter(caller.orgId, path.id, now, caller.email);
    audit.after = { plan: state.plan, commands: state.lastReconcile?.commands.map((c) => c.id) ?? [] };
    return { body: state };
  },
);
