import { spawn } from 'node:child_process';
import { execa } from 'execa';

/**
 * Joins containers to a bottle's egress network under `.test` aliases the moment compose creates
 * it (again on `resume`), so the bottle's first request already finds them. Returns the stop.
 */
export async function joinNetworksOnCreate(
  network: RegExp,
  aliases: [container: string, alias: string][],
): Promise<() => void> {
  const events = spawn('docker', [
    'events',
    '--filter',
    'type=network',
    '--filter',
    'event=create',
    '--format',
    '{{.Actor.Attributes.name}}',
  ]);
  events.stdout.on('data', (chunk: Buffer) => {
    for (const name of chunk.toString().split('\n')) {
      if (!network.test(name)) continue;
      for (const [container, alias] of aliases)
        void execa('docker', ['network', 'connect', '--alias', alias, name, container], {
          reject: false,
        });
    }
  });
  // `docker events` reports only what happens after it subscribed.
  await new Promise((r) => setTimeout(r, 500));
  return () => events.kill();
}
