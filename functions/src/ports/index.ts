import { optionalEnv, requiredEnv } from '../lib/env';
import { AwsCustomerCloud } from './aws/cloud';
import { CognitoIdentity } from './aws/cognito';
import { SqsDeadLetters } from './aws/dead-letters';
import { SesEmailSender } from './aws/email';
import { S3ExportStorage } from './aws/export-storage';
import { KmsKeyService } from './aws/kms';
import { AgentlessKubernetes } from './aws/kubernetes';
import { EventBridgeScheduler } from './aws/scheduler';
import { HttpSiemSender } from './aws/siem';
import { SsmSiteUrl } from './aws/site';
import { SlackWebhookSender } from './aws/slack';
import { StepFunctionsWorkflows } from './aws/workflows';
import type { Ports } from './types';

export type * from './types';

let overrides: Partial<Ports> = {};
let defaults: Partial<Ports> = {};

/**
 * Replaces some ports: the local stack installs its local adapters at start-up, tests install doubles.
 * Whatever is not replaced is the AWS adapter, built on first use.
 */
export function configurePorts(partial: Partial<Ports>): void {
  overrides = { ...overrides, ...partial };
}

export function resetPorts(): void {
  overrides = {};
  defaults = {};
}

const systemClock = { now: () => new Date() };

const factories: { [K in keyof Ports]: () => Ports[K] } = {
  clock: () => systemClock,
  workflows: () => new StepFunctionsWorkflows(),
  scheduler: () => new EventBridgeScheduler(),
  keyService: () => new KmsKeyService(),
  identity: () =>
    new CognitoIdentity({
      userPoolId: requiredEnv('COGNITO_USER_POOL_ID'),
      clientId: requiredEnv('COGNITO_CLIENT_ID'),
      endpoint: optionalEnv('COGNITO_ENDPOINT'),
      autoConfirmCode: optionalEnv('COGNITO_AUTO_CONFIRM_CODE'),
    }),
  cloud: () => new AwsCustomerCloud(),
  kubernetes: () => new AgentlessKubernetes(),
  siem: () => new HttpSiemSender(),
  deadLetters: () => new SqsDeadLetters(requiredEnv('AUDIT_DLQ_URL')),
  exportStorage: () => new S3ExportStorage(requiredEnv('AUDIT_EXPORTS_BUCKET')),
  email: () => new SesEmailSender(),
  slack: () => new SlackWebhookSender(),
  site: () => new SsmSiteUrl(),
};

export function port<K extends keyof Ports>(key: K): Ports[K] {
  const override = overrides[key];
  if (override) return override as Ports[K];
  const existing = defaults[key];
  if (existing) return existing;
  const built = factories[key]();
  defaults[key] = built;
  return built;
}
