/**
 * Errors of the local stack. Each has a machine-readable `code` and a message that tells a person what
 * to do next (which port to change, which package to install), because they end up on a terminal.
 */
export class LocalStackError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LocalStackError';
  }
}

/** A configured port is taken by another process. */
export class PortInUseError extends LocalStackError {
  constructor(
    readonly port: number,
    readonly envVar: string,
    readonly suggestedPort: number,
  ) {
    super(
      'PORT_IN_USE',
      `Port ${port} is already in use. Stop the other process or set ${envVar}=${suggestedPort}.`,
    );
    this.name = 'PortInUseError';
  }
}

/** A child service (DynamoDB Local, cognito-local) failed to start or to become ready. */
export class ServiceStartError extends LocalStackError {
  constructor(service: string, message: string, options?: { cause?: unknown }) {
    super('SERVICE_START_FAILED', `${service}: ${message}`, options);
    this.name = 'ServiceStartError';
  }
}

/** A schedule expression that EventBridge Scheduler would reject. */
export class ScheduleExpressionError extends LocalStackError {
  constructor(
    readonly expression: string,
    reason: string,
  ) {
    super('INVALID_SCHEDULE_EXPRESSION', `Invalid schedule expression "${expression}": ${reason}`);
    this.name = 'ScheduleExpressionError';
  }
}

/** The local workflow runner cannot start or find an execution. */
export class WorkflowError extends LocalStackError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'WorkflowError';
  }
}

/** The local key service cannot read its master key or unwrap a data key. */
export class LocalKeyError extends LocalStackError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'LocalKeyError';
  }
}

/** A test helper was pointed at something that is not a local service. */
export class NonLocalEndpointError extends LocalStackError {
  constructor(endpoint: string) {
    super(
      'NON_LOCAL_ENDPOINT',
      `Refusing to use ${endpoint}: tests only run against 127.0.0.1 or localhost, never a real AWS endpoint.`,
    );
    this.name = 'NonLocalEndpointError';
  }
}
