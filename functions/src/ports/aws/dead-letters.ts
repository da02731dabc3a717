import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AuditDeadLetter, DeadLetterPort } from '../types';

/** Configured once per container; the queue is KMS-encrypted (see infra `AuditStreamFunction`). */
const sqs = new SQSClient({});

/** Sends undeliverable SIEM batches to the stream function's dead-letter queue as JSON messages. */
export class SqsDeadLetters implements DeadLetterPort {
  constructor(
    private readonly queueUrl: string,
    private readonly client: SQSClient = sqs,
  ) {}

  async send(letter: AuditDeadLetter): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(letter),
        MessageAttributes: {
          orgId: { DataType: 'String', StringValue: letter.orgId },
          destinationId: { DataType: 'String', StringValue: letter.destinationId },
        },
      }),
    );
  }
}
