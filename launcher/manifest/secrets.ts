import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { BottleError } from '../../lib/errors.js';
import { describeSecretSource, type SecretSource } from './secret-source.js';
import type { LoadedBottle } from './types.js';

/** A bottle's secret values by name. Held in memory only; never logged, never written to state/. */
export type SecretValues = ReadonlyMap<string, string>;

export interface ResolveSecretsDeps {
  env: NodeJS.ProcessEnv;
  /** Relative `file:` paths resolve against the folder of the bottle file. */
  readFile?: (path: string) => Promise<string>;
}

/**
 * Resolves every secret a bottle declares, on the host, at start. A missing value is an error
 * naming the secret and its source (never a value), so nothing starts half-credentialed.
 */
export async function resolveSecrets(
  bottle: LoadedBottle,
  deps: ResolveSecretsDeps,
): Promise<SecretValues> {
  const read = deps.readFile ?? ((path: string) => readFile(path, 'utf8'));
  const values = new Map<string, string>();
  for (const [name, source] of Object.entries(bottle.config.secrets)) {
    const value = await resolveOne(source, bottle, deps.env, read);
    if (value === undefined || value.length === 0) {
      throw new BottleError(
        'SECRET_MISSING',
        `bottle "${bottle.name}": secret "${name}" (${describeSecretSource(source)}) ${source.kind === 'env' ? 'is not set in the environment' : 'cannot be read or is empty'}`,
        {
          hint:
            source.kind === 'env'
              ? `export ${source.name}=… before starting, or change secrets.${name} in ${bottle.file}`
              : `create ${expandPath(source.path, bottle, deps.env)} holding the value, or change secrets.${name} in ${bottle.file}`,
        },
      );
    }
    values.set(name, value);
  }
  return values;
}

async function resolveOne(
  source: SecretSource,
  bottle: LoadedBottle,
  env: NodeJS.ProcessEnv,
  read: (path: string) => Promise<string>,
): Promise<string | undefined> {
  if (source.kind === 'env') return env[source.name]?.trim();
  try {
    return (await read(expandPath(source.path, bottle, env))).trim();
  } catch {
    return undefined;
  }
}

/** `~/x` is the user's home; relative paths are relative to the bottle file's folder. */
export function expandPath(path: string, bottle: { file: string }, env: NodeJS.ProcessEnv): string {
  if (path === '~' || path.startsWith('~/'))
    return join(env.HOME && env.HOME.length > 0 ? env.HOME : homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(bottle.file, '..', path);
}
