// The DER of the CSR a connector sends on, within the CSR caps; a CSR it cannot read is a
// ConnectorError that retrying will not fix.
import { csrDer, CsrError } from "../../pki/csr.ts";
import { ConnectorError } from "../connector.ts";

export function csrToDer(csrPem: string): Buffer {
  try {
    return csrDer(csrPem);
  } catch (e) {
    throw new ConnectorError("InvalidCSR", e instanceof CsrError ? e.message : "the CSR cannot be read", false);
  }
}
