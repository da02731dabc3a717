import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { PolicyGrant, ProductResources } from './types';

/** The key prefix of stored audit exports in the exports bucket (`audit-exports/<orgId>/...`). */
export const auditExportsPrefix = 'audit-exports/';

/**
 * Stored audit exports (ADR 0029): a multipart upload (PutObject covers Create/UploadPart/Complete),
 * aborting a failed one, and GetObject, which the presigned download URL is signed with. Only under the
 * exports prefix of the product's bucket.
 */
export function auditExports(r: ProductResources): PolicyGrant {
  return {
    statements: [
      new PolicyStatement({
        sid: 'AuditExports',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'],
        resources: [r.exportsBucket.arnForObjects(`${auditExportsPrefix}*`)],
      }),
    ],
    acknowledgements: [],
  };
}
