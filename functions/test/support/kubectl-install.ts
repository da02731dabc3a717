import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { parseAllDocuments } from 'yaml';

/**
 * The kubectl install command run by sh with `manifest` as what curl would have fetched: its first line
 * (`curl … \`) becomes `cat \` and its last (`| kubectl apply -f -`) `| cat`. The sed lines between are
 * the command's own, so its quoting and patterns are tested as a shell runs them.
 */
export function runKubectlInstall(kubectl: string, manifest: string): string {
  const lines = kubectl.split('\n');
  expect(lines[0] ?? '').toMatch(/^curl -fsSL \S+ \\$/);
  expect(lines.at(-1)).toBe('  | kubectl apply -f -');
  const script = ['cat \\', ...lines.slice(1, -1), '  | cat'].join('\n');
  return execFileSync('sh', ['-c', script], { input: manifest, encoding: 'utf8' });
}
export type Doc = {
  kind: string;
  metadata: { name: string; namespace?: string };
  stringData?: Record<string, string>;
  spec?: {
    template: {
      spec: {
        containers: {
          image?: string;
          env: {
            name: string;
            value?: string;
            valueFrom?: {
              secretKeyRef?: { name: string; key: string };
              fieldRef?: { fieldPath: string };
            };
          }[];
        }[];
      };
    };
  };
};

/** The documents, parsed: a YAML error fails the test with its message. */
export function documentsOf(text: string): Doc[] {
  const docs = parseAllDocuments(text);
  for (const d of docs) expect(d.errors.map((e) => e.message)).toEqual([]);
  return docs.map((d) => d.toJS() as Doc);
}

/**
 * The agent container's environment as the kubelet would set it: secretKeyRef values read from the
 * Secrets, the pod's namespace (`fieldRef: metadata.namespace`) the Deployment's.
 */
export function agentEnvironment(docs: Doc[]): Record<string, string> {
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const container = deployment?.spec?.template.spec.containers[0];
  if (!container) throw new Error('no agent container');
  return Object.fromEntries(
    container.env.map((e) => {
      const ref = e.valueFrom?.secretKeyRef;
      const field = e.valueFrom?.fieldRef?.fieldPath;
      const value = ref
        ? docs.find((d) => d.kind === 'Secret' && d.metadata.name === ref.name)?.stringData?.[ref.key]
        : field === 'metadata.namespace'
          ? deployment?.metadata.namespace
          : e.value;
      if (value === undefined) throw new Error(`${e.name} has no value`);
      return [e.name, value];
    }),
  );
}
