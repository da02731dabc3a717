import { tableDefinition } from '@spot/shared/data/table';
import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { exportsBucketName, type Names } from '../naming';

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
  readonly exportsBucket: Bucket;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableDefinition.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDefinition.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // AWS-owned keys cannot be audited in CloudTrail; the AWS-managed key can and costs nothing.
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Audit retention: DynamoDB deletes records whose `expiresAt` (epoch seconds) has passed.
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      stream: StreamViewType[tableDefinition.streamViewType],
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

    // Audit exports too large for a response (ADR 0029): written by the export route, downloaded by the
    // person's browser through a presigned URL (CORS GET from any origin: the URL itself is the key),
    // deleted after a day.
    this.exportsBucket = new Bucket(this, 'ExportsBucket', {
      // Named from strings so the functions find it without a cross-stack reference (naming.ts).
      bucketName: exportsBucketName(this, props.names),
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { expiration: Duration.days(1), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      cors: [
        { allowedMethods: [HttpMethods.GET], allowedOrigins: ['*'], exposedHeaders: ['content-length'] },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.exportsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Objects live one day and are only written by the export function (CloudTrail records its calls, the trail records each export with its checksum); server access logs would add a second bucket for no new evidence.',
    });
  }
}
