import { auditRetentionWorkflow } from './audit-retention';
import { consolidationWorkflow } from './consolidation';
import { consolidationScheduleWorkflow } from './consolidation-schedule';
import { discoveryWorkflow } from './discovery';
import { hibernationWorkflow } from './hibernation';
import { hibernationNotifyWorkflow } from './hibernation-notify';
import { rightsizingWorkflow } from './rightsizing';
import type { WorkflowDefinition } from './types';

export type { AslDefinition, WorkflowDefinition } from './types';
/** Every state machine of the product; the CDK app deploys each and the local runner executes each. */
export const workflows: readonly WorkflowDefinition[] = [
  discoveryWorkflow,
  hibernationWorkflow,
  hibernationNotifyWorkflow,
  auditRetentionWorkflow,
  consolidationWorkflow,
  consolidationScheduleWorkflow,
  rightsizingWorkflow,
];
export type WorkflowName =
  | 'discovery'
  | 'hibernation'
  | 'hibernation-notify'
  | 'audit-retention'
  | 'consolidation'
  | 'consolidation-schedule'
  | 'rightsizing';
