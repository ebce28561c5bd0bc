import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { formatPath } from '../../lib/yaml-schema.js';
import { expandPath } from './secrets.js';
import type { LoadedBottle, ManifestIssue } from './types.js';

/** The gate refuses a bigger known_hosts (images/git-gate/policy.ts). */
const KNOWN_HOSTS_MAX_BYTES = 65_536;

/**
 * Files a bottle names that are not secrets (its Dockerfile, the upstream CA, a remote's
 * known_hosts) must exist when `manifest check` runs: otherwise check would pass and `start`
 * fail. Secrets are the exception on purpose: check runs with no credentials present.
 */
export async function checkFiles(
  bottles: LoadedBottle[],
  env: NodeJS.ProcessEnv,
): Promise<ManifestIssue[]> {
  const issues: ManifestIssue[] = [];
  for (const bottle of bottles) {
    const wanted: { path: (string | number)[]; file: string; fix: string; maxBytes?: number }[] =
      [];
    const { dockerfile, egress, git } = bottle.config;
    if (dockerfile) wanted.push({ path: ['dockerfile'], file: dockerfile, fix: 'create it' });
    if (egress.upstream_ca)
      wanted.push({
        path: ['egress', 'upstream_ca'],
        file: egress.upstream_ca,
        fix: 'put the PEM file of the CA there',
      });
    git.remotes.forEach((remote, index) => {
      if (!remote.known_hosts) return;
      wanted.push({
        path: ['git', 'remotes', index, 'known_hosts'],
        file: remote.known_hosts.slice('file:'.length),
        fix: 'create it (ssh-keyscan HOST > FILE)',
        maxBytes: KNOWN_HOSTS_MAX_BYTES,
      });
    });
    for (const { path, file, fix, maxBytes } of wanted) {
      const problem = await fileProblem(expandPath(file, bottle, env), maxBytes);
      if (!problem) continue;
      const remedy = problem.tooBig ? 'keep only the lines for this remote’s host' : fix;
      issues.push({
        file: bottle.file,
        line: bottle.lineOf(path),
        path: formatPath(path),
        message: `${problem.what} → ${remedy}, or change "${String(path.at(-1))}"`,
      });
    }
  }
  return issues;
}

async function fileProblem(
  file: string,
  maxBytes: number | undefined,
): Promise<{ what: string; tooBig?: boolean } | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return { what: `${file} is not a file` };
    await access(file, constants.R_OK);
    if (maxBytes !== undefined && info.size > maxBytes)
      return {
        what: `${file} is ${info.size} bytes, more than the ${maxBytes} git-gate accepts`,
        tooBig: true,
      };
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      what: code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read (${code})`,
    };
  }
}
