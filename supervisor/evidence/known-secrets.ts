import { loadManifests } from '../../launcher/manifest/load.js';

/**
 * The bottle's secret values that can be had without reading a secret file: those its
 * manifest sources from an environment variable (`env:NAME`) that is set in this process.
 * `file:` secrets and the runtime secrets folder are never opened. Returns name → value and
 * a note on what could not be known.
 */
export async function knownSecretValues(
  home: string,
  bottleName: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ values: Map<string, string>; note?: string }> {
  const values = new Map<string, string>();
  let set;
  try {
    set = await loadManifests({ home, cwd, env });
  } catch (error) {
    return { values, note: `bottle manifests unreadable: ${(error as Error).message}` };
  }
  const bottle = set.bottles.find((b) => b.name === bottleName);
  if (!bottle) {
    return {
      values,
      note: `bottle manifest "${bottleName}" not found: only well-known token formats are redacted`,
    };
  }
  const unknown: string[] = [];
  for (const [name, source] of Object.entries(bottle.config.secrets)) {
    const value = source.kind === 'env' ? env[source.name]?.trim() : undefined;
    if (value) values.set(name, value);
    else unknown.push(name);
  }
  return {
    values,
    ...(unknown.length > 0
      ? {
          note: `secret values not known to the export (file: sources are not read, or the variable is unset): ${unknown.join(', ')}; well-known token formats are still redacted`,
        }
      : {}),
  };
}
