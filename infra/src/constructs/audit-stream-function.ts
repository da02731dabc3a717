import type { RoutePermission } from '@spot/functions/routes';
import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ProductResources } from '../policies';
import { functionEntry } from './function-bundles';
import { ProductFunction } from './product-function';

export interface AuditStreamFunctionProps {
  /** Module under `functions/src/streams/` exporting `handler`. */
  readonly module: string;
  readonly description: string;
  readonly logGroupName: string;
  /** Lambda filter pattern of the stream records the function receives (`functions/src/streams/filters.ts`). */
  readonly filter: Record<string, unknown>;
  readonly needs: readonly RoutePermission[];
  readonly resources: ProductResources;
  /** The table with its stream (the data stack's). */
  readonly table: ITable;
  readonly functionsSourceDir: string;
  /** Whether the function sends letters to the queue itself (SIEM batches that failed every retry). */
  readonly sendsDeadLetters: boolean;
}

/**
 * One consumer of the table's stream (ADR 0029): a product function (own role and log group) fed by an
 * event source mapping that filters the stream, batches up to 100 records for up to 5 s, retries a
 * failed batch 5 times (halving it to isolate a bad record) and then sends it to an encrypted SQS
 * dead-letter queue kept 14 days. The role gets the stream read the mapping needs and, for the SIEM
 * function, SendMessage on its queue; nothing else beyond the declared needs.
 */
export class AuditStreamFunction extends Construct {
  readonly fn: ProductFunction;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: AuditStreamFunctionProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.KMS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the stream function: what lands here is read by an operator, never consumed by a function that could fail again.',
    });

    this.fn = new ProductFunction(this, 'Fn', {
      entry: functionEntry.stream(props.functionsSourceDir, props.module),
      description: props.description,
      logGroupName: props.logGroupName,
      // Five attempts with backoff per destination and batch of 100 fit well within a minute.
      timeout: Duration.minutes(2),
      needs: props.needs,
      resources: props.resources,
    });
    if (props.sendsDeadLetters) {
      this.fn.function.addEnvironment('AUDIT_DLQ_URL', this.deadLetterQueue.queueUrl);
      this.deadLetterQueue.grantSendMessages(this.fn.role);
    }

    this.fn.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        retryAttempts: 5,
        bisectBatchOnError: true,
        maxRecordAge: Duration.days(1),
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: [FilterCriteria.filter(props.filter)],
      }),
    );
    const defaultPolicy = this.fn.role.node.tryFindChild('DefaultPolicy');
    if (!defaultPolicy) throw new Error('The event source did not add its policy: aws-cdk-lib changed');
    Validations.of(defaultPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray statement of active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and dynamodb:ListStreams added by the DynamoDB event source, which support no resource-level permissions; the stream reads name the table stream.',
    });
  }
}
