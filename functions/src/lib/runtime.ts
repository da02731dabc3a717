import { resetDbClientForTests } from '../data/client';
import { resetVerifierForTests } from '../http/auth';
import { resetPorts } from '../ports';

/**
 * Forgets every module-scope client (DynamoDB, JWT verifier, ports) so the next use reads the
 * environment again. A Lambda process never needs it; the local stack calls it when it (re)starts in
 * one process, and tests when they point the functions at fresh services.
 */
export function resetRuntime(): void {
  resetDbClientForTests();
  resetVerifierForTests();
  resetPorts();
}
