// The "Applied" and "Proposals" lists of the Start-up section. Each item is decided by what this
// run measured (or by the compose file the launcher rendered in it), so a change that is undone
// moves back to the proposals and a proposal that is carried out moves to the applied list.
import { PHASES, phaseDurations, span } from './marks.js';
import type { StartReport } from './samples.js';
import { fmtMs as f, median, p90 } from './stats.js';

export interface Findings {
  applied: string[];
  proposals: string[];
}

export function findings(report: StartReport): Findings {
  const { rounds, micro, entrypoint, agentService } = report;
  const applied: string[] = [];
  const proposals: string[] = [];
  const each = (pick: (r: (typeof rounds)[number]) => number) => rounds.map(pick);
  const marksSpan = (from: string, to: string) => each((r) => span(r.start.marks, from, to));
  const phase = (to: string) => {
    const i = PHASES.findIndex((p) => p.to === to);
    return median(rounds.map((r) => phaseDurations(r.start.marks)[i]!));
  };
  const n = rounds.length;

  // 1. The CA install in the entrypoint.
  const steps = entrypoint.steps;
  const epTotal = steps.find((e) => e.step === 'TOTAL')?.ms ?? NaN;
  const updateCa = steps.find((e) => e.step.startsWith('update-ca-certificates'));
  if (updateCa) {
    proposals.push(
      `**Entrypoint CA install** (images/agent/entrypoint.sh): \`update-ca-certificates\` rehashes every certificate in /etc/ssl/certs and takes ${f(updateCa.ms)} ms of the entrypoint's ${f(epTotal)} ms. Append the bottle CA to /etc/ssl/certs/ca-certificates.crt instead (\`SSL_CERT_FILE\`/\`REQUESTS_CA_BUNDLE\` point at that bundle; \`NODE_EXTRA_CA_CERTS\` at the CA).`,
    );
  } else {
    const caSteps = steps.filter((e) => /claude-bottle-ca|ca\.crt/.test(e.step));
    applied.push(
      `**CA appended to the bundle** (images/agent/entrypoint.sh) instead of \`update-ca-certificates\`: ${f(caSteps.reduce((sum, e) => sum + e.ms, 0))} ms of the entrypoint's ${f(epTotal)} ms; \`update-ca-certificates\` alone in the same image takes ${f(entrypoint.updateCaMs)} ms.`,
    );
  }

  // 2. depends_on on the agent.
  const floorUp = median(each((r) => r.floorUp));
  const floorFlat = median(each((r) => r.floorFlatUp));
  const agentVsProxy = median(marksSpan('proxyStarted', 'agentStarted'));
  const order = `the agent container starts ${f(Math.abs(agentVsProxy))} ms ${agentVsProxy < 0 ? 'before' : 'after'} the proxy's`;
  if (agentService.dependsOn) {
    proposals.push(
      `**No \`depends_on\` for the agent** (launcher/plan/compose-file.ts): the entrypoint already waits for the proxy port, so compose can start all containers at once: the floor goes from ${f(floorUp)} to ${f(floorFlat)} ms without it; in the bottle ${order}.`,
    );
  } else {
    applied.push(
      `**No \`depends_on\` on the agent** (launcher/plan/compose-file.ts): compose starts the three containers together; ${order} (median). The floor without \`depends_on\`: ${f(floorFlat)} ms, with it: ${f(floorUp)} ms.`,
    );
  }

  // 3. The proxy wait in the entrypoint.
  const listenToReady = marksSpan('proxyListening', 'readyFile');
  const wait = `proxy "listening" → the agent's ready file: median ${f(median(listenToReady))} ms, p90 ${f(p90(listenToReady))} ms`;
  if (median(listenToReady) > 150) {
    proposals.push(
      `**The entrypoint's proxy wait** (images/agent/entrypoint.sh): ${wait}. Without \`depends_on\` the proxy's name can resolve before its container is on the network; a connect then waits in an unanswered ARP entry that the kernel re-probes only after 1 s (SYN retransmission). Bound each attempt (\`timeout 0.2\`) and flush the stuck neighbour entry (\`ip neigh flush nud incomplete\`, the entrypoint still holds NET_ADMIN).`,
    );
  } else {
    applied.push(
      `**Bounded proxy wait** (images/agent/entrypoint.sh): each connect attempt is cut at 0.2 s and an unanswered ARP entry for the proxy (its name resolves before its container is on the network) is flushed, instead of waiting for the kernel's 1 s re-probe; retries every 50 ms, ~10 s in all. ${wait[0]!.toUpperCase()}${wait.slice(1)}.`,
    );
  }

  // 4. The launcher's ready wait.
  const readyToReturn = phase('returned');
  const polls = median(each((r) => r.start.marks.polls ?? NaN));
  const readyText = `ready file → \`start\` returns: median ${f(readyToReturn)} ms, ${f(polls)} exec(s) per start`;
  if (polls > 1 || readyToReturn > 100) {
    proposals.push(
      `**Ready wait** (launcher/wait-ready.ts): ${readyText}. One exec that blocks in the container until the file appears (under the same deadline, re-checking the container state when it ends) answers within ~10–50 ms.`,
    );
  } else {
    applied.push(`**One blocking ready exec** (launcher/wait-ready.ts): ${readyText}.`);
  }

  // 5. `stop`.
  const stop = median(each((r) => r.stop.ms));
  const floorDown = median(each((r) => r.floorDown));
  const agentKilled = rounds.filter((r) => r.stop.killed.includes('agent')).length;
  const stopText = `\`stop\` median ${f(stop)} ms vs ${f(floorDown)} ms for the floor's \`docker compose down\`; the agent SIGKILLed after the grace period in ${agentKilled}/${n} rounds`;
  if (agentKilled > 0 || !agentService.init || agentService.stopSignal !== 'SIGHUP') {
    proposals.push(
      `**\`stop\` waits out the grace period** (launcher/plan/compose-file.ts): ${stopText}. An interactive \`bash -l\` ignores SIGTERM and a Node CLI as PID 1 has no default SIGTERM action: \`init: true\` plus \`stop_signal: SIGHUP\` on the agent service.`,
    );
  } else {
    applied.push(
      `**\`init: true\` + \`stop_signal: SIGHUP\` on the agent** (launcher/plan/compose-file.ts): ${stopText}.`,
    );
  }

  // 6. The CLI process: `start`'s code loaded through the binary (the bundle) against the tsc
  // output it ran before, each in a fresh process up to the manifest lookup.
  if (
    micro.cliProcessMs !== undefined &&
    micro.startModulesMs !== undefined &&
    micro.startCompiledMs !== undefined
  ) {
    const version = `\`node bin/claude-bottle.js --version\` takes ${f(micro.cliProcessMs)} ms (\`node -e 0\`: ${f(micro.nodeMs)} ms)`;
    const startText = `\`start\` up to its manifest lookup takes ${f(micro.startModulesMs)} ms through the binary against ${f(micro.startCompiledMs)} ms through the tsc output (dist/launcher/)`;
    if (micro.startModulesMs + 50 < micro.startCompiledMs) {
      applied.push(
        `**The CLI as an esbuild bundle with a chunk per verb** (scripts/bundle.mjs, bin/): ${version}; ${startText}. bench:cli has the figures per verb.`,
      );
    } else {
      proposals.push(
        `**CLI process start-up** (scripts/bundle.mjs, bin/): ${version}; ${startText}. Check that bin/claude-bottle.js runs dist/cli/cli.mjs and that the verb loads its chunk only.`,
      );
    }
  }

  // 7. The proxy's first request for a host.
  const curl1 = median(each((r) => r.start.curlMs));
  const curl2 = median(each((r) => r.start.curl2Ms));
  if (curl1 - curl2 > 20) {
    proposals.push(
      `**First request** (images/egress-proxy): curl's first request takes ${f(curl1)} ms, the next ${f(curl2)} ms; both are fresh curl processes on fresh connections, so the difference is the proxy's first-time work for the host (minting its leaf certificate, first upstream lookup and handshake). Minting the leaf certificates of the listed route hosts in the background right after "listening" would take the first part off the agent's first request.`,
    );
  }

  // 8. The proxy's boot.
  const boot = phase('proxyListening');
  const total = median(each((r) => r.start.firstMs));
  if (boot > 200) {
    proposals.push(
      `**The proxy's boot is the critical path** (images/egress-proxy): it logs "listening" ${f(boot)} ms after its container starts (${Math.round((boot / total) * 100)} % of the median start; bench:proxy measures ~235 ms on an idle machine), because the Node sidecars and the agent's set-up start together on ${report.machine.split(' ')[0]} cores. Parse less before listen: load the per-connection code (leaf minting, DLP) after the listener is up, minify the ~1.9 MB bundle; the base image's Node 20 has no \`module.enableCompileCache\` (22.1+).`,
    );
  }
  return { applied, proposals };
}
