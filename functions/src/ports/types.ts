import type { SiemRecord } from '@spot/shared';
/**
 * Ports: the outside world as the functions see it. Each has an AWS adapter (`./aws/*`) and a local
 * adapter (in `local/`), chosen once at start-up through `configurePorts`; the domain code and the
 * handlers only ever see these interfaces.
 */
import type { WorkflowName } from '../workflows';
import type { CustomerCloudPort } from './cloud';
import type { KubernetesPort } from './kubernetes';

export interface Clock {
  now(): Date;
}

export interface WorkflowPort {
  /** Starts an execution of one of the product's state machines; resolves once it is accepted. */
  startExecution(
    workflow: WorkflowName,
    input: Record<string, unknown>,
    name?: string,
  ): Promise<{ executionArn: string }>;
  /**
   * Whether the execution is still running. False for one that stopped or that the service does not know
   * (the local runner forgets its executions when the stack restarts); the sweep of interrupted
   * discoveries relies on that.
   */
  isExecutionRunning(executionArn: string): Promise<boolean>;
}

export interface ScheduleSpec {
  /** Unique within the product's schedule group. */
  name: string;
  /** EventBridge Scheduler syntax: `at(2026-01-01T08:00:00)`, `cron(0 8 ? * MON-FRI *)`, `rate(15 minutes)`. */
  expression: string;
  /** IANA zone in which `at()` and `cron()` are read, e.g. `Europe/Berlin`. */
  timeZone: string;
  /** What fires: a workflow execution with this input. */
  target: { workflow: WorkflowName; input: Record<string, unknown> };
  /**
   * No invocation before this instant (EventBridge Scheduler's `StartDate`). A `rate()` schedule first
   * fires at its start: without one, at once (the service "starts invoking the target immediately"),
   * so a periodic job whose first run has just happened passes now + one period.
   */
  startAt?: Date;
}

export interface SchedulerPort {
  upsertSchedule(spec: ScheduleSpec): Promise<void>;
  deleteSchedule(name: string): Promise<void>;
}

/** Envelope encryption: the key service makes and unwraps 256-bit data keys; AES-GCM runs in-process. */
export interface KeyServicePort {
  generateDataKey(): Promise<{ plaintextKey: Uint8Array; encryptedKey: Uint8Array; keyId: string }>;
  decryptDataKey(encryptedKey: Uint8Array, keyId: string): Promise<Uint8Array>;
}

export interface AuthTokens {
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  expiresIn: number;
}

/** The user directory (Cognito in AWS, cognito-local locally). */
export interface IdentityPort {
  /**
   * Creates the user in `group`. In AWS the user then confirms with the emailed code
   * (`confirmationRequired`); cognito-local's adapter confirms at once with its fixed code.
   */
  createUser(
    email: string,
    password: string,
    group: 'admin' | 'client',
  ): Promise<{ userId: string; confirmationRequired: boolean }>;
  confirmUser(email: string, code: string): Promise<void>;
  deleteUser(email: string): Promise<void>;
  signIn(email: string, password: string): Promise<AuthTokens>;
  refresh(refreshToken: string): Promise<AuthTokens>;
  /** Revokes the session's refresh token (and with it the tokens Cognito issued from it). */
  signOut(refreshToken: string): Promise<void>;
}

/** A SIEM destination with its opened secret (the API key or HEC token; none for S3). */
export type SiemDestination =
  | { kind: 'datadog'; site: string; secret: string }
  | { kind: 'splunk'; url: string; secret: string }
  | { kind: 's3'; cloudAccountId: string; bucket: string; prefix: string };

export interface SiemDelivery {
  delivered: boolean;
  /** The destination's HTTP status, when it answered. */
  status: number | null;
  /** What happened, for a person (never the secret). */
  message: string;
}

/** Streams audit records to a customer's SIEM (Datadog logs, Splunk HEC, S3 through the role). */
export interface SiemPort {
  deliver(destination: SiemDestination, records: readonly SiemRecord[]): Promise<SiemDelivery>;
}

/**
 * A batch of audit records that could not be delivered to one SIEM destination after every retry: what
 * and where, never the records' content or the destination's secret (the records stay in the table and
 * are re-read by seq to re-drive).
 */
export interface AuditDeadLetter {
  orgId: string;
  destinationId: string;
  kind: 'datadog' | 'splunk' | 's3';
  fromSeq: number;
  toSeq: number;
  auditIds: string[];
  attempts: number;
  status: number | null;
  message: string;
  failedAt: string;
}

/** The dead-letter queue of SIEM streaming (an encrypted SQS queue in AWS, a list locally). */
export interface DeadLetterPort {
  send(letter: AuditDeadLetter): Promise<void>;
}

/** One file being written to export storage, chunk by chunk (S3 multipart upload in AWS). */
export interface ExportUpload {
  write(chunk: string): Promise<void>;
  /** Finishes the file; nothing is visible before. */
  complete(): Promise<void>;
  /** Drops what was written (an export that failed half-way). */
  abort(): Promise<void>;
}

/** Where exports too large for a response are stored for a short while (the product's S3 bucket). */
export interface ExportStoragePort {
  startUpload(key: string, contentType: string): Promise<ExportUpload>;
  /** A URL that downloads the file without credentials until it expires, as `fileName`. */
  downloadUrl(key: string, fileName: string, expiresInSeconds: number): Promise<string>;
}

/** What a channel answered to one notice; `message` is for a person and never holds a secret or a link. */
export interface NoticeDelivery {
  delivered: boolean;
  message: string;
}

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends the product's own emails (hibernation notices): SES in AWS, a local outbox file locally. */
export interface EmailPort {
  send(message: EmailMessage): Promise<NoticeDelivery>;
}

/** A Slack incoming webhook's JSON body: `text` is the fallback of notifications, `blocks` the layout. */
export interface SlackMessage {
  text: string;
  blocks?: readonly unknown[];
}

/**
 * Posts to a customer's Slack incoming webhook (HTTPS to hooks.slack.com in AWS; locally rewritten to the
 * local stack's receiver). The URL is a credential: it is never logged or put in a message.
 */
export interface SlackPort {
  post(webhookUrl: string, message: SlackMessage): Promise<NoticeDelivery>;
}

/** Where the product's web app is, for links in messages (the CloudFront address in AWS, the gateway locally). */
export interface SitePort {
  /** The origin without a trailing slash: `https://app.example.com`. */
  appUrl(): Promise<string>;
}

export interface Ports {
  clock: Clock;
  workflows: WorkflowPort;
  scheduler: SchedulerPort;
  keyService: KeyServicePort;
  identity: IdentityPort;
  cloud: CustomerCloudPort;
  kubernetes: KubernetesPort;
  siem: SiemPort;
  deadLetters: DeadLetterPort;
  exportStorage: ExportStoragePort;
  email: EmailPort;
  slack: SlackPort;
  site: SitePort;
}
