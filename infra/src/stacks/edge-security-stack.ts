import { ArnFormat, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { logRetention } from '../constructs/product-function';
import type { Names } from '../naming';

/** CloudFront only accepts web ACLs of scope CLOUDFRONT, and those exist only in us-east-1. */
export const edgeRegion = 'us-east-1';

/** The AWS managed rule groups in front of the product, in evaluation order. */
export const managedRuleGroups = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
] as const;

/**
 * Requests per IP in WAF's 5-minute window. Everything: the SPA's polling plus an agent fleet behind one
 * NAT (an agent posts once per 5 minutes) stays far below it. Sign-in/sign-up: a person needs a handful;
 * credential stuffing needs thousands. The API's own per-IP limits (429) still apply below these.
 */
export const rateLimits = { perIp: 2000, authPerIp: 100, windowSeconds: 300 } as const;

export interface EdgeSecurityStackProps extends StackProps {
  readonly names: Names;
}

const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/**
 * The web ACL of the CloudFront distribution, which is the product's single public entry point: the SPA
 * and `/api/*` (users and agents) both pass it. Its own stack because a CLOUDFRONT-scoped ACL must live
 * in us-east-1 while the rest of the product lives in the deployment region (ADR 0022).
 */
export class EdgeSecurityStack extends Stack {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeSecurityStackProps) {
    super(scope, id, props);
    const n = props.names;

    const managed = managedRuleGroups.map(
      (name, index): CfnWebACL.RuleProperty => ({
        name: `AWS-${name}`,
        priority: 10 + index,
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name,
            // The common rule set blocks bodies over 8 KB; agent snapshots are up to 6 MiB. The handlers
            // enforce each route's own body limit (413), so this one rule only counts.
            ...(name === 'AWSManagedRulesCommonRuleSet'
              ? { ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }] }
              : {}),
          },
        },
        visibilityConfig: visibility(`${n.apiName}-${name}`),
      }),
    );

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `${n.apiName}-edge`,
      description: 'Spot Optimizer: managed rules and per-IP rate limits in front of the SPA and the API',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${n.apiName}-edge`),
      rules: [
        {
          name: 'RateLimitAuthPerIp',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: rateLimits.authPerIp,
              evaluationWindowSec: rateLimits.windowSeconds,
              aggregateKeyType: 'IP',
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'STARTS_WITH',
                  searchString: '/api/auth/',
                  textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
                },
              },
            },
          },
          visibilityConfig: visibility(`${n.apiName}-rate-auth`),
        },
        {
          name: 'RateLimitPerIp',
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: rateLimits.perIp,
              evaluationWindowSec: rateLimits.windowSeconds,
              aggregateKeyType: 'IP',
            },
          },
          visibilityConfig: visibility(`${n.apiName}-rate`),
        },
        ...managed,
      ],
    });

    // WAF only writes to log groups named aws-waf-logs-*, addressed by an ARN without the `:*` suffix.
    const logGroupName = `aws-waf-logs-${n.apiName}`;
    const logs = new LogGroup(this, 'WebAclLogs', {
      logGroupName,
      retention: logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logging = new CfnLoggingConfiguration(this, 'WebAclLogging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [
        this.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // Bearer tokens (user JWTs, agent tokens) never reach the logs.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });
    logging.node.addDependency(logs);

    new CfnOutput(this, 'WebAclArn', { value: this.webAcl.attrArn });
  }
}
