// Small schemas shared by the kinds: object names, Secret references, SAN string shapes.
import { z } from "zod";
import { DNS_NAME_PATTERN, EMAIL_PATTERN, URI_PATTERN } from "../pki/name-syntax.ts";

export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Name of a Kubernetes object (DNS-1123 subdomain). */
export const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(DNS1123_SUBDOMAIN, { message: "must be a lowercase DNS-1123 subdomain" });

/** Key inside a Secret's data. */
export const secretKey = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[-._a-zA-Z0-9]+$/, { message: "must consist of alphanumerics, '-', '_' or '.'" });

export const secretKeySelector = z.object({
  name: objectName.describe("Name of a Secret in the same namespace."),
  key: secretKey.describe("Key in the Secret's data."),
});

export const stringMap = z.record(z.string(), z.string());

/** DNS name in a certificate, optionally a leading "*." wildcard. ASCII only: write an IDN as its A-label. */
export const dnsName = z.string().min(1).max(253).regex(DNS_NAME_PATTERN, {
  message: "must be an ASCII DNS name (labels of letters, digits, '-', '_', at most 63 long), optionally starting with '*.'; write an IDN as its A-label (xn--...)",
});

/** A URI SAN is an IA5String: ASCII only, other characters percent-encoded. */
export const uri = z.string().min(1).max(2048).regex(URI_PATTERN, {
  message: "must be an absolute URI of ASCII characters (RFC 3986; percent-encode anything else)",
});

/** An rfc822Name is an IA5String: an ASCII mailbox (no SmtpUTF8Mailbox). */
export const emailAddress = z.string().min(3).max(253).regex(EMAIL_PATTERN, {
  message: "must be an email address of ASCII characters (local-part@domain; write an IDN domain as its A-label)",
});

export const httpUrl = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^https?:\/\/[^\s]+$/, { message: "must be an http or https URL" });
