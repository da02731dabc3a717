import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { optionalEnv, requiredEnv } from '../../lib/env';
import type { SitePort } from '../types';

/**
 * The web app's address in AWS. The CloudFront distribution (or the custom domain) is created by the web
 * stack, which deploys after the functions, so it cannot be an environment variable of theirs: the web
 * stack writes it to an SSM parameter (`APP_URL_PARAMETER`), read here once per cold start. `APP_URL`
 * set in the environment wins (the local stack, tests).
 */
export class SsmSiteUrl implements SitePort {
  private cached: Promise<string> | undefined;

  constructor(private readonly client = new SSMClient({})) {}

  appUrl(): Promise<string> {
    const fixed = optionalEnv('APP_URL');
    if (fixed) return Promise.resolve(fixed.replace(/\/+$/, ''));
    this.cached ??= this.client
      .send(new GetParameterCommand({ Name: requiredEnv('APP_URL_PARAMETER') }))
      .then((out) => {
        const value = out.Parameter?.Value;
        if (!value) throw new Error('The app URL parameter is empty');
        return value.replace(/\/+$/, '');
      })
      .catch((error: unknown) => {
        // Not kept: the next notice asks again (the web stack may simply not be deployed yet).
        this.cached = undefined;
        throw error;
      });
    return this.cached;
  }
}
