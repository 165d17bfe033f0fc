// Queue keys are "namespace/name", or just "name" for cluster-scoped objects (client-go's format).

export interface ObjectKey {
  namespace?: string;
  name: string;
}

export function splitKey(key: string): ObjectKey {
  const slash = key.indexOf("/");
  if (slash < 0) return { name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
