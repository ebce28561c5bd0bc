import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** A throwaway CA and a server certificate for `host` (or several names), made with the openssl CLI. */
export function makeServerCert(
  dir: string,
  hosts: string | string[],
): { caCert: string; cert: string; key: string } {
  const names = typeof hosts === 'string' ? [hosts] : hosts;
  const host = names[0]!;
  const ca = { cert: join(dir, 'test-ca.crt'), key: join(dir, 'test-ca.key') };
  const leaf = {
    cert: join(dir, 'server.crt'),
    key: join(dir, 'server.key'),
    csr: join(dir, 'server.csr'),
  };
  const ext = join(dir, 'server.ext');
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=claude-bottle test CA',
    '-keyout',
    ca.key,
    '-out',
    ca.cert,
  );
  run(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${host}`,
    '-keyout',
    leaf.key,
    '-out',
    leaf.csr,
  );
  execFileSync('bash', [
    '-c',
    `printf 'subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\\nextendedKeyUsage=serverAuth\\n' > '${ext}'`,
  ]);
  run(
    'x509',
    '-req',
    '-in',
    leaf.csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    leaf.cert,
  );
  return { caCert: ca.cert, cert: leaf.cert, key: leaf.key };
}
