/**
 * The sandbox cloud of the local stack: simulated AWS accounts with EKS clusters behind the
 * `CustomerCloudPort` (docs/sandbox.md). `npm start` builds one, installs it with
 * `configurePorts({ cloud })`, mounts its local routes and writes its keys to `.local/sandbox.json`.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type SandboxCloud, sandboxKeys } from './cloud';

export { SandboxCloud, type SandboxOptions, sandboxKeys } from './cloud';
export { SandboxKubernetesPort } from './kubernetes-port';
export { sandboxRoutes } from './routes';
export type { SandboxSize } from './world';

/** Writes `{"accounts":[{awsAccountId, region, accessKeyId, secretAccessKey}]}` readable by the owner only. */
export function writeSandboxKeysFile(file: string, cloud: SandboxCloud): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(sandboxKeys(cloud), null, 2)}\n`, { mode: 0o600 });
  // writeFileSync keeps the mode of an existing file: set it every time.
  chmodSync(file, 0o600);
}
