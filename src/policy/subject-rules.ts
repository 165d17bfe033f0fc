// Which subject (DN) attributes a certificate may, and must, carry.
import { subjectAttributes, type Subject, type SubjectAttribute } from "../api/x509.ts";
import { allowedList, type PolicyRule } from "./types.ts";

function present(subject: Subject | undefined, attr: SubjectAttribute): boolean {
  const v = subject?.[attr];
  return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== "";
}

export const allowedSubjectAttributes: PolicyRule = (profile, req) => {
  const allowed = profile.policy?.allowedSubjectAttributes;
  if (allowed === undefined) return undefined;
  const extra = subjectAttributes.find((a) => present(req.subject, a) && !allowed.includes(a));
  if (extra === undefined) return undefined;
  return {
    rule: "SubjectAttributeNotAllowed",
    message: `subject attribute "${extra}" is not allowed ${allowedList(allowed)}`,
  };
};

export const requiredSubjectAttributes: PolicyRule = (profile, req) => {
  const missing = profile.policy?.requiredSubjectAttributes?.find((a) => !present(req.subject, a));
  if (missing === undefined) return undefined;
  return { rule: "SubjectAttributeMissing", message: `subject attribute "${missing}" is required but missing` };
};
