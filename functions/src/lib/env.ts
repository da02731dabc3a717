/**
 * Environment of the functions, read once. A missing required variable throws at first use with its
 * name, instead of running with an empty string.
 *
 * | variable | meaning |
 * |---|---|
 * | TABLE_NAME | the single DynamoDB table |
 * | DYNAMODB_ENDPOINT | local stack only: DynamoDB Local's URL |
 * | COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID | the user pool and its app client |
 * | COGNITO_ENDPOINT | local stack only: cognito-local's URL |
 * | JWT_ISSUER | local stack only: the token issuer (cognito-local's `http://host:port/<poolId>`) |
 * | STATE_MACHINE_ARN_PREFIX | `arn:aws:states:<region>:<account>:stateMachine:<stack>-` (AWS only) |
 * | SCHEDULE_GROUP_NAME, SCHEDULER_ROLE_ARN | EventBridge Scheduler group of the stage and the role it assumes |
 * | KMS_KEY_ID | the key that wraps data keys of stored secrets (AWS only) |
 * | LOCAL_KEY_FILE | local stack only: the file holding the local master key |
 * | ONBOARDING_TEMPLATE_URL | where customers' CloudFormation fetches the onboarding template (local default: the gateway's `/cfn-templates/…`) |
 * | PLATFORM_PRINCIPAL_ARN | the principal customers' roles trust (local default: `arn:aws:iam::000000000000:root`) |
 * | AGENT_IMAGE_REPOSITORY | the agent image the served manifest and chart name (default `ghcr.io/spot-optimizer/spot-optimizer-agent`) |
 * | LOG_LEVEL | debug, info (default), warn, error |
 */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Environment variable ${name} is not set`);
  }
  return value;
}

export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

export const isLocalStack = () => optionalEnv('SPOT_LOCAL_STACK') === '1';
