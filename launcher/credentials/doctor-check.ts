import { readFile } from 'node:fs/promises';
import { formatError, isBottleError } from '../../lib/errors.js';
import {
  credentialOf,
  describeSecretSource,
  expandPath,
  loadManifests,
  providerOf,
  type LoadedBottle,
} from '../manifest/index.js';
import { claudeSignIn } from './claude-token.js';
import { codexLoginFile, jwtClaims, REFRESH_MARGIN_MS } from './codex-login.js';
import { SIGN_IN_NAMES } from './resolve.js';

export interface SignInCheck {
  bottle: string;
  /** ok: ready; warn: start will act (refresh) or cannot tell; fail: start will refuse. */
  level: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/**
 * `doctor`'s view of each bottle's provider sign-in: which kind it will use and whether the
 * host side is there. Values are read to tell their kind and expiry, never printed.
 */
export async function signInChecks(
  home: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  now = Date.now(),
): Promise<SignInCheck[]> {
  const set = await loadManifests({ home, cwd, env });
  const checks: SignInCheck[] = [];
  for (const bottle of set.bottles) {
    const check = await checkBottle(bottle, env, now);
    if (check) checks.push(check);
  }
  return checks;
}

async function checkBottle(
  bottle: LoadedBottle,
  env: NodeJS.ProcessEnv,
  now: number,
): Promise<SignInCheck | undefined> {
  const provider = providerOf(bottle).name;
  if (provider === 'none') return undefined;
  const credential = credentialOf(bottle);
  const name = bottle.name;
  if (!credential)
    return {
      bottle: name,
      level: 'ok',
      detail: `${provider}: no auth_token (the credential, if any, comes from hand-written routes)`,
    };
  if (credential.source === 'codex-login') {
    const file = codexLoginFile(bottle, credential.path, env);
    let exp: unknown;
    try {
      const auth = JSON.parse(await readFile(file, 'utf8')) as {
        tokens?: { access_token?: string };
      };
      exp = jwtClaims(auth.tokens?.access_token ?? '')?.exp;
    } catch {
      return {
        bottle: name,
        level: 'fail',
        detail: `codex: ChatGPT login, but ${file} is missing or not JSON`,
        fix: 'sign in on the host: codex login',
      };
    }
    if (typeof exp !== 'number')
      return {
        bottle: name,
        level: 'fail',
        detail: `codex: ChatGPT login, but ${file} holds no access token with an expiry`,
        fix: 'sign in on the host: codex login',
      };
    const left = exp * 1000 - now;
    return left < REFRESH_MARGIN_MS
      ? {
          bottle: name,
          level: 'warn',
          detail: `codex: ChatGPT login from ${file}, ${left <= 0 ? 'expired' : 'expiring soon'}: start refreshes it first`,
          fix: 'if the refresh fails, sign in on the host again: codex login',
        }
      : {
          bottle: name,
          level: 'ok',
          detail: `codex: ChatGPT login from ${file}, expires in ${Math.floor(left / 86_400_000)}d ${Math.floor((left % 86_400_000) / 3_600_000)}h`,
        };
  }
  const source = bottle.config.secrets[credential.secret];
  if (!source) return undefined; // manifest check reports the dangling reference
  const value = await secretValue(source, bottle, env);
  const where = describeSecretSource(source);
  if (!value)
    return {
      bottle: name,
      level: 'fail',
      detail: `${provider}: secret "${credential.secret}" (${where}) is not there`,
      fix:
        source.kind === 'env'
          ? `export ${source.name}=… before starting`
          : `create ${expandPath(source.path, bottle, env)}`,
    };
  try {
    const signIn =
      provider === 'claude' ? claudeSignIn(value, credential.kind, credential.secret) : 'api_key';
    return {
      bottle: name,
      level: 'ok',
      detail: `${provider}: ${SIGN_IN_NAMES[signIn]} from secret "${credential.secret}" (${where}, present)`,
    };
  } catch (error) {
    return {
      bottle: name,
      level: 'fail',
      detail: `${provider}: ${isBottleError(error) ? error.message : formatError(error)}`,
      fix: isBottleError(error) ? error.hint : undefined,
    };
  }
}

async function secretValue(
  source: { kind: 'env'; name: string } | { kind: 'file'; path: string },
  bottle: LoadedBottle,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  if (source.kind === 'env') return env[source.name]?.trim() || undefined;
  try {
    return (await readFile(expandPath(source.path, bottle, env), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}
