// The machine's key-generation limit, measured in the same run: as many RSA keys at once as the
// libuv thread pool runs (Node's async generateKeyPair), for a fixed number of keys.
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { generatePrivateKey, type KeySpec } from "../../src/pki/keys.ts";

export async function keysPerSecond(spec: KeySpec, count: number): Promise<number> {
  const parallel = Math.max(1, Math.min(availableParallelism(), Number(process.env.UV_THREADPOOL_SIZE ?? 4)));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < count) await generatePrivateKey(spec);
    }),
  );
  return count / ((performance.now() - t0) / 1000);
}

/** Single-threaded cost per key, for the table in the README. */
export async function msPerKey(spec: KeySpec, count: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await generatePrivateKey(spec);
  return (performance.now() - t0) / count;
}
