import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { PolicyGrant, ProductResources } from './types';

/** Envelope encryption of stored customer secrets: a data key per secret, wrapped by the product key. */
export function secrets(r: ProductResources): PolicyGrant {
  return {
    statements: [
      new PolicyStatement({
        sid: 'SecretsKey',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [r.secretsKey.keyArn],
      }),
    ],
    acknowledgements: [],
  };
}
