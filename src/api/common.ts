// Small schemas shared by the kinds: object names, Secret references, SAN string shapes.
import { z } from "zod";

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
export type SecretKeySelector = z.infer<typeof secretKeySelector>;

export const stringMap = z.record(z.string(), z.string());

/** DNS name in a certificate, optionally a leading "*." wildcard. */
export const dnsName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(\*\.)?[A-Za-z0-9_]([-A-Za-z0-9_]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([-A-Za-z0-9_]*[A-Za-z0-9_])?)*$/, {
    message: "must be a DNS name, optionally starting with '*.'",
  });

export const uri = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/, { message: "must be an absolute URI" });

export const emailAddress = z
  .string()
  .min(3)
  .max(253)
  .regex(/^[^@\s]+@[^@\s]+$/, { message: "must be an email address" });

export const httpUrl = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^https?:\/\/[^\s]+$/, { message: "must be an http or https URL" });
