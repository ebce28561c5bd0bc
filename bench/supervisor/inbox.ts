// Proposal file written → visible in the TUI's model: a proposal is written into the bottle's
// pending/agent/ exactly as the supervise sidecar writes it (atomic rename), and the clock stops
// when the watcher has reported it and the model, refreshed from the snapshot, lists it. The
// baseline is a bare chokidar watcher on the same folder in the same rounds: what any
// file-watching supervisor pays before doing anything.
import { watch } from 'chokidar';
import { newProposalId } from '../../mcp/queue/ids.js';
import { writeProposal } from '../../mcp/queue/store.js';
import { watchQueues } from '../../supervisor/queue/watch.js';
import { loadBottle } from '../../supervisor/tui/snapshot.js';
import { SupervisorModel } from '../../supervisor/tui/view-model.js';
import { sha256 } from '../../images/egress-proxy/routes/parse.js';
import type { SupervisedBottle } from '../../tests/e2e/supervisor/fixture.js';

export interface InboxSample {
  modelMs: number;
  bareWatcherMs: number;
}

export async function inboxRounds(
  bottle: SupervisedBottle,
  rounds: number,
): Promise<InboxSample[]> {
  const model = new SupervisorModel();
  const watcher = watchQueues(bottle.home, {});
  const bare = watch(`${bottle.stateDir}/queue/pending/agent`, { ignoreInitial: true, depth: 0 });
  const bareReady = new Promise<void>((resolve) => bare.once('ready', () => resolve()));
  await Promise.all([watcher.ready, bareReady]);
  const first = await loadBottle(bottle.home, bottle.slug);
  if (first.kind === 'ok') model.update([first.snapshot]);
  const samples: InboxSample[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const id = newProposalId('agent');
      let bareAt = NaN;
      const bareSeen = new Promise<void>((resolve) =>
        bare.once('add', () => {
          bareAt = performance.now();
          resolve();
        }),
      );
      const seen = new Promise<number>((resolve) => {
        const onChange = (slug: string) => {
          void loadBottle(bottle.home, slug).then((loaded) => {
            if (loaded.kind !== 'ok') return;
            model.update([loaded.snapshot]);
            if (model.visible().some((view) => view.proposal.id === id)) {
              watcher.off('changed', onChange);
              resolve(performance.now());
            }
          });
        };
        watcher.on('changed', onChange);
      });
      const started = performance.now();
      await writeProposal(`${bottle.stateDir}/queue`, 'agent', {
        v: 1,
        id,
        tool: 'egress-proxy-block',
        justification: `inbox bench ${round}`,
        created_at: new Date().toISOString(),
        payload: { routes_yaml: 'routes: []\n', base_sha256: sha256('x') },
      });
      const [visibleAt] = await Promise.all([seen, bareSeen]);
      samples.push({ modelMs: visibleAt - started, bareWatcherMs: bareAt - started });
      await bottle.cli('reject', id, '--reason', 'bench');
    }
  } finally {
    await watcher.close();
    await bare.close();
  }
  return samples;
}
