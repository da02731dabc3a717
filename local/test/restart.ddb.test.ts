import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interruptedTwiceReason } from '../../functions/src/domain/discovery/resume';
import { readStackState } from '../src/stack-state';
import { findFreePort } from '../src/tcp-ports';

/**
 * The hardening suite's restart fault: the local stack is killed with SIGKILL while discoveries run, then
 * started again on the same data directory. Each interrupted discovery must end in a final state with a
 * reason (resumed once; `error` when the resumption is cut off too), nothing must be started twice, and
 * the killed run's DynamoDB Local and cognito-local must be cleaned up.
 */
const repo = resolve(import.meta.dirname, '../..');
const script = join(import.meta.dirname, 'restart-stack.ts');
const dir = mkdtempSync(join(tmpdir(), 'spot-restart-'));
const running = new Set<ChildProcess>();
let ports = '';

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  // Whatever a killed run left behind (its services) is recorded in stack.json; never leave it running.
  for (const c of readStackState(join(dir, 'stack.json')).children ?? []) kill(c.pid);
  rmSync(dir, { recursive: true, force: true });
});

function kill(pid: number) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Run {
  child: ChildProcess;
  url: string;
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
}

async function startRun(hangAccounts: string[] = []): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir], {
    cwd: repo,
    env: { ...process.env, RESTART_PORTS: ports, RESTART_HANG_ACCOUNTS: hangAccounts.join(',') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  const waitFor = async (pattern: RegExp, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = out.match(pattern);
      if (match) return match;
      if (child.exitCode !== null) throw new Error(`stack exited (${child.exitCode}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const [, url] = await waitFor(/READY (\S+)/);
  return { child, url: url as string, output: () => out, waitFor };
}

async function killRun(run: Run): Promise<void> {
  const exited = new Promise((r) => run.child.once('exit', r));
  run.child.kill('SIGKILL');
  await exited;
}

async function stopRun(run: Run): Promise<void> {
  const exited = new Promise((r) => run.child.once('exit', r));
  run.child.kill('SIGTERM');
  await exited;
}

async function api(url: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
}

/** Signs up an organization and connects the sandbox's `index`-th AWS account with its access keys. */
async function connectSandboxAccount(url: string, index: number) {
  const email = `restart-${index}-${Date.now()}@example.com`;
  const password = 'Restart-Password-123!';
  const signup = await api(url, 'POST', '/api/auth/signup', undefined, {
    organizationName: `Restart ${index}`,
    email,
    password,
  });
  expect(signup.status, signup.text).toBe(201);
  const signin = await api(url, 'POST', '/api/auth/token', undefined, { email, password });
  expect(signin.status, signin.text).toBe(200);
  const token = String(signin.body.accessToken);
  const keys = (
    JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')) as {
      accounts: { region: string; accessKeyId: string; secretAccessKey: string }[];
    }
  ).accounts[index];
  if (!keys) throw new Error(`the sandbox has no account ${index}`);
  const connected = await api(url, 'POST', '/api/client/accounts/connect', token, {
    method: 'access-key',
    region: keys.region,
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secretAccessKey,
  });
  expect(connected.status, connected.text).toBeLessThan(300);
  const account = (connected.body.account ?? connected.body) as { id: string; status: string };
  expect(account.status).toBe('scanning');
  return { token, accountId: account.id };
}

async function accountOf(url: string, token: string) {
  const res = await api(url, 'GET', '/api/client/accounts', token);
  expect(res.status, res.text).toBe(200);
  const [account] = res.body.items as { id: string; status: string; statusReason: string | null }[];
  if (!account) throw new Error('no account');
  return account;
}

async function waitForStatus(url: string, token: string, status: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const account = await accountOf(url, token);
    if (account.status === status) return account;
    if (Date.now() > deadline) throw new Error(`still ${account.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const discoverySchedules = () =>
  (
    JSON.parse(readFileSync(join(dir, 'schedules.json'), 'utf8')) as {
      schedules: { spec: { name: string } }[];
    }
  ).schedules.map((s) => s.spec.name);

describe('the local stack killed mid-discovery (SIGKILL) and started again', () => {
  it('ends every interrupted discovery in a final state with a reason, once, and cleans up', async () => {
    ports = [await findFreePort(), await findFreePort('0.0.0.0'), await findFreePort()].join(',');
    // Run 1: two organizations connect and their first discoveries complete. Run 1b: a Re-Sync of each
    // hangs in ListRegions, and the stack is killed.
    const first = await startRun();
    const a = await connectSandboxAccount(first.url, 0);
    const b = await connectSandboxAccount(first.url, 1);
    await waitForStatus(first.url, a.token, 'active');
    await waitForStatus(first.url, b.token, 'active');
    await stopRun(first);
    const hanging = await startRun([a.accountId, b.accountId]);
    // Re-Sync both so that their discoveries run in this (hanging) stack.
    for (const x of [a, b]) {
      const res = await api(hanging.url, 'POST', `/api/client/accounts/${x.accountId}/resync`, x.token);
      expect(res.status, res.text).toBe(202);
    }
    await hanging.waitFor(new RegExp(`HUNG ${a.accountId}`));
    await hanging.waitFor(new RegExp(`HUNG ${b.accountId}`));
    const services = readStackState(join(dir, 'stack.json')).children ?? [];
    expect(services.map((c) => c.name).sort()).toEqual(['cognito-local', 'dynamodb-local']);
    await killRun(hanging);
    // The services of the killed stack outlive it until the next start cleans them up.
    expect(services.every((c) => alive(c.pid))).toBe(true);

    // Run 2: A resumes and completes; B's resumption hangs again and is killed too.
    const second = await startRun([b.accountId]);
    expect(services.some((c) => alive(c.pid))).toBe(false);
    expect(second.output()).toContain(`discovery of account ${a.accountId} was interrupted: resumed`);
    expect(second.output()).toContain(`discovery of account ${b.accountId} was interrupted: resumed`);
    const resumedA = await waitForStatus(second.url, a.token, 'active');
    expect(resumedA.statusReason).toBeNull();
    await second.waitFor(new RegExp(`HUNG ${b.accountId}`));
    expect((await accountOf(second.url, b.token)).status).toBe('scanning');
    // Each account's interrupted run was started again exactly once.
    for (const x of [a, b]) {
      const starts = second
        .output()
        .match(new RegExp(`workflow discovery started: resume-${x.accountId}-`, 'g'));
      expect(starts).toHaveLength(1);
    }
    await killRun(second);

    // Run 3: B was cut off twice: `error` with a reason a person can act on, not a third attempt.
    const third = await startRun();
    try {
      expect(third.output()).toContain(`discovery of account ${b.accountId} was interrupted: failed`);
      expect(third.output()).not.toContain(`discovery of account ${a.accountId} was interrupted`);
      expect(third.output()).not.toContain('workflow discovery started');
      const failed = await accountOf(third.url, b.token);
      expect(failed).toMatchObject({ status: 'error', statusReason: interruptedTwiceReason });
      expect((await accountOf(third.url, a.token)).status).toBe('active');
      // The periodic schedules were kept once each through three starts and two kills.
      expect(discoverySchedules().sort()).toEqual(
        [`discovery-${a.accountId}`, `discovery-${b.accountId}`].sort(),
      );
      // The reason says what to do, and doing it works.
      const resync = await api(third.url, 'POST', `/api/client/accounts/${b.accountId}/resync`, b.token);
      expect(resync.status, resync.text).toBe(202);
      await waitForStatus(third.url, b.token, 'active');
    } finally {
      await stopRun(third);
    }
  }, 600_000);
});
