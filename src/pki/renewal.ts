// When to renew a certificate.

/**
 * notAfter - renewBefore. When renewBefore is not shorter than the certificate's lifetime that
 * would be at or before notBefore (renewing forever), so instead renew at 2/3 of the lifetime,
 * which is cert-manager's rule for the same case.
 */
export function computeRenewalTime(notBefore: Date, notAfter: Date, renewBeforeMs: number): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  if (renewBeforeMs >= lifetime) return new Date(notBefore.getTime() + Math.floor((lifetime * 2) / 3));
  return new Date(notAfter.getTime() - renewBeforeMs);
}
