import { defaultAgentImageRepository, isAgentImageRepository } from '@spot/shared/model/cluster-onboarding';
import type { App, Environment } from 'aws-cdk-lib';

/**
 * Deployment settings, read once from CDK context (`-c stage=dev`) and the CDK_DEFAULT_* environment.
 * Nothing here triggers a lookup, so `cdk synth` works offline.
 */
export interface DeploymentConfig {
  /** Short lowercase name of the deployment (dev, staging, prod); part of every stack and resource name. */
  readonly stage: string;
  /**
   * Account/region from the CLI profile (the CDK CLI always sets the region); `-c region=` when synthesizing
   * without the CLI. The app needs a region: the web stack reads the web ACL's ARN from us-east-1.
   */
  readonly env: Environment;
  /** Optional custom domain for CloudFront; needs `certificateArn` (an ACM certificate in us-east-1). */
  readonly domainName?: string;
  readonly certificateArn?: string;
  /**
   * The From address of hibernation notices (`-c notificationSender=alerts@example.com`): an address SES
   * has verified, or one of a verified domain. Without it notices go to Slack only.
   */
  readonly notificationSender?: string;
  /**
   * The registry and path of the agent image that the served manifest and chart name
   * (`-c agentImageRepository=123456789012.dkr.ecr.eu-west-1.amazonaws.com/spot-optimizer-agent`); the
   * tag is the agent's version. Default: the public `ghcr.io/spot-optimizer/spot-optimizer-agent`.
   */
  readonly agentImageRepository: string;
}

const stagePattern = /^[a-z][a-z0-9]{1,11}$/;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function readConfig(app: App): DeploymentConfig {
  const stage = String(app.node.tryGetContext('stage') ?? 'dev');
  if (!stagePattern.test(stage)) {
    throw new ConfigError(
      `Context "stage" must be 2-12 lowercase letters or digits starting with a letter (got "${stage}"), e.g. -c stage=dev`,
    );
  }
  const domainName = optionalContext(app, 'domainName');
  const certificateArn = optionalContext(app, 'certificateArn');
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new ConfigError('Context "domainName" and "certificateArn" go together: set both or neither.');
  }
  const notificationSender = optionalContext(app, 'notificationSender');
  if (notificationSender !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(notificationSender)) {
    throw new ConfigError(
      `Context "notificationSender" must be an email address SES may send from (got "${notificationSender}"), e.g. -c notificationSender=alerts@example.com`,
    );
  }
  const agentImageRepository = optionalContext(app, 'agentImageRepository') ?? defaultAgentImageRepository;
  if (!isAgentImageRepository(agentImageRepository)) {
    throw new ConfigError(
      `Context "agentImageRepository" must be an image repository without a tag, lowercase (got "${agentImageRepository}"), e.g. -c agentImageRepository=123456789012.dkr.ecr.eu-west-1.amazonaws.com/spot-optimizer-agent`,
    );
  }
  return {
    stage,
    agentImageRepository,
    env: {
      account: process.env.CDK_DEFAULT_ACCOUNT,
      region: process.env.CDK_DEFAULT_REGION ?? optionalContext(app, 'region'),
    },
    ...(domainName && certificateArn ? { domainName, certificateArn } : {}),
    ...(notificationSender ? { notificationSender } : {}),
  };
}

function optionalContext(app: App, key: string): string | undefined {
  const value = app.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
