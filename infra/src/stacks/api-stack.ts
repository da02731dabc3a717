import { type RouteDefinition, routeKey } from '@spot/functions/routes';
import { CfnOutput, Duration, NestedStack, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { functionEntry } from '../constructs/function-bundles';
import { logRetention, ProductFunction } from '../constructs/product-function';
import { moduleSlug } from '../naming';
import type { ProductResources } from '../policies';

/** Default for routes without `timeoutSeconds`; API Gateway itself gives up after 30 s. */
const defaultRouteTimeout = Duration.seconds(10);

export interface ApiStackProps extends StackProps {
  readonly resources: ProductResources;
  readonly userPool: IUserPool;
  readonly userPoolClient: IUserPoolClient;
  readonly routes: readonly RouteDefinition[];
  /** Directory holding `handlers/<handler>.ts`. */
  readonly functionsSourceDir: string;
}

/**
 * The HTTP API: one route and one function per row of the shared route table. Routes that need a user
 * also pass a JWT authorizer on the user pool, so a request without a valid token never reaches a
 * function; the handlers verify the token again and check the role (`admin` routes) themselves. Agent
 * routes carry a per-cluster agent token, not a Cognito JWT: their function checks it (by SHA-256).
 */
export class ApiStack extends Stack {
  readonly httpApi: HttpApi;
  readonly functions = new Map<string, ProductFunction>();
  /**
   * The route functions live in nested stacks, one per handler directory (`clusters`, `policies`, ...):
   * each route is 7 resources (function, role, policy, log group, permission, integration, route) and a
   * CloudFormation stack holds at most 500, which 71 routes reached (ADR 0048). A route's nested stack
   * follows from its handler, so adding a route never moves another route's function.
   */
  readonly routeStacks = new Map<string, NestedStack>();
  /** `<api-id>.execute-api.<region>.amazonaws.com`, the CloudFront origin. */
  readonly apiDomainName: string;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const n = props.resources.names;

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: n.apiName,
      description: 'Spot Optimizer API, served to the SPA through CloudFront under /api/*',
      createDefaultStage: false,
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: `${n.logGroupPrefix}/api-access`,
      retention: logRetention,
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      // Caps what a single caller (or a bug in the SPA) can spend; far above the product's real traffic.
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });

    const authorizer = new HttpUserPoolAuthorizer('UserPoolAuthorizer', props.userPool, {
      userPoolClients: [props.userPoolClient],
    });

    // The route table's `rateLimit.gateway`: each limited route's own throttle (all callers together),
    // replacing the stage default for that route and never looser than it. Per-IP, per-email, per-organization and per-cluster limits are counted by the
    // functions themselves (DynamoDB), as API Gateway HTTP APIs cannot throttle per caller.
    const throttledRoutes: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    const routeStackOf = (route: RouteDefinition) => {
      const group = route.handler.includes('/') ? (route.handler.split('/')[0] as string) : 'root';
      let nested = this.routeStacks.get(group);
      if (!nested) {
        nested = new NestedStack(this, `Routes-${moduleSlug(group)}`, {
          description: `Spot Optimizer API: the functions of the ${group} routes`,
        });
        this.routeStacks.set(group, nested);
      }
      return nested;
    };
    for (const route of props.routes) {
      const fn = new ProductFunction(routeStackOf(route), `Route-${moduleSlug(route.handler)}`, {
        entry: functionEntry.route(props.functionsSourceDir, route.handler),
        description: routeKey(route),
        logGroupName: `${n.logGroupPrefix}/api/${moduleSlug(route.handler)}`,
        timeout: route.timeoutSeconds ? Duration.seconds(route.timeoutSeconds) : defaultRouteTimeout,
        needs: route.needs ?? [],
        resources: props.resources,
      });
      this.functions.set(routeKey(route), fn);

      const [httpRoute] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`Integration-${moduleSlug(route.handler)}`, fn.function),
        ...(route.auth === 'public' || route.auth === 'agent' ? {} : { authorizer }),
      });
      if (route.rateLimit && httpRoute) {
        throttledRoutes[routeKey(route)] = {
          ThrottlingRateLimit: route.rateLimit.gateway.requestsPerSecond,
          ThrottlingBurstLimit: route.rateLimit.gateway.burst,
        };
        // Route settings name the route key, which must exist when the stage is updated.
        stage.node.addDependency(httpRoute);
      }
      if (route.auth === 'public' && httpRoute) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey(route)} is public by design (health check, sign-up, sign-in or token refresh: how a caller without a token gets one; or a hibernation notice's Snooze link, whose signed single-use token is the credential).`,
        });
      }
      if (route.auth === 'agent' && httpRoute) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey(route)} is called by in-cluster agents, which have no Cognito user: the function authenticates each request with the cluster's agent token (looked up by its SHA-256) before reading the body.`,
        });
      }
    }

    (stage.node.defaultChild as CfnStage).routeSettings = throttledRoutes;

    this.apiDomainName = `${this.httpApi.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
    new CfnOutput(this, 'ApiEndpoint', {
      description: 'Direct API endpoint (the SPA uses the same routes through CloudFront under /api)',
      value: this.httpApi.apiEndpoint,
    });
  }
}
