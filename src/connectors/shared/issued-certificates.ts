// Certificates a connector issued in this process, by serial. Authorities that revoke by
// certificate rather than serial (ACME, CZERTAINLY) fall back to this when the caller hands
// over only a serial.
import { inspectCertificate } from "../../pki/inspect.ts";
import { CERTIFICATE_BUNDLE_LIMITS, pemDecode } from "../../pki/pem.ts";
import { normalizeSerial } from "../../pki/serial.ts";
import { ConnectorError, type RevokeRequest } from "../connector.ts";

/** How many certificates are remembered; the oldest goes first. */
const REMEMBERED = 10_000;

export class IssuedCertificates {
  private readonly bySerial = new Map<string, Buffer>();

  remember(certificatePem: string): void {
    let serial: string;
    try {
      serial = normalizeSerial(inspectCertificate(certificatePem).serialNumber);
    } catch (e) {
      throw new ConnectorError("InvalidResponse", `the authority returned an unreadable certificate: ${(e as Error).message}`, true);
    }
    if (this.bySerial.size >= REMEMBERED) this.bySerial.delete(this.bySerial.keys().next().value!);
    this.bySerial.set(serial, pemDecode(certificatePem, ["CERTIFICATE"]).der);
  }

  /** DER of the certificate to revoke: the one handed over, else the one remembered for the serial. */
  derFor(req: RevokeRequest, authority: string): Buffer {
    const der = req.certificatePem ? derOf(req.certificatePem) : this.bySerial.get(normalizeSerial(req.serialNumber));
    if (!der) {
      throw new ConnectorError(
        "CertificateUnknown",
        `${authority} revokes by certificate: serial ${req.serialNumber} came without one and was not issued by this process`,
        false,
      );
    }
    return der;
  }
}

function derOf(certificatePem: string): Buffer {
  try {
    return pemDecode(certificatePem, ["CERTIFICATE"], CERTIFICATE_BUNDLE_LIMITS).der;
  } catch (e) {
    throw new ConnectorError("InvalidCertificate", `the certificate to revoke cannot be read: ${(e as Error).message}`, false);
  }
}
