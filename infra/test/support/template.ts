import type { Template } from 'aws-cdk-lib/assertions';

export type Json = Record<string, unknown>;

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
}

export const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Every Allow statement that applies to a role: its inline policies and each AWS::IAM::Policy or
 * AWS::IAM::ManagedPolicy attached to it in the same template.
 */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const roles = template.findResources('AWS::IAM::Role');
  const role = roles[roleLogicalId] as {
    Properties: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] };
  };
  if (!role) throw new Error(`No role ${roleLogicalId}`);
  const inline = (role.Properties.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
  const attached = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].flatMap((type) =>
    Object.values(template.findResources(type))
      .map((r) => r as { Properties: { Roles?: Json[]; PolicyDocument: { Statement: Statement[] } } })
      .filter((r) => (r.Properties.Roles ?? []).some((ref) => ref.Ref === roleLogicalId))
      .flatMap((r) => r.Properties.PolicyDocument.Statement),
  );
  return [...inline, ...attached].filter((s) => s.Effect === 'Allow');
}

export const actionsOf = (statements: Statement[]) => new Set(statements.flatMap((s) => asArray(s.Action)));

/**
 * A CloudFormation value as a flat string: `Fn::Join` concatenated, `Fn::GetAtt`/`Ref` as `<Id.Attr>`/
 * `<Id>`, anything else as JSON. Good enough to check ARN shapes and find wildcards.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Json;
    if (Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(sep);
    }
    if (Array.isArray(v['Fn::GetAtt'])) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
    if (typeof v.Ref === 'string') return `<${v.Ref}>`;
  }
  return JSON.stringify(value);
}
