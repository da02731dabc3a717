import {
  contentSecurityPolicy,
  crossOriginOpenerPolicy,
  frameOptions,
  hstsMaxAgeSeconds,
  permissionsPolicy,
  referrerPolicy,
} from '@spot/shared/model/security-headers';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  type HeadersFrameOption,
  type HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { logRetention } from '../constructs/product-function';
import type { Names } from '../naming';
import { webDistExists } from '../paths';
import { wildcardResourceAck } from '../policies/nag';

/**
 * Viewer-request function of the SPA behaviour: a path without a file extension is a client-side route,
 * so it is served /index.html. Only the default (S3) behaviour runs it: /api/* never does, so an API 404
 * stays a 404, and a missing asset (`/assets/x.js`) is an error instead of HTML with status 200.
 */
export const spaRewriteFunctionCode = `function handler(event) {
  var request = event.request;
  var lastSegment = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (lastSegment.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}`;

export interface WebStackProps extends StackProps {
  readonly names: Names;
  /** `<api-id>.execute-api.<region>.amazonaws.com`. */
  readonly apiDomainName: string;
  /** ARN of the CLOUDFRONT-scoped WAF web ACL (EdgeSecurityStack, us-east-1). */
  readonly webAclArn: string;
  /** The SPA build; deployed only if it holds an index.html. */
  readonly webDistDir: string;
  readonly domainName?: string;
  readonly certificateArn?: string;
}

/**
 * The SPA and the single public entry point: a private bucket behind CloudFront (origin access control),
 * `/api/*` routed to the HTTP API, the WAF web ACL in front of both, security headers on every response,
 * access logs for both.
 */
export class WebStack extends Stack {
  readonly siteBucket: Bucket;
  readonly logsBucket: Bucket;
  readonly distribution: Distribution;
  readonly responseHeadersPolicy: ResponseHeadersPolicy;
  readonly deploysSite: boolean;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);

    this.logsBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // CloudFront standard logging delivers through an ACL grant, which needs ACLs enabled.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      // No access logging of its own: cdk-nag (S1) accepts a bucket that is the log target of another.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.siteBucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 's3/site/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The values come from `@spot/shared` (security-headers.ts), which the local gateway sends too.
    this.responseHeadersPolicy = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Spot Optimizer security headers (CSP for the SPA, HSTS, no framing)',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(hstsMaxAgeSeconds),
          includeSubdomains: true,
          override: true,
        },
        frameOptions: { frameOption: frameOptions as HeadersFrameOption, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: referrerPolicy as HeadersReferrerPolicy, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Permissions-Policy', value: permissionsPolicy, override: true },
          { header: 'Cross-Origin-Opener-Policy', value: crossOriginOpenerPolicy, override: true },
        ],
      },
    });

    const spaRewrite = new CloudFrontFunction(this, 'SpaRewrite', {
      comment: 'Serve index.html for client-side routes of the SPA',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(spaRewriteFunctionCode),
    });

    const customDomain =
      props.domainName && props.certificateArn
        ? {
            domainNames: [props.domainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {};

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Spot Optimizer ${props.names.apiName}`,
      defaultRootObject: 'index.html',
      webAclId: props.webAclArn,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
      ...customDomain,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        functionAssociations: [{ function: spaRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new HttpOrigin(props.apiDomainName, {
            protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
            originSslProtocols: [OriginSslPolicy.TLS_V1_2],
          }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          // Everything the handlers read (Authorization, body, query) except Host, which API Gateway rejects.
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: this.responseHeadersPolicy,
        },
      },
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Customers and their engineers are worldwide; no country is excluded by product policy.',
    });
    if (!props.domainName) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose security policy CloudFront fixes; deploy with -c domainName=... -c certificateArn=... to enforce TLSv1.2_2021.',
      });
    }

    const siteUrl = `https://${props.domainName ?? this.distribution.distributionDomainName}`;
    new CfnOutput(this, 'SiteUrl', {
      description: 'The product: the SPA, and the API under /api',
      value: siteUrl,
    });
    // For links in messages (Snooze links): the functions deploy before this stack and read it at run time.
    new StringParameter(this, 'AppUrl', {
      parameterName: props.names.appUrlParameterName,
      description: 'The web app address, for links in hibernation notices',
      stringValue: siteUrl,
    });

    this.deploysSite = webDistExists(props.webDistDir);
    if (this.deploysSite) {
      this.deploySite(props.webDistDir);
    }
  }

  /**
   * Hashed assets first (cached for a year, old ones kept so open tabs keep working), then index.html
   * (never cached, invalidated) so a new index.html never points at assets that are not there yet.
   */
  private deploySite(webDistDir: string): void {
    const logGroup = new LogGroup(this, 'DeploymentLogs', { retention: logRetention });
    const assets = new BucketDeployment(this, 'DeployAssets', {
      sources: [Source.asset(webDistDir, { exclude: ['index.html'] })],
      destinationBucket: this.siteBucket,
      exclude: ['index.html'],
      prune: false,
      cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
      logGroup,
    });
    const index = new BucketDeployment(this, 'DeployIndex', {
      sources: [Source.asset(webDistDir, { exclude: ['*', '!index.html'] })],
      destinationBucket: this.siteBucket,
      exclude: ['*'],
      include: ['index.html'],
      prune: false,
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/index.html'],
      logGroup,
    });
    index.node.addDependency(assets);
    this.acknowledgeDeploymentHandler([assets, index]);
  }

  /**
   * BucketDeployment runs a handler function owned by aws-cdk-lib (one per stack); its role and runtime
   * are not ours to shape, so each finding on it is acknowledged here with what the grant is for.
   */
  private acknowledgeDeploymentHandler(deployments: BucketDeployment[]): void {
    const handler = this.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!handler) {
      throw new Error('BucketDeployment handler not found: aws-cdk-lib changed its construct id');
    }
    const ack = (id: string, reason: string) => Validations.of(handler).acknowledge({ id, reason });
    ack(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'Role of the aws-cdk-lib BucketDeployment handler; the managed policy only lets it write its own logs.',
    );
    for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*']) {
      ack(
        `AwsSolutions-IAM5[Action::${action}]`,
        'Read/write grant aws-cdk-lib gives the BucketDeployment handler, limited to the CDK asset bucket (read) and the site bucket (write).',
      );
    }
    const sourceBuckets = deployments.flatMap((d) =>
      d.node.findAll().filter((c): c is Asset => c instanceof Asset),
    );
    for (const source of sourceBuckets) {
      const ackObj = wildcardResourceAck(
        this,
        source.bucket.arnForObjects('*'),
        'The handler reads the zipped SPA build from the CDK asset bucket, where object keys are content hashes.',
      );
      ack(ackObj.id, ackObj.reason);
    }
    const site = wildcardResourceAck(
      this,
      this.siteBucket.arnForObjects('*'),
      'The handler copies every file of the SPA build into the site bucket, so it writes any key in it.',
    );
    ack(site.id, site.reason);
    ack(
      'AwsSolutions-IAM5[Resource::*]',
      'cloudfront:CreateInvalidation/GetInvalidation granted by aws-cdk-lib to invalidate /index.html after an upload.',
    );
    ack(
      'AwsSolutions-L1',
      'The BucketDeployment handler runtime (Python) is pinned by aws-cdk-lib and moves with aws-cdk-lib upgrades.',
    );
  }
}
