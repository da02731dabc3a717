import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ExportStoragePort, ExportUpload } from '../types';

/** Configured once per container (the function's own role; the bucket is the product's). */
const s3 = new S3Client({});

/** S3 parts are at least 5 MiB (but the last); 8 MiB keeps an export's memory to one part. */
export const exportPartBytes = 8 * 1024 * 1024;

/**
 * Exports in the product's bucket (`AUDIT_EXPORTS_BUCKET`, encrypted, objects expire after a day): a
 * multipart upload fed chunk by chunk, so a file of any size is never held whole in memory, and a
 * presigned GET for the person's browser.
 */
export class S3ExportStorage implements ExportStoragePort {
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = s3,
  ) {}

  async startUpload(key: string, contentType: string): Promise<ExportUpload> {
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        ContentType: contentType,
        ServerSideEncryption: 'AES256',
      }),
    );
    if (!UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
    const parts: { ETag: string; PartNumber: number }[] = [];
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0 && parts.length > 0) return;
      const PartNumber = parts.length + 1;
      const out = await this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId,
          PartNumber,
          Body: Buffer.concat(pending),
        }),
      );
      parts.push({ ETag: String(out.ETag), PartNumber });
      pending = [];
      pendingBytes = 0;
    };
    return {
      write: async (chunk) => {
        const bytes = Buffer.from(chunk, 'utf8');
        pending.push(bytes);
        pendingBytes += bytes.length;
        if (pendingBytes >= exportPartBytes) await flush();
      },
      complete: async () => {
        await flush();
        await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        );
      },
      abort: async () => {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId }));
      },
    };
  }

  downloadUrl(key: string, fileName: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${fileName.replace(/[^\w.-]/g, '_')}"`,
      }),
      { expiresIn: expiresInSeconds },
    );
  }
}
