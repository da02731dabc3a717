import { tableDefinition } from '@spot/shared/data/table';
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { Names } from '../naming';

export interface DataStackProps extends StackProps {
  readonly names: Names;
}

/**
 * The stateful part: the one table (built from the shared `tableDefinition`, which the local stack uses
 * too) and the KMS key that wraps data keys of stored customer secrets. Both are retained when the stack is
 * deleted: losing either loses customer data.
 */
export class DataStack extends Stack {
  readonly table: Table;
  readonly secretsKey: Key;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableDefinition.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDefinition.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // AWS-owned keys cannot be audited in CloudTrail; the AWS-managed key can and costs nothing.
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const gsi of tableDefinition.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: { name: gsi.partitionKey, type: AttributeType.STRING },
        sortKey: { name: gsi.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }

    this.secretsKey = new Key(this, 'SecretsKey', {
      alias: props.names.secretsKeyAlias,
      description: 'Wraps the data keys that encrypt customer secrets (AES-256-GCM envelope encryption)',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
