import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { exportsBucketName } from '../naming';
import { wildcardResourceAck } from './nag';
import type { PolicyGrant, ProductResources } from './types';

/** The key prefix of stored audit exports in the exports bucket (`audit-exports/<orgId>/...`). */
export const auditExportsPrefix = 'audit-exports/';

/**
 * Stored audit exports (ADR 0029): a multipart upload (PutObject covers Create/UploadPart/Complete),
 * aborting a failed one, and GetObject, which the presigned download URL is signed with. Only under the
 * exports prefix of the product's bucket.
 */
export function auditExports(scope: Construct, r: ProductResources): PolicyGrant {
  const objects = `arn:${Stack.of(scope).partition}:s3:::${exportsBucketName(scope, r.names)}/${auditExportsPrefix}*`;
  return {
    statements: [
      new PolicyStatement({
        sid: 'AuditExports',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'],
        resources: [objects],
      }),
    ],
    acknowledgements: [
      wildcardResourceAck(
        scope,
        objects,
        'Each export is a new object named at run time (audit-exports/<orgId>/<uuid>/<file>); the grant is limited to the exports prefix of the product bucket, whose objects expire after a day.',
      ),
    ],
  };
}
