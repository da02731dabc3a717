import { z } from 'zod';
import { apiRequest } from './client';

/**
 * The sandbox cloud of the local stack (`/sandbox/...`, served only by the local gateway): simulated AWS
 * accounts that a new user can connect in a minute. In AWS these routes do not exist, so the wizard
 * shows its sandbox shortcuts only when `GET /sandbox/accounts` answers.
 */
const sandboxAccountsSchema = z
  .object({ items: z.array(z.object({ awsAccountId: z.string() }).loose()).optional() })
  .loose();

/** The sandbox's AWS account ids, or null when there is no sandbox (any failure means none). */
export async function sandboxAccountIds(): Promise<string[] | null> {
  try {
    const body = await apiRequest('/sandbox/accounts', { auth: false });
    // Without a sandbox the path falls through to the SPA's index.html, which is not a JSON object.
    const parsed = sandboxAccountsSchema.safeParse(body);
    return parsed.success ? (parsed.data.items ?? []).map((a) => a.awsAccountId) : null;
  } catch {
    return null;
  }
}

/** Plays "deploy the onboarding stack" in a sandbox account: a role trusting the External ID. */
export async function deploySandboxOnboardingStack(
  awsAccountId: string,
  externalId: string,
): Promise<string> {
  const body = await apiRequest(`/sandbox/accounts/${encodeURIComponent(awsAccountId)}/onboarding-stack`, {
    method: 'POST',
    body: { externalId },
    auth: false,
    schema: z.object({ roleArn: z.string() }).loose(),
  });
  return body.roleArn;
}

/**
 * Plays "run the Add Cluster wizard's Helm command" in a sandbox cluster: the sandbox builds the real
 * agent with the install token and makes its first push (ADR 0051).
 */
export async function runSandboxAgentInstall(clusterName: string, token: string): Promise<void> {
  await apiRequest(`/sandbox/clusters/${encodeURIComponent(clusterName)}/agent-install`, {
    method: 'POST',
    body: { token },
    auth: false,
  });
}
