import type { Acknowledgment } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Names } from '../naming';

/** The product resources a function may be granted access to; built once per stack by the app. */
export interface ProductResources {
  readonly names: Names;
  readonly table: ITable;
  readonly userPoolId: string;
  readonly userPoolArn: string;
  readonly userPoolClientId: string;
  readonly secretsKey: IKey;
  readonly schedulerRole: IRole;
  /** Workflow names whose state machines exist (`<stateMachineNamePrefix><name>`). */
  readonly workflowNames: readonly string[];
  /** The From address of the product's emails (an SES identity, or an address of one); none: no email. */
  readonly notificationSender?: string;
  /** The agent image the served manifest and chart name (`AGENT_IMAGE_REPOSITORY` of every function). */
  readonly agentImageRepository: string;
}

/**
 * Statements for one permission plus the cdk-nag acknowledgements their unavoidable wildcards need,
 * kept side by side so a wildcard cannot be added without its reason.
 */
export interface PolicyGrant {
  readonly statements: PolicyStatement[];
  readonly acknowledgements: Acknowledgment[];
}
