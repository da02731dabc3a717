import {
  customerReadActions,
  customerReadOnlyRoleNamePrefix,
  customerWriteActions,
} from '@spot/shared/model/customer-permissions';
import {
  CfnCondition,
  CfnOutput,
  CfnParameter,
  DefaultStackSynthesizer,
  Fn,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import {
  ArnPrincipal,
  type CfnPolicy,
  Policy,
  PolicyDocument,
  PolicyStatement,
  Role,
} from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** Lowercase UUID (any version), as the platform generates External IDs with `crypto.randomUUID()`. */
export const externalIdPattern = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** The platform's account root or a role in it, in any commercial, China or GovCloud partition. */
export const platformPrincipalArnPattern =
  '^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:(root|role/[A-Za-z0-9+=,.@_/-]{1,512})$';

/**
 * The CloudFormation template customers deploy in their own account to connect it. Generated from this
 * stack into `cfn-templates/` (`npm run gen:cfn -w infra`) and kept in step by a staleness test; it is not
 * part of the platform's `cdk deploy --all`.
 *
 * It creates one role the platform may assume only with the connection's External ID (confused-deputy
 * protection), with a read-only policy listing exactly the actions the product calls, and a second policy
 * with the capacity-changing actions that exists only when the customer sets EnableWriteActions=true.
 */
export class CustomerOnboardingStack extends Stack {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, {
      description:
        'Spot Optimizer: cross-account role for cost discovery (read-only unless EnableWriteActions is true)',
      // A plain template for customers: no CDK bootstrap parameter, no CDK metadata resource.
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      analyticsReporting: false,
      ...props,
    });

    const externalId = new CfnParameter(this, 'ExternalId', {
      type: 'String',
      description: 'The External ID shown on the Spot Optimizer onboarding screen for this connection.',
      allowedPattern: externalIdPattern,
      constraintDescription:
        'Must be the lowercase UUID from the onboarding screen, e.g. 3f2b9c1e-7a4d-4e2b-9c1e-7a4d4e2b9c1e.',
    });
    const platformPrincipalArn = new CfnParameter(this, 'PlatformPrincipalArn', {
      type: 'String',
      description:
        'The Spot Optimizer platform principal allowed to assume the role (shown on the onboarding screen).',
      allowedPattern: platformPrincipalArnPattern,
      constraintDescription:
        'Must be an IAM account root or role ARN, e.g. arn:aws:iam::123456789012:root or arn:aws:iam::123456789012:role/SpotOptimizerPlatform.',
    });
    const enableWriteActions = new CfnParameter(this, 'EnableWriteActions', {
      type: 'String',
      description:
        'Allow Spot Optimizer to change capacity (hibernation schedules, scaling node groups). Leave false for read-only analysis.',
      default: 'false',
      allowedValues: ['false', 'true'],
      allowedPattern: '^(true|false)$',
      constraintDescription: 'Must be true or false.',
    });

    this.templateOptions.metadata = {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          {
            Label: { default: 'Connection (copy both values from the Spot Optimizer onboarding screen)' },
            Parameters: [externalId.logicalId, platformPrincipalArn.logicalId],
          },
          { Label: { default: 'Permissions' }, Parameters: [enableWriteActions.logicalId] },
        ],
        ParameterLabels: {
          [externalId.logicalId]: { default: 'External ID' },
          [platformPrincipalArn.logicalId]: { default: 'Spot Optimizer platform principal ARN' },
          [enableWriteActions.logicalId]: { default: 'Allow capacity changes (write actions)?' },
        },
      },
    };

    const writeEnabled = new CfnCondition(this, 'WriteActionsEnabled', {
      expression: Fn.conditionEquals(enableWriteActions.valueAsString, 'true'),
    });

    this.role = new Role(this, 'Role', {
      // The first group of the External ID keeps the name stable per connection and computable by the
      // platform (see customerRoleName in shared/src/model/customer-permissions.ts).
      roleName: Fn.join('', [
        customerReadOnlyRoleNamePrefix,
        Fn.select(0, Fn.split('-', externalId.valueAsString)),
      ]),
      description: 'Assumed by Spot Optimizer to analyse EC2, Auto Scaling and EKS costs in this account',
      assumedBy: new ArnPrincipal(platformPrincipalArn.valueAsString),
      externalIds: [externalId.valueAsString],
      inlinePolicies: {
        SpotOptimizerReadOnly: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'ReadOnly',
              actions: customerReadActions.map((p) => p.action),
              resources: ['*'],
            }),
          ],
        }),
      },
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Describe/List/Get actions of EC2, Auto Scaling, EKS listing, CloudWatch metrics and Pricing support no resource-level permissions (or only after discovery finds the resources); the actions themselves are listed one by one.',
    });

    const writePolicy = new Policy(this, 'WritePolicy', {
      policyName: 'SpotOptimizerWrite',
      roles: [this.role],
      statements: [
        new PolicyStatement({
          sid: 'CapacityChanges',
          actions: customerWriteActions.map((p) => p.action),
          resources: ['*'],
        }),
      ],
    });
    (writePolicy.node.defaultChild as CfnPolicy).cfnOptions.condition = writeEnabled;
    Validations.of(writePolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The node groups, Auto Scaling groups and instances to change are chosen by the customer in the product after discovery, so their ARNs are unknown when this template is deployed; the actions are listed one by one and exist only when EnableWriteActions is true.',
    });

    new CfnOutput(this, 'RoleArn', {
      description: 'The role Spot Optimizer assumes; the platform derives the same ARN from the External ID.',
      value: this.role.roleArn,
    });
  }
}
