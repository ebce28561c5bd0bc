// Cold starts: the bottle's images removed, then one `start` that builds them, timed to the
// agent's first proxied request like a warm start. The engine's classic builder deletes an
// untagged image's parent layers with it, so nothing of the removed images is left to reuse.
import { execa } from 'execa';
import type { Cycle } from './bottle-cycle.js';
import type { FloorImages } from './floor.js';
import type { ColdSample } from './samples.js';

export async function coldStarts(cycle: Cycle, images: FloorImages): Promise<ColdSample[]> {
  const bottleImages = [images.agent, images.egressProxy, images.supervise];
  const samples: ColdSample[] = [];
  for (const kind of ['bottle', 'machine'] as const) {
    const tags = kind === 'bottle' ? bottleImages : [...bottleImages, images.base];
    const removed = await removeImages(tags);
    if (removed !== undefined) {
      samples.push({ kind, skipped: removed });
      continue;
    }
    process.stderr.write(`cold start (${kind}): building ${tags.length} image(s)…\n`);
    const started = await cycle.start();
    await cycle.stop(started.slug);
    samples.push({ kind, start: started.sample });
  }
  return samples;
}

/** Removes the tags (and their untagged parents); a reason when the engine refuses. */
async function removeImages(tags: string[]): Promise<string | undefined> {
  for (const tag of tags) {
    const out = await execa('docker', ['rmi', tag], { reject: false });
    if (out.exitCode !== 0 && !/No such image/.test(out.stderr)) {
      return /dependent child images|is being used/.test(out.stderr)
        ? `${tag} could not be removed: other images or containers on this engine are built on it`
        : `${tag} could not be removed: ${out.stderr.trim().split('\n')[0]}`;
    }
  }
  return undefined;
}
