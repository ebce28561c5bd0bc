import { readFile, stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { BottleError } from '../lib/errors.js';
import { createLogger, type LogSink } from '../lib/log.js';
import { createContext } from './context.js';
import type { ServeOptions } from './options.js';
import { serveHttp } from './transports/http.js';
import { serveStdio } from './transports/stdio.js';

export interface SuperviseDeps {
  stdin: Readable;
  stdout: Writable;
  /** Where the JSON log lines go; never stdout. */
  stderr: LogSink;
  /** Stops the server (SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

const MIN_TOKEN_LENGTH = 16;

/** Serves until stdin ends (stdio) or `signal` aborts; resolves to an exit code. */
export async function runSupervise(options: ServeOptions, deps: SuperviseDeps): Promise<number> {
  await checkStateDir(options.stateDir);
  const log = createLogger({ component: 'supervise', sink: deps.stderr });
  const ctx = createContext({
    stateDir: options.stateDir,
    maxWaitSeconds: options.maxWaitSeconds,
    log,
  });
  const { transport } = options;
  if (transport.kind === 'stdio') {
    await serveStdio(ctx, deps, deps.signal);
    return 0;
  }
  const token = await readToken(transport.tokenFile);
  const handle = await serveHttp(ctx, { ...transport, token });
  await new Promise<void>((resolve) => {
    if (deps.signal?.aborted) resolve();
    deps.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await handle.close();
  log.info('stopped', { transport: 'http' });
  return 0;
}

async function checkStateDir(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new BottleError('STATE_INVALID', `mcp: --state ${dir} is not a directory`, {
      hint: "pass a bottle's state folder, e.g. ~/.claude-bottle/state/<slug>",
    });
  }
}

/** The token is read once at start; errors name the file, never its content. */
async function readToken(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BottleError('CONFIG_INVALID', `mcp: cannot read --token-file ${file}`, {
      hint: 'check the path and that this user may read it',
      cause: error,
    });
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new BottleError(
      'CONFIG_INVALID',
      `mcp: --token-file ${file} must hold one token of at least ${MIN_TOKEN_LENGTH} characters without spaces`,
      { hint: 'write a fresh random token, e.g. `openssl rand -hex 32 > FILE`' },
    );
  }
  return token;
}
