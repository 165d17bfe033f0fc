// Whether a certificate bundle (leaf first, then intermediates) leads to one of a set of CA
// certificates: the leaf signed by one of them directly, or through intermediates in the bundle,
// each signed by the next. An authority whose leaves come from an intermediate it may rotate
// (step-ca) names its roots; a leaf of any of its intermediates is still one of its certificates.
import { splitPemBundle, verifyIssuedBy } from "./inspect.ts";

export async function chainsTo(bundle: readonly string[], caBundlePem: string): Promise<boolean> {
  const cas = safeSplit(caBundlePem);
  const [leaf, ...rest] = bundle;
  if (!leaf || !cas.length) return false;
  const unused = [...rest];
  let current = leaf;
  // Each hop uses up an intermediate, so a loop in the bundle ends after rest.length hops.
  for (let hop = 0; hop <= rest.length; hop++) {
    for (const ca of cas) if (await verifyIssuedBy(current, ca)) return true;
    const i = await indexOfIssuer(current, unused);
    if (i < 0) return false;
    current = unused.splice(i, 1)[0]!;
  }
  return false;
}

async function indexOfIssuer(cert: string, candidates: readonly string[]): Promise<number> {
  for (let i = 0; i < candidates.length; i++) if (await verifyIssuedBy(cert, candidates[i]!)) return i;
  return -1;
}

function safeSplit(pem: string): string[] {
  try {
    return splitPemBundle(pem);
  } catch {
    return [];
  }
}
