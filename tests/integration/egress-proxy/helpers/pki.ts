import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, loadCa } from '../../../../images/egress-proxy/ca.js';
import { LeafCertCache } from '../../../../images/egress-proxy/leaf-certs.js';

/** A CA made by `ca init`'s own code, with a leaf cache to serve TLS from it. */
export interface TestCa {
  dir: string;
  certPem: string;
  leaves: LeafCertCache;
}

export async function makeTestCa(prefix: string): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), `cb-${prefix}-`));
  await createCa(dir);
  const ca = await loadCa(dir);
  return {
    dir,
    certPem: await readFile(join(dir, 'ca.crt'), 'utf8'),
    leaves: new LeafCertCache(ca),
  };
}
