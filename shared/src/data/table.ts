/**
 * The one DynamoDB table of the product (single-table design). The CDK data stack and the local stack
 * both create the table from this definition, so keys and indexes cannot drift apart.
 * Every access pattern and the key serving it is listed in docs/data-model.md.
 */
export const tableDefinition = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** Epoch seconds; DynamoDB deletes the item some time after it passes (time-series rollups, audit retention). */
  timeToLiveAttribute: 'expiresAt',
  /**
   * The table's change stream: new and old images, so SIEM streaming reads inserted audit records and
   * the retention checkpoint reads the records TTL removed (ADR 0029).
   */
  streamViewType: 'NEW_AND_OLD_IMAGES',
  globalSecondaryIndexes: [
    { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    { indexName: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  ],
} as const;

export type IndexName = (typeof tableDefinition.globalSecondaryIndexes)[number]['indexName'];

/** Attribute names that are keys; entity modules build their values, nothing else does. */
export const keyAttributes = ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK'] as const;
export type KeyAttribute = (typeof keyAttributes)[number];
export type ItemKeys = { PK: string; SK: string } & Partial<
  Record<Exclude<KeyAttribute, 'PK' | 'SK'>, string>
>;
