import { DomainError } from '../errors';

/** An instance type name the catalog does not know (typo, or a type newer than the vendored data). */
export class UnknownInstanceTypeError extends DomainError {
  constructor(
    readonly instanceType: string,
    options?: { cause?: unknown },
  ) {
    super(
      'UNKNOWN_INSTANCE_TYPE',
      `Instance type "${instanceType}" is not in the catalog; check the name or refresh the catalog.`,
      400,
      { instanceType },
      options,
    );
    this.name = 'UnknownInstanceTypeError';
  }
}
