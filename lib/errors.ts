import { terminalSafe } from './terminal-safe.js';

/**
 * The project's one error class. A code says what kind of failure it is (and so the exit
 * code, from one table); the message says what happened; the hint says what to do next.
 */
export const ERROR_EXIT_CODES = {
  USAGE: 64,
  MANIFEST_INVALID: 65,
  MANIFEST_NOT_FOUND: 65,
  MANIFEST_CHANGED: 65,
  ROUTES_INVALID: 65,
  PROPOSAL_INVALID: 65,
  PROPOSAL_NOT_FOUND: 65,
  PROPOSAL_STALE: 65,
  PROPOSAL_EXPIRED: 65,
  PROPOSAL_SUPERSEDED: 65,
  DOCKERFILE_INVALID: 65,
  INPUT_INVALID: 65,
  SECRET_MISSING: 78,
  CREDENTIAL_INVALID: 78,
  CONFIG_INVALID: 78,
  STATE_INVALID: 78,
  ALREADY_EXISTS: 73,
  DECISION_EXISTS: 73,
  DOCKER_UNAVAILABLE: 69,
  COMPOSE_UNAVAILABLE: 69,
  IMAGE_MISSING: 69,
  IMAGE_BUILD_FAILED: 70,
  START_FAILED: 70,
  APPLY_FAILED: 70,
  EDITOR_FAILED: 70,
  NOT_FOUND: 66,
  CHECK_FAILED: 1,
  AUDIT_INVALID: 1,
  INTERNAL: 70,
} as const;

export type ErrorCode = keyof typeof ERROR_EXIT_CODES;

export interface BottleErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class BottleError extends Error {
  override readonly name = 'BottleError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: BottleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return ERROR_EXIT_CODES[this.code];
  }
}

export function isBottleError(error: unknown): error is BottleError {
  return error instanceof BottleError;
}

/** `error[CODE]: message` plus an indented hint line: what the CLI prints for a failure. */
export function formatError(error: unknown): string {
  // Messages may carry text an agent chose (a build's output, a file's key): never raw escapes.
  if (isBottleError(error)) {
    const hint = error.hint ? `\n  hint: ${terminalSafe(error.hint)}` : '';
    return `error[${error.code}]: ${terminalSafe(error.message)}${hint}`;
  }
  const message = terminalSafe(error instanceof Error ? error.message : String(error));
  return `error[INTERNAL]: ${message}\n  hint: this is a bug in claude-bottle; please report it with the command you ran`;
}

export function exitCodeOf(error: unknown): number {
  return isBottleError(error) ? error.exitCode : ERROR_EXIT_CODES.INTERNAL;
}
