import { estimateTemplateCost, NotFoundError } from '@spot/shared';
import type {
  validateNodeTemplateInputSchema,
  validateNodeTemplateQuerySchema,
} from '@spot/shared/model/node-template';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import { validateNodeTemplate } from '@spot/shared/templates/validate';
import type { z } from 'zod';
import { accountRegionEntity, accountRegionKey } from '../data/entities/account-region';
import { accountsOfOrgQuery, cloudAccountEntity, cloudAccountKey } from '../data/entities/cloud-account';
import { getItem, queryAll } from '../data/repository';
import { templateNameFree } from './node-templates';

type Input = z.infer<typeof validateNodeTemplateInputSchema>;
type Query = z.infer<typeof validateNodeTemplateQuerySchema>;

/**
 * The wizard's live check of a draft: conflicts (the same function that guards create and update, plus
 * a taken name), the instance types allowed and the cost estimate in the account's region. Prices
 * discovery last read live in that region win over the catalog's; nothing is saved.
 */
export async function validateDraft(orgId: string, input: Input, query: Query) {
  const catalog = loadCatalog();
  const { account, region } = await estimateRegion(orgId, query);
  // Templates are organization-wide: conflicts and allowed types do not depend on the estimate's region
  // (the catalog lacks prices for most regions; a missing price is not a reason to refuse a template).
  const result = validateNodeTemplate(input, catalog.instanceTypes);
  const conflicts = [...result.conflicts];
  if (input.name && !(await templateNameFree(orgId, input.name, input.templateId))) {
    conflicts.unshift({
      field: 'name',
      message: `A template named "${input.name}" already exists. Choose another name.`,
    });
  }
  let estimate = null;
  if (region) {
    const live = account ? await livePrices(orgId, account, region) : undefined;
    estimate = estimateTemplateCost(input, catalog, region, live ?? {});
  }
  return {
    conflicts,
    allowedInstanceTypes: result.allowedInstanceTypes,
    allowedCountByRegion: result.allowedCountByRegion,
    estimate,
  };
}

/** The region asked for, else the account's home region, else the first connected account's. */
async function estimateRegion(orgId: string, query: Query) {
  if (query.accountId) {
    const account = await getItem(cloudAccountEntity, cloudAccountKey(orgId, query.accountId));
    if (!account) throw new NotFoundError('The cloud account');
    return { account: account.accountId, region: query.region ?? account.region ?? undefined };
  }
  if (query.region) return { account: undefined, region: query.region };
  const connected = (await queryAll(cloudAccountEntity, accountsOfOrgQuery(orgId)))
    .filter((a) => a.region && a.awsAccountId)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const first = connected[0];
  return { account: first?.accountId, region: first?.region ?? undefined };
}

/**
 * The prices discovery last read live in the region: the Pricing API's on-demand prices and the cheapest
 * spot price per type over the region's zones.
 */
async function livePrices(orgId: string, accountId: string, region: string) {
  const stored = await getItem(accountRegionEntity, accountRegionKey(orgId, accountId, region));
  if (!stored) return undefined;
  const spot: Record<string, number> = {};
  for (const [key, usd] of Object.entries(stored.spotPrices)) {
    const type = key.split('|')[0] ?? key;
    spot[type] = Math.min(spot[type] ?? Number.POSITIVE_INFINITY, usd);
  }
  return {
    liveOnDemandHourlyUsd: stored.onDemandPrices,
    liveSpotHourlyUsd: spot,
    liveAsOf: stored.discoveredAt,
  };
}
