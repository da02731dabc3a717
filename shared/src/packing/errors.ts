import { ValidationError } from '../errors';

/** The packing problem is malformed or contradictory; the message says what to fix. */
export class InvalidPackingProblemError extends ValidationError {
  constructor(message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, details, options);
    this.name = 'InvalidPackingProblemError';
  }
}

/**
 * The LP solver failed (numerical trouble, WebAssembly error). Internal: the packer catches it and keeps
 * the heuristic plan with the simple bounds.
 */
export class PackingSolverError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PackingSolverError';
  }
}
