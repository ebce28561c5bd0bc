/**
 * One logger: JSON lines, one object per event. Defaults to stderr because stdout may carry
 * a protocol (MCP stdio) or a decision log that other tools parse.
 */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LogSink {
  write(line: string): unknown;
}

export interface LoggerOptions {
  component: string;
  sink?: LogSink;
  clock?: () => Date;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  const sink = options.sink ?? process.stderr;
  const clock = options.clock ?? (() => new Date());
  const base = { component: options.component, ...options.base };
  const emit = (level: string, event: string, fields?: Record<string, unknown>): void => {
    const line = { ts: clock().toISOString(), level, event, ...base, ...fields };
    sink.write(`${JSON.stringify(line, errorReplacer)}\n`);
  };
  return {
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
    child: (fields) =>
      createLogger({ ...options, sink, clock, base: { ...options.base, ...fields } }),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}

/** A logger that drops everything: for tests and quiet library use. */
export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
