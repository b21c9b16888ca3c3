// TLS for the uWS SSLApp: checks the configured certificate and key up front, because uWebSockets.js
// only says "App construction failed" when either is missing, malformed or mismatched.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from '../config.js';

export interface TlsFiles {
  cert_file_name: string;
  key_file_name: string;
  passphrase?: string;
}

/** The SSLApp options for the configured certificate, or undefined without TLS. Throws ConfigError with the reason. */
export function tlsOptions(config: Pick<Config, 'tlsCert' | 'tlsKey' | 'tlsPassphrase'>): TlsFiles | undefined {
  const { tlsCert, tlsKey, tlsPassphrase } = config;
  if (!tlsCert && !tlsKey) return undefined;
  if (!tlsCert || !tlsKey) throw new ConfigError('PARLEY_TLS_CERT and PARLEY_TLS_KEY must be set together (certificate and its private key)');

  let cert: X509Certificate;
  try {
    cert = new X509Certificate(read(tlsCert, 'PARLEY_TLS_CERT'));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`PARLEY_TLS_CERT: ${tlsCert} does not hold a PEM certificate (${(err as Error).message})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: read(tlsKey, 'PARLEY_TLS_KEY'), passphrase: tlsPassphrase });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const hint = tlsPassphrase ? ' (or the passphrase is wrong)' : ' (an encrypted key needs PARLEY_TLS_PASSPHRASE)';
    throw new ConfigError(`PARLEY_TLS_KEY: ${tlsKey} does not hold a usable PEM private key${hint}: ${(err as Error).message}`);
  }
  if (!cert.checkPrivateKey(key)) {
    throw new ConfigError(`PARLEY_TLS_KEY: ${tlsKey} is not the private key of the certificate in ${tlsCert}`);
  }
  if (Date.parse(cert.validTo) < Date.now()) {
    throw new ConfigError(`PARLEY_TLS_CERT: the certificate in ${tlsCert} expired on ${cert.validTo}`);
  }
  return { cert_file_name: tlsCert, key_file_name: tlsKey, ...(tlsPassphrase ? { passphrase: tlsPassphrase } : {}) };
}

function read(path: string, option: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${option}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
