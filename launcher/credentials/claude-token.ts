import { BottleError } from '../../lib/errors.js';
import type { CredentialKind } from '../manifest/index.js';
import type { SignIn } from './provider-route.js';

/**
 * Tells a Claude credential's kind from its value's prefix (Anthropic's published families),
 * and refuses the ones Claude Code cannot sign in with. Messages name the family, never the
 * value.
 */
const FAMILIES: {
  prefix: string;
  kind?: CredentialKind;
  refuse?: { what: string; hint: string };
}[] = [
  { prefix: 'sk-ant-oat', kind: 'oauth' },
  { prefix: 'sk-ant-api', kind: 'api_key' },
  {
    prefix: 'sk-ant-ort',
    refuse: {
      what: 'is a subscription refresh token (sk-ant-ort…), which Claude Code cannot send',
      hint: 'run `claude setup-token` on the host and store the sk-ant-oat… token it prints',
    },
  },
  {
    prefix: 'sk-ant-admin',
    refuse: {
      what: 'is an Admin API key (sk-ant-admin…), which cannot call the Messages API',
      hint: 'create a normal API key (sk-ant-api…) in the Anthropic Console',
    },
  },
];

export function claudeSignIn(
  value: string,
  declared: CredentialKind | undefined,
  secret: string,
): SignIn {
  const family = FAMILIES.find((f) => value.startsWith(f.prefix));
  const name = `auth_token secret "${secret}"`;
  if (family?.refuse)
    throw new BottleError('CREDENTIAL_INVALID', `${name} ${family.refuse.what}`, {
      hint: family.refuse.hint,
    });
  if (
    family?.kind &&
    declared &&
    family.kind !== declared &&
    !(declared === 'bearer' && family.kind === 'api_key')
  )
    throw new BottleError(
      'CREDENTIAL_INVALID',
      `${name} looks like ${family.kind === 'oauth' ? 'a subscription token (sk-ant-oat…)' : 'an API key (sk-ant-api…)'}, but the bottle says kind: ${declared}`,
      { hint: `write kind: ${family.kind}, or drop kind to tell it from the value` },
    );
  return declared ?? family?.kind ?? 'api_key';
}
