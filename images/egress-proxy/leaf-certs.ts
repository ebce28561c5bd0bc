import type { webcrypto } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { CertificateAuthority } from './ca.js';
import { KEY_ALGORITHM, loadX509, SIGNING_ALGORITHM } from './x509-algorithms.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Leaf certificates minted per host from the bottle CA and cached for the proxy's life. All
 * leaves share one key pair made at start-up, so a new host costs one signature, not a keygen.
 */
export class LeafCertCache {
  private readonly contexts = new Map<string, Promise<SecureContext>>();
  private leafKeys: Promise<{ keys: webcrypto.CryptoKeyPair; keyPem: string }> | undefined;
  private issuer: Promise<Issuer> | undefined;

  constructor(
    private readonly ca: CertificateAuthority,
    private readonly maxEntries = 10_000,
  ) {}

  /** A TLS server context for `host` (a DNS name or an IP address). */
  contextFor(host: string): Promise<SecureContext> {
    const key = host.toLowerCase();
    let context = this.contexts.get(key);
    if (!context) {
      if (this.contexts.size >= this.maxEntries) this.contexts.clear();
      context = this.mint(key);
      // A failed mint must not poison the cache for the next attempt.
      context.catch(() => this.contexts.delete(key));
      this.contexts.set(key, context);
    }
    return context;
  }

  private async mint(host: string): Promise<SecureContext> {
    const { keys, keyPem } = await this.keys();
    const { x509, subject, authorityKeyId } = await this.issuerInfo();
    const now = Date.now();
    const ip = isIP(host) !== 0;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomBytes(16)
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      subject: `CN=${ip ? 'ip' : host.slice(0, 64)}`,
      issuer: subject,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 397 * DAY_MS),
      signingAlgorithm: SIGNING_ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: this.ca.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: ip ? 'ip' : 'dns', value: host }]),
        authorityKeyId,
      ],
    });
    return createSecureContext({
      key: keyPem,
      cert: `${cert.toString('pem')}\n${this.ca.certPem}`,
    });
  }

  /** The CA as issuer, parsed once by the (lazily loaded) certificate library. */
  private issuerInfo(): Promise<Issuer> {
    this.issuer ??= (async () => {
      const { x509 } = await loadX509();
      const cert = new x509.X509Certificate(this.ca.certPem);
      const authorityKeyId = await x509.AuthorityKeyIdentifierExtension.create(cert);
      return { x509, subject: cert.subject, authorityKeyId };
    })();
    this.issuer.catch(() => (this.issuer = undefined));
    return this.issuer;
  }

  private keys(): Promise<{ keys: webcrypto.CryptoKeyPair; keyPem: string }> {
    this.leafKeys ??= (async () => {
      const { x509 } = await loadX509();
      const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
      const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
      return { keys, keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
    })();
    return this.leafKeys;
  }
}

interface Issuer {
  x509: typeof import('./x509.js').x509;
  subject: string;
  authorityKeyId: import('./x509.js').x509.AuthorityKeyIdentifierExtension;
}
