// Self-signed certificates made at test time with openssl (never committed): for localhost and
// 127.0.0.1, optionally with an encrypted key. openssl missing: a failure under CI, a loud skip elsewhere.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export interface TestCert {
  dir: string;
  certFile: string;
  keyFile: string;
  /** The certificate PEM, to trust as a CA in clients. */
  ca: Buffer;
}

export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) throw new Error('openssl is required in CI to make test certificates (apt-get install -y openssl)');
    console.warn(`\n${'!'.repeat(78)}\n!! openssl not found: the TLS suites are SKIPPED.\n${'!'.repeat(78)}\n`);
    return false;
  }
}

/** A fresh self-signed certificate and key in a temp dir; `passphrase` encrypts the key. */
export function selfSignedCert(passphrase?: string): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-sha256', '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', keyFile, '-out', certFile,
      ...(passphrase ? ['-passout', `pass:${passphrase}`] : ['-noenc']),
    ],
    { stdio: 'pipe' },
  );
  return { dir, certFile, keyFile, ca: readFileSync(certFile) };
}

/** A GET over HTTPS trusting `ca` (no redirects followed): status and body. */
export function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

/** A `ws` WebSocket class that trusts `ca`, in the one-argument form the SDK constructs. */
export function trustingWebSocket(ca: Buffer): new (url: string) => WebSocket {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { ca });
    }
  };
}
