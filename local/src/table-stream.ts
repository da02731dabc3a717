/**
 * The local emulation of the table's stream consumers (ADR 0029): DynamoDB Local keeps a real stream
 * of the table (created with the shared definition's `streamViewType`); this poller reads it through
 * the Streams API once a second and hands each consumer the records its filter pattern matches, in
 * batches of up to 100, as the Lambda event source mappings do in AWS. The consumers are the same
 * handler modules the CDK app deploys (`functions/src/streams/*`). DynamoDB Local never deletes by TTL,
 * so locally the expiry consumer only ever sees what a test or a person deletes as the service would.
 */
import { matchesFilter } from '@spot/functions/streams/filters';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

type Value = Record<string, unknown>;

const isUntyped = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;

/** Whether a stream image holds a value without its type (see `repairImage`). */
export function hasUntypedValue(image: Record<string, unknown> | undefined): boolean {
  const walk = (v: unknown): boolean => {
    if (isUntyped(v)) return true;
    const value = v as Value;
    if (value && typeof value.M === 'object' && value.M !== null) return Object.values(value.M).some(walk);
    if (Array.isArray(value?.L)) return value.L.some(walk);
    return false;
  };
  return image !== undefined && Object.values(image).some(walk);
}

/**
 * DynamoDB Local 3.x writes an empty map or list into a stream image as `{}`, without its `M` or `L`
 * (awslabs/amazon-dynamodb-local-samples#37; GetItem and the AWS service keep the type). The SDK's
 * `unmarshall` throws "No value defined: {}" on it, which failed the SIEM consumer's whole batch in
 * the local stack. The type is taken from the same path of the item as read now (`reference`: exact
 * for the write-once audit records); where the item no longer has a collection there, a map.
 */
export function repairImage(
  image: Record<string, unknown>,
  reference: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const fix = (v: unknown, ref: unknown): unknown => {
    const known = (ref ?? {}) as Value;
    if (isUntyped(v)) return Array.isArray(known.L) ? { L: [] } : { M: {} };
    const value = v as Value;
    if (value && typeof value.M === 'object' && value.M !== null) {
      const refMap = (known.M ?? {}) as Value;
      return {
        M: Object.fromEntries(Object.entries(value.M as Value).map(([k, x]) => [k, fix(x, refMap[k])])),
      };
    }
    if (Array.isArray(value?.L)) {
      const refList = Array.isArray(known.L) ? known.L : [];
      return { L: value.L.map((x, i) => fix(x, refList[i])) };
    }
    return v;
  };
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, fix(v, reference?.[k])]));
}

export interface StreamConsumer {
  name: string;
  filter: Parameters<typeof matchesFilter>[1];
  handler: (event: DynamoDBStreamEvent) => Promise<void>;
}

/** A low-level call of DynamoDB Local's JSON API (it accepts any credentials). */
async function api<T>(endpoint: string, target: string, body: unknown, timeoutMs?: number): Promise<T> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': target,
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
    signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
  });
  const json = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new Error(`${target}: ${res.status} ${json.message ?? ''}`);
  return json;
}

export class LocalTableStream {
  private timer: NodeJS.Timeout | undefined;
  private readonly iterators = new Map<string, string>();
  /** The last sequence number read per shard: where to pick up again when an iterator is refused. */
  private readonly lastSequence = new Map<string, string>();
  /** Shards re-read from their start after a refused iterator: records older than `start()` are skipped. */
  private readonly rereading = new Set<string>();
  private startedAtSeconds = 0;
  private streamArn = '';
  private running = false;
  private ticks = 0;

  constructor(
    private readonly endpoint: string,
    private readonly tableName: string,
    private readonly consumers: readonly StreamConsumer[],
    private readonly log: (message: string) => void = () => {},
    private readonly intervalMs = 1000,
  ) {}

  /** Enables the stream on a table created before streams (UpdateTable), then polls from now on. */
  async start(): Promise<void> {
    type Described = {
      Table: { LatestStreamArn?: string; StreamSpecification?: { StreamEnabled?: boolean } };
    };
    let { Table } = await api<Described>(this.endpoint, 'DynamoDB_20120810.DescribeTable', {
      TableName: this.tableName,
    });
    if (!Table.StreamSpecification?.StreamEnabled) {
      await api(this.endpoint, 'DynamoDB_20120810.UpdateTable', {
        TableName: this.tableName,
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
      ({ Table } = await api<Described>(this.endpoint, 'DynamoDB_20120810.DescribeTable', {
        TableName: this.tableName,
      }));
    }
    this.streamArn = String(Table.LatestStreamArn);
    this.startedAtSeconds = Math.floor(Date.now() / 1000);
    await this.discoverShards('LATEST');
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async discoverShards(position: 'LATEST' | 'TRIM_HORIZON') {
    const { StreamDescription } = await api<{ StreamDescription: { Shards: { ShardId: string }[] } }>(
      this.endpoint,
      'DynamoDBStreams_20120810.DescribeStream',
      { StreamArn: this.streamArn },
    );
    for (const { ShardId } of StreamDescription.Shards) {
      if (this.iterators.has(ShardId)) continue;
      const { ShardIterator } = await api<{ ShardIterator: string }>(
        this.endpoint,
        'DynamoDBStreams_20120810.GetShardIterator',
        { StreamArn: this.streamArn, ShardId, ShardIteratorType: position },
      );
      this.iterators.set(ShardId, ShardIterator);
    }
  }

  private async renewIterator(shard: string): Promise<void> {
    const after = this.lastSequence.get(shard);
    const { ShardIterator } = await api<{ ShardIterator: string }>(
      this.endpoint,
      'DynamoDBStreams_20120810.GetShardIterator',
      after
        ? {
            StreamArn: this.streamArn,
            ShardId: shard,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            SequenceNumber: after,
          }
        : { StreamArn: this.streamArn, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' },
    );
    if (!after) this.rereading.add(shard);
    this.iterators.set(shard, ShardIterator);
  }

  /** Gives back their types to the empty collections DynamoDB Local left untyped (see `repairImage`). */
  private async repairUntypedValues(records: DynamoDBRecord[]): Promise<void> {
    for (const record of records) {
      const image = record.dynamodb;
      if (!image || !(hasUntypedValue(image.NewImage) || hasUntypedValue(image.OldImage))) continue;
      const { Item } = await api<{ Item?: Record<string, unknown> }>(
        this.endpoint,
        'DynamoDB_20120810.GetItem',
        { TableName: this.tableName, Key: image.Keys, ConsistentRead: true },
        60_000,
      );
      if (image.NewImage) image.NewImage = repairImage(image.NewImage, Item) as typeof image.NewImage;
      if (image.OldImage) image.OldImage = repairImage(image.OldImage, Item) as typeof image.OldImage;
    }
  }

  /** One poll: new records of every shard, to each consumer whose filter they match. */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let seen = 0;
    try {
      // Shards appear as the stream rolls over; ones found later are read from their start.
      if (this.ticks++ % 10 === 0) await this.discoverShards('TRIM_HORIZON');
      const records: DynamoDBRecord[] = [];
      for (const [shard, iterator] of this.iterators) {
        let out: { Records: DynamoDBRecord[]; NextShardIterator?: string };
        try {
          // A poll DynamoDB Local never answered would keep `running` set and every later poll a no-op.
          // Generous: on a loaded machine the stack's event loop has been seen blocked for 14 s, and a
          // timeout here only costs one poll (the start's calls have none: failing there stops the stack).
          out = await api(
            this.endpoint,
            'DynamoDBStreams_20120810.GetRecords',
            { ShardIterator: iterator },
            60_000,
          );
        } catch (error) {
          // An expired or trimmed iterator (DynamoDB Local refuses a LATEST iterator taken on a shard with
          // no record yet, once the first one arrives) would be refused on every later poll: take a new
          // one after the last record read, or from the shard's start when none was read. Said in the
          // log, so a test that sees no records can tell why.
          this.log(`table stream shard ${shard}: ${(error as Error).message}; taking a new iterator`);
          await this.renewIterator(shard);
          continue;
        }
        // Stream records carry their creation time in whole seconds: a record of the second `start()` ran
        // in is delivered (at least once, as Lambda's event source mappings do).
        const fresh = this.rereading.has(shard)
          ? out.Records.filter(
              (r) =>
                (r.dynamodb?.ApproximateCreationDateTime ?? Number.POSITIVE_INFINITY) >=
                this.startedAtSeconds,
            )
          : out.Records;
        records.push(...fresh);
        const last = out.Records.at(-1)?.dynamodb?.SequenceNumber;
        if (last) this.lastSequence.set(shard, last);
        if (out.NextShardIterator) this.iterators.set(shard, out.NextShardIterator);
        else this.iterators.delete(shard);
      }
      seen = records.length;
      await this.repairUntypedValues(records);
      for (const consumer of this.consumers) {
        const matching = records.filter((r) => matchesFilter(r, consumer.filter));
        for (let i = 0; i < matching.length; i += 100) {
          try {
            await consumer.handler({ Records: matching.slice(i, i + 100) });
          } catch (error) {
            this.log(`stream consumer ${consumer.name} failed: ${(error as Error).message}`);
          }
        }
      }
    } catch (error) {
      this.log(`table stream poll failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
    return seen;
  }
}
