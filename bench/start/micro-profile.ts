// The pieces of the launcher's own work, each timed alone in this process, and the CLI
// process's start-up (what a user running the binary pays on top of the in-process figures).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { createCa } from '../../images/egress-proxy/ca.js';
import { recipeHash } from '../../launcher/images/context.js';
import { providerPackageDir } from '../../launcher/images/provider.js';
import { agentRecipe, baseRecipe, sidecarRecipe } from '../../launcher/images/recipes.js';
import { loadManifests } from '../../launcher/manifest/index.js';
import { ROOT } from './bench-home.js';
import { now } from './engine.js';
import type { FloorImages } from './floor.js';
import type { Micro } from './samples.js';
import { median } from './stats.js';

export async function microProfile(
  env: NodeJS.ProcessEnv,
  home: string,
  images: FloorImages,
  imageExists: (tag: string) => Promise<boolean>,
): Promise<Micro> {
  const repeat = async (n: number, fn: () => Promise<unknown>): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = now();
      await fn();
      times.push(now() - t0);
    }
    return median(times);
  };
  const dir = await mkdtemp(join(tmpdir(), 'cb-bench-ca-'));
  try {
    const caMs = await repeat(5, async () => {
      await rm(dir, { recursive: true, force: true });
      await createCa(dir);
    });
    const recipes = [
      baseRecipe(),
      agentRecipe('none', images.base, await providerPackageDir('none', home, env)),
      sidecarRecipe('egress-proxy', images.base),
      sidecarRecipe('supervise', images.base),
    ];
    const hashMs = await repeat(5, () => Promise.all(recipes.map((r) => recipeHash(r))));
    const hashSerialMs = await repeat(5, async () => {
      for (const r of recipes) await recipeHash(r);
    });
    const existsMs = await repeat(5, async () => {
      for (const tag of [images.base, images.agent, images.egressProxy, images.supervise])
        await imageExists(tag);
    });
    const manifestMs = await repeat(5, () => loadManifests({ home, cwd: home }));
    const composeCliMs = await repeat(3, () =>
      execa('docker', ['compose', 'version', '--short'], { env }),
    );
    const dockerCliMs = await repeat(3, () => execa('docker', ['version'], { env }));
    const built =
      existsSync(join(ROOT, 'dist/launcher/cli.js')) && existsSync(join(ROOT, 'dist/cli/cli.mjs'));
    const cliProcessMs = built
      ? await repeat(3, () => execa('node', [join(ROOT, 'bin/claude-bottle.js'), '--version']))
      : undefined;
    // `start` up to its manifest lookup (an unknown agent: exit 66), a fresh process each time:
    // through the binary (the bundle) and through the tsc output the binary ran before.
    const startVia = (args: string[]) =>
      repeat(3, () =>
        execa('node', [...args, 'start', 'cbbench-none'], { env, cwd: home, reject: false }),
      );
    const startModulesMs = built ? await startVia([join(ROOT, 'bin/claude-bottle.js')]) : undefined;
    const compiled = JSON.stringify(join(ROOT, 'dist/launcher/cli.js'));
    const startCompiledMs = built
      ? await repeat(3, () =>
          execa(
            'node',
            [
              '--input-type=module',
              '-e',
              `const { runCli } = await import(${compiled}); process.exitCode = await runCli(['start', 'cbbench-none']);`,
            ],
            { env, cwd: home, reject: false },
          ),
        )
      : undefined;
    const nodeMs = await repeat(3, () => execa('node', ['-e', '0']));
    return {
      nodeMs,
      caMs,
      hashMs,
      hashSerialMs,
      existsMs,
      manifestMs,
      composeCliMs,
      dockerCliMs,
      cliProcessMs,
      startModulesMs,
      startCompiledMs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
