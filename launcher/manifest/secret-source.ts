import { z } from 'zod';

/**
 * Where a bottle's secret comes from: `env:NAME` or `file:PATH`. Only a bottle's `secrets:`
 * map may hold one; routes and remotes name the secret instead, so an approved routes.yaml can
 * never point a credential at a new source.
 */
export type SecretSource = { kind: 'env'; name: string } | { kind: 'file'; path: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const SecretSourceSchema = z.string().transform((text, ctx): SecretSource => {
  if (text.startsWith('env:')) {
    const name = text.slice(4);
    if (ENV_NAME.test(name)) return { kind: 'env', name };
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" names no valid environment variable → write env:NAME, e.g. env:GITHUB_TOKEN`,
    });
    return z.NEVER;
  }
  if (text.startsWith('file:')) {
    const path = text.slice(5);
    if (path.length > 0 && !path.includes('\0')) return { kind: 'file', path };
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" names no file → write file:PATH, e.g. file:~/.config/claude-bottle/npm-token`,
    });
    return z.NEVER;
  }
  ctx.addIssue({
    code: 'custom',
    message: 'a secret source is env:NAME or file:PATH → e.g. github: env:GITHUB_TOKEN',
  });
  return z.NEVER;
});

export function describeSecretSource(source: SecretSource): string {
  return source.kind === 'env' ? `env:${source.name}` : `file:${source.path}`;
}
