// The engine's floor, measured in the same run: `docker compose up -d` of the bottle's services
// (same images, same two networks) each running an idle command, with and without depends_on
// on the agent, and a bare `docker run --rm`.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { now } from './engine.js';

const IDLE = ['sh', '-c', 'trap "exit 0" TERM; sleep infinity & wait'];

export interface FloorImages {
  base: string;
  agent: string;
  egressProxy: string;
  supervise: string;
}

export interface Floor {
  /** Like the bottle before depends_on was dropped: proxy and supervise, then the agent. */
  up(): Promise<number>;
  down(): Promise<number>;
  /** No depends_on: all three containers started at once, as the bottle now does. */
  flatUp(): Promise<number>;
  flatDown(): Promise<number>;
  bare(): Promise<number>;
  remove(): Promise<void>;
}

export async function makeFloor(root: string, images: FloorImages): Promise<Floor> {
  const project = `cbbench-floor-${randomBytes(3).toString('hex')}`;
  const file = join(root, 'floor-compose.yml');
  const flatFile = join(root, 'floor-flat-compose.yml');
  await writeFile(file, floorCompose(project, images, true));
  await writeFile(flatFile, floorCompose(`${project}-flat`, images, false));
  const timed = async (args: string[]): Promise<number> => {
    const t0 = now();
    await execa('docker', args);
    return now() - t0;
  };
  const compose = (f: string, ...args: string[]) => timed(['compose', '-f', f, ...args]);
  return {
    up: () => compose(file, 'up', '-d'),
    down: () => compose(file, 'down', '--timeout', '5'),
    flatUp: () => compose(flatFile, 'up', '-d'),
    flatDown: () => compose(flatFile, 'down', '--timeout', '5'),
    bare: () => timed(['run', '--rm', images.base, 'true']),
    async remove() {
      for (const f of [file, flatFile])
        if (existsSync(f))
          await execa('docker', ['compose', '-f', f, 'down', '-v', '--timeout', '1'], {
            reject: false,
          });
    },
  };
}

function floorCompose(project: string, images: FloorImages, dependsOn: boolean): string {
  return stringify({
    name: project,
    services: {
      'egress-proxy': {
        image: images.egressProxy,
        entrypoint: IDLE,
        networks: ['internal', 'egress'],
      },
      supervise: { image: images.supervise, entrypoint: IDLE, networks: ['internal'] },
      agent: {
        image: images.agent,
        entrypoint: IDLE,
        networks: ['internal'],
        ...(dependsOn ? { depends_on: ['egress-proxy', 'supervise'] } : {}),
      },
    },
    networks: {
      internal: { name: `${project}-internal`, internal: true },
      egress: { name: `${project}-egress` },
    },
  });
}
