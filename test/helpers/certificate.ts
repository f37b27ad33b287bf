import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openssl, pathOf } from './external-programs.js';

const run = promisify(execFile);

export interface Certificate {
  key: Buffer;
  cert: Buffer;
}

async function makeCertificate(): Promise<Certificate> {
  const dir = await mkdtemp(join(tmpdir(), 'upsocket-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    await run(pathOf(openssl), [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ]);
    return { key: await readFile(key), cert: await readFile(cert) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let made: Promise<Certificate> | undefined;

/**
 * A self-signed certificate for 127.0.0.1, valid for a day, made by openssl once per test file
 * (suites that need it run under `describeNeeding(..., { needs: [openssl] })`).
 */
export function selfSignedCertificate(): Promise<Certificate> {
  return (made ??= makeCertificate());
}
