// Test certificates for the HTTPS simulators, made with the `openssl` CLI (Node cannot issue
// X.509 certificates): a private CA, a leaf it signs for 127.0.0.1/localhost, a leaf it signs
// for another name (wrong host), and a self-signed leaf for 127.0.0.1 (untrusted). EC P-256,
// made once per process in a temp dir that is removed straight away.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { fingerprintOf } from '../../transports/https.ts';

export interface SimCert {
  key: string;
  cert: string;
  /** "sha256/AA:BB:…" of the certificate's DER. */
  fingerprint: string;
}

export interface SimCerts {
  /** PEM of the private CA that signs `good` and `wrongName`. */
  ca: string;
  good: SimCert;
  wrongName: SimCert;
  selfSigned: SimCert;
}

export type SimCertKind = 'good' | 'wrong-name' | 'self-signed';

let cached: SimCerts | undefined;

export function simCerts(): SimCerts {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'netkeep-rest-certs-'));
  try {
    const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=netkeep test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    const leaf = (name: string, san: string) => {
      ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
      ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
    };
    leaf('good', 'IP:127.0.0.1,DNS:localhost');
    leaf('wrong', 'DNS:wrong.example');
    ossl('req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.crt', '-days', '3650', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1');
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    const cert = (base: string): SimCert => {
      const pem = read(`${base}.crt`);
      return { key: read(`${base}.key`), cert: pem, fingerprint: fingerprintOf(new X509Certificate(pem).raw) };
    };
    cached = { ca: read('ca.crt'), good: cert('good'), wrongName: cert('wrong'), selfSigned: cert('self') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function simCert(kind: SimCertKind): SimCert {
  const c = simCerts();
  return kind === 'wrong-name' ? c.wrongName : kind === 'self-signed' ? c.selfSigned : c.good;
}
