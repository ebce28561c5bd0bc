import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BottleError } from '../../../lib/errors.js';
import { secretEnvName } from '../routes/schema.js';

/** One of the bottle's own secrets, as the proxy holds it. */
export interface OwnSecret {
  name: string;
  value: string;
}

/** A byte string to look for, and the secret (by name) it betrays. */
export interface Needle {
  text: string;
  secret: string;
  encoding: string;
}

const PREFIX = 'EGRESS_SECRET_';
/** Shorter values would match ordinary text; they are skipped with a warning by the caller. */
export const MIN_SECRET_LENGTH = 8;

/**
 * The values the proxy holds, read once at start: route credentials to inject and the bottle's
 * own secrets to refuse on the wire. SIGHUP re-reads routes.yaml only; the values stay.
 */
export interface SecretStore {
  /** Normalised name (lower case, "-" as "_") → value; empty values are absent. */
  readonly values: ReadonlyMap<string, string>;
  /** Where a named secret is read from, for messages (a path or a variable name, never a value). */
  where(name: string): string;
}

function secretKey(name: string): string {
  return name.toLowerCase().replace(/-/g, '_');
}

/**
 * `--secrets-dir DIR`: one file per secret, named as in the bottle's `secrets:` (the launcher
 * writes them, mounted read-only into this container alone). Only regular files count; an
 * unreadable folder stops the proxy, so it never runs believing it has no secrets.
 */
export async function secretsFromDir(dir: string): Promise<SecretStore> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new BottleError(
      'SECRET_MISSING',
      `cannot read the secrets folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      { hint: 'the launcher writes it at start and resume; stop and resume the bottle' },
    );
  }
  const values = new Map<string, string>();
  for (const name of names.sort()) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) continue;
    const file = join(dir, name);
    if (!(await lstat(file)).isFile()) continue;
    const value = await readFile(file, 'utf8');
    if (value) values.set(secretKey(name), value);
  }
  return { values, where: (name) => join(dir, name) };
}

/**
 * Without --secrets-dir: every EGRESS_SECRET_<NAME> in the environment (running the proxy by
 * hand, and the benchmarks). A bottle's proxy never gets this: `docker inspect` prints it.
 */
export function secretsFromEnv(env: NodeJS.ProcessEnv): SecretStore {
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(PREFIX) && value) values.set(key.slice(PREFIX.length).toLowerCase(), value);
  }
  return { values, where: (name) => `$${secretEnvName(name)}` };
}

/** The bottle's own secrets, for the DLP engine. */
export function ownSecrets(store: SecretStore): OwnSecret[] {
  return [...store.values].map(([name, value]) => ({ name, value }));
}

/** The value of a route's named secret, or undefined when the launcher did not hand it over. */
export function secretValue(store: SecretStore, name: string): string | undefined {
  return store.values.get(secretKey(name));
}

/**
 * Every form a secret may take on the wire, as latin1 strings (one char per byte): raw, URL-
 * encoded, hex in both cases, and base64/base64url at each of the three byte alignments it can
 * have inside a longer encoded blob (e.g. `user:secret` in Basic auth).
 */
export function needlesFor(secret: OwnSecret): Needle[] {
  const raw = Buffer.from(secret.value, 'utf8');
  const forms = new Map<string, string>();
  forms.set(raw.toString('latin1'), 'raw');
  const urlEncoded = encodeURIComponent(secret.value);
  forms.set(urlEncoded, 'url');
  forms.set(
    urlEncoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
    'url',
  );
  forms.set(raw.toString('hex'), 'hex');
  forms.set(raw.toString('hex').toUpperCase(), 'hex');
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), raw]).toString('base64');
    // Only the characters that depend on the secret's bytes alone, not on its neighbours.
    const start = Math.ceil((shift * 8) / 6);
    const end = Math.floor(((shift + raw.length) * 8) / 6);
    const stable = encoded.slice(start, end);
    if (stable.length >= MIN_SECRET_LENGTH) {
      forms.set(stable, 'base64');
      forms.set(stable.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
    }
  }
  return [...forms].map(([text, encoding]) => ({ text, secret: secret.name, encoding }));
}
