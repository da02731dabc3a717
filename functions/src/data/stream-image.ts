/** DynamoDB stream images (what the stream consumers receive) read as items: the SDK stays in the data layer. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Item } from './items';

/** A stream image (DynamoDB JSON, as Lambda receives it) as a plain item; undefined when absent. */
export function imageOf(image: object | undefined): Item | undefined {
  return image ? (unmarshall(image as Record<string, AttributeValue>) as Item) : undefined;
}
