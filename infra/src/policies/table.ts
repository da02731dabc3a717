import { tableDefinition } from '@spot/shared/data/table';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { PolicyGrant } from './types';

/** The table and each of its indexes by name: no `index/*` wildcard, so a new index is a deliberate grant. */
function tableAndIndexArns(table: ITable): string[] {
  return [
    table.tableArn,
    ...tableDefinition.globalSecondaryIndexes.map((gsi) => `${table.tableArn}/index/${gsi.indexName}`),
  ];
}

/** Every function reads: entity gets, key and index queries, batch gets. No Scan: no access pattern needs one. */
export const tableReadActions = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'] as const;

/**
 * Writes. TransactWriteItems is not an IAM action of its own: DynamoDB authorizes each part of a
 * transaction as PutItem/UpdateItem/DeleteItem/ConditionCheckItem, so those cover transactions too.
 */
export const tableWriteActions = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;

export function tableRead(table: ITable): PolicyGrant {
  return {
    statements: [
      new PolicyStatement({
        sid: 'TableRead',
        actions: [...tableReadActions],
        resources: tableAndIndexArns(table),
      }),
    ],
    acknowledgements: [],
  };
}

/** Writes go to the table only; indexes are maintained by DynamoDB and cannot be written. */
export function tableWrite(table: ITable): PolicyGrant {
  return {
    statements: [
      new PolicyStatement({
        sid: 'TableWrite',
        actions: [...tableWriteActions],
        resources: [table.tableArn],
      }),
    ],
    acknowledgements: [],
  };
}
