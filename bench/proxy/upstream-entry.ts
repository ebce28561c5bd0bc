// The benchmark's HTTPS upstream as its own process (argv: the upstream CA dir), so the client,
// the upstream and the proxy never share an event loop: a shared loop would charge the
// upstream's work to whichever route is being measured.
import { loadCa } from '../../images/egress-proxy/ca.js';
import { LeafCertCache } from '../../images/egress-proxy/leaf-certs.js';
import { startBenchUpstream } from './upstream.js';

const upstream = await startBenchUpstream(new LeafCertCache(await loadCa(process.argv[2]!)));
process.stdout.write(`${JSON.stringify({ port: upstream.port })}\n`);
process.once('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
