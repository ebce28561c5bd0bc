import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROUTES_YAML = 'routes:\n  - host: api.github.com\n    methods: [GET]\n';
export const DOCKERFILE = 'ARG AGENT_IMAGE\nFROM ${AGENT_IMAGE}\nRUN apt-get update\n';
export const FINDING_ID = 'f-0123456789abcdef';

export interface TestState {
  dir: string;
  queueDir: string;
  pendingAgent(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** A bottle state dir as the launcher lays it out: live-config/, git-gate/findings/, queue/. */
export async function makeState(): Promise<TestState> {
  const dir = await mkdtemp(join(tmpdir(), 'cb-mcp-'));
  const live = join(dir, 'live-config');
  await mkdir(live, { recursive: true });
  await writeFile(join(live, 'routes.yaml'), ROUTES_YAML);
  await writeFile(join(live, 'Dockerfile'), DOCKERFILE);
  await writeFile(join(live, 'gitleaks-allowlist'), '# fingerprints, one per line\n');
  await writeFile(join(live, 'README.md'), '# current config\n');
  const findings = join(dir, 'git-gate', 'findings');
  await mkdir(findings, { recursive: true });
  await writeFile(
    join(findings, `${FINDING_ID}.json`),
    JSON.stringify({
      v: 1,
      id: FINDING_ID,
      remote: 'origin',
      rule: 'generic-api-key',
      file: 'tests/fixture.txt',
      line: 3,
      commit: 'a'.repeat(40),
      fingerprint: `${'a'.repeat(40)}:tests/fixture.txt:generic-api-key:3`,
      redacted: 'key = "REDACTED"',
      created_at: new Date().toISOString(),
    }),
  );
  const queueDir = join(dir, 'queue');
  await mkdir(join(queueDir, 'pending', 'agent'), { recursive: true });
  await mkdir(join(queueDir, 'decided'), { recursive: true });
  return {
    dir,
    queueDir,
    pendingAgent: async () =>
      (await readdir(join(queueDir, 'pending', 'agent')))
        .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
        .sort(),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
