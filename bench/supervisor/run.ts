// `npm run bench:supervisor`: the supervisor's machine part on a real bottle (provider none,
// the SDK's MCP client in the agent): proposal → visible in the TUI's model, approve → the
// agent's call returns approved (and the retry succeeds), capability rebuild with a warm cache.
// Each beside a baseline measured in the same rounds. Writes "## Supervisor" in docs/benchmarks.md.
import { cpus, loadavg } from 'node:os';
import { execa } from 'execa';
import { DEFAULT_PROPOSAL_LIMITS } from '../../mcp/proposals/limiter.js';
import { startSupervisedBottle } from '../../tests/e2e/supervisor/fixture.js';
import { inboxRounds } from './inbox.js';
import { remediationRound, type RemediationSample } from './remediation.js';
import { rebuildRound, type RebuildSample } from './rebuild.js';
import { writeSupervisorSection } from './report.js';

const ROUNDS = Number(process.env.CB_BENCH_SUPERVISOR_ROUNDS ?? 15);
const REBUILDS = Number(process.env.CB_BENCH_SUPERVISOR_REBUILDS ?? 4);

/**
 * Waits (outside every timed span) until `count` more proposals fit in the supervise server's
 * per-minute limit: the bench files ~40 in a few seconds, and a refused call is not a sample.
 */
function proposalPacer(): (count: number) => Promise<void> {
  const { perWindow, windowMs } = DEFAULT_PROPOSAL_LIMITS;
  const filed: number[] = [];
  return async (count) => {
    for (;;) {
      const now = Date.now();
      while (filed.length > 0 && filed[0]! <= now - windowMs) filed.shift();
      if (filed.length + count <= perWindow) break;
      await new Promise((resolve) => setTimeout(resolve, filed[0]! + windowMs - now + 50));
    }
    for (let i = 0; i < count; i++) filed.push(Date.now());
  };
}

async function main(): Promise<void> {
  const pace = proposalPacer();
  const loadBefore = loadavg()[0]!;
  process.stderr.write('starting a bottle…\n');
  const bottle = await startSupervisedBottle();
  try {
    process.stderr.write(`inbox: ${ROUNDS} rounds\n`);
    // The inbox rounds write their proposals into the queue directly; the server counts them too.
    await pace(ROUNDS);
    const inbox = await inboxRounds(bottle, ROUNDS);
    process.stderr.write(`approve → answer: ${ROUNDS} rounds (+1 warm-up)\n`);
    await pace(2);
    await remediationRound(bottle, 0);
    const remediation: RemediationSample[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await pace(2);
      remediation.push(await remediationRound(bottle, round));
    }
    process.stderr.write(`capability rebuild: ${REBUILDS} rounds (+2 warm-up builds)\n`);
    for (const round of [0, 1]) {
      await pace(1);
      await rebuildRound(bottle, round);
    }
    const rebuilds: RebuildSample[] = [];
    for (let round = 2; round < 2 + REBUILDS; round++) {
      await pace(1);
      rebuilds.push(await rebuildRound(bottle, round));
    }
    const docker = (await execa('docker', ['version', '--format', '{{.Server.Version}}'])).stdout;
    const compose = (await execa('docker', ['compose', 'version', '--short'])).stdout;
    await writeSupervisorSection({
      inbox,
      remediation,
      rebuilds,
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadBefore.toFixed(2)} before the run; Docker ${docker}, compose ${compose}, Node ${process.version}`,
    });
  } finally {
    await bottle.destroy();
  }
}

await main();
