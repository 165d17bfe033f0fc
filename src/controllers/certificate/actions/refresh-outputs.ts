// Rebuilds the outputs derived from a valid certificate and key (ca.crt, keystore.p12, jwks.json)
// when one is missing, unwanted, or no longer what certwright wrote: one Secret write, no issuance.
import { splitPemBundle } from "../../../pki/inspect.ts";
import { outputsDrifted } from "../gather.ts";
import { buildOutputs, OutputError } from "../outputs.ts";
import { writeCertificateSecret } from "../secret-writer.ts";
import { emit, keystorePassword, rememberSecret, type ActContext } from "./context.ts";

/** Undefined when the outputs are fine again; else the OutputError that stops the refresh. */
export async function refreshOutputs(x: ActContext, serialNumber: string): Promise<OutputError | undefined> {
  const { data, record, secret, caPem } = x.world;
  if (!data) return undefined;
  try {
    const password = await keystorePassword(x);
    const ca = caSource(data, caPem, outputsDrifted(secret, record));
    const outputs = await buildOutputs({ spec: x.cert.spec, password }, { keyPem: data["tls.key"], certificatePem: data["tls.crt"]!, caPem: ca });
    const kept = Object.fromEntries(Object.entries(data).filter(([k]) => k.startsWith("tls.")));
    const rec = record ?? { serialNumber, revision: x.status.revision ?? 1 };
    x.guard();
    rememberSecret(x, await writeCertificateSecret(x.kube, x.cert, { ...kept, "ca.crt": ca.trim() + "\n", ...outputs }, secret, rec));
    emit(x, "Normal", "OutputsRepaired", "ca.crt, keystore or JWKS were missing or changed: rewritten from the certificate");
    return undefined;
  } catch (e) {
    if (e instanceof OutputError) return e;
    throw e;
  }
}

/** What ca.crt must hold: the authority's CA as it gives it now, else the top of the served chain. */
function caSource(data: Record<string, string>, caPem: string | undefined, drifted: boolean): string {
  if (caPem?.trim()) return caPem;
  // tls.crt parsed already (the certificate is up to date), so this cannot throw.
  const chain = splitPemBundle(data["tls.crt"] ?? "");
  if (chain.length > 1) return chain.at(-1)!;
  return data["ca.crt"]?.trim() && !drifted ? data["ca.crt"] : chain[0]!;
}
