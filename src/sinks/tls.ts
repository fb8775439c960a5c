/**
 * The extra CA certificates of NODE_EXTRA_CA_CERTS, loaded when dqc first makes an HTTPS request.
 *
 * Node 20 loads that file at start-up, before any code runs, and with it all of its own
 * root certificates: 40-70 ms on every run on the machines measured, also on the runs that
 * never open a TLS connection (nodejs/node issue 40524). So bin/dqc hands the variable
 * over as DQC_EXTRA_CA_CERTS, and the certificates are added here, once, to a TLS context
 * that trusts what Node trusts by default plus the file: what NODE_EXTRA_CA_CERTS gives.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

export interface ExtraCa {
  /** For https.request and https.Agent; undefined: Node's defaults (nothing was handed over, or it failed to load). */
  secureContext?: tls.SecureContext;
  /** The certificates, for a `ca` list where a context cannot be used. */
  pem?: string;
  /** Why the file was not used, for a warning. */
  warning?: string;
}

let loaded: ExtraCa | undefined;

/**
 * The TLS context with the handed-over certificates, made on the first call. A file that
 * cannot be used is warned about once and left out, as Node does at start-up.
 */
export function extraCa(): ExtraCa {
  if (loaded === undefined) {
    loaded = loadExtraCa(process.env.DQC_EXTRA_CA_CERTS);
    if (loaded.warning) process.stderr.write(`dqc: warning: ${loaded.warning}\n`);
  }
  return loaded;
}

/**
 * `file` added to Node's default trust store. Node's own way adds to whichever store the
 * build trusts by default (its bundled roots or the system's); where the context does not
 * offer it, the bundled roots are used, which are Node's default unless built otherwise.
 */
export function loadExtraCa(file: string | undefined, useDefaultStore = true): ExtraCa {
  if (file === undefined || file === '') return {};
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    return { warning: ignored(file, (err as NodeJS.ErrnoException).code ?? (err as Error).message) };
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return { warning: ignored(file, 'no PEM certificate in it') };
  try {
    const context = tls.createSecureContext();
    const native = (context as unknown as { context?: { addCACert?: (pem: string) => void } }).context;
    if (useDefaultStore && typeof native?.addCACert === 'function') {
      native.addCACert(pem);
      return { secureContext: context, pem };
    }
    return { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, pem] }), pem };
  } catch (err) {
    return { warning: ignored(file, (err as Error).message) };
  }
}

function ignored(file: string, reason: string): string {
  return `ignoring the extra CA certificates of NODE_EXTRA_CA_CERTS (${file}): ${reason}`;
}
