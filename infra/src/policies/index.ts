import type { RoutePermission } from '@spot/functions/routes';
import type { Construct } from 'constructs';
import { auditExports } from './audit-exports';
import { customerCloud } from './customer-cloud';
import { identity } from './identity';
import { appUrl, sendEmail } from './notifications';
import { schedules } from './schedules';
import { secrets } from './secrets';
import { tableRead, tableWrite } from './table';
import type { PolicyGrant, ProductResources } from './types';
import { workflows } from './workflows';

export type { PolicyGrant, ProductResources } from './types';

/**
 * The grants of a function: table read always, then exactly one grant per declared need. A need without
 * an entry here fails the type check, so the route table and the policies cannot drift apart.
 */
export function grantsFor(
  scope: Construct,
  r: ProductResources,
  needs: readonly RoutePermission[],
): PolicyGrant[] {
  const byNeed: Record<RoutePermission, () => PolicyGrant> = {
    'table-write': () => tableWrite(r.table),
    identity: () => identity(r),
    workflows: () => workflows(scope, r),
    schedules: () => schedules(scope, r),
    secrets: () => secrets(r),
    'customer-cloud': () => customerCloud(scope),
    'audit-exports': () => auditExports(scope, r),
    'send-email': () => sendEmail(scope, r),
    'app-url': () => appUrl(scope, r),
  };
  return [tableRead(r.table), ...[...new Set(needs)].map((need) => byNeed[need]())];
}
