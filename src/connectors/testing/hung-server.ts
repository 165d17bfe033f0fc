// A loopback TCP server that accepts connections and never answers: a hung CA.
import { createServer, type AddressInfo, type Socket } from "node:net";

export interface HungServer {
  url: string;
  /** Resolves when the first connection is accepted. */
  accepted: Promise<void>;
  close(): Promise<void>;
}

export async function startHungServer(): Promise<HungServer> {
  const sockets = new Set<Socket>();
  let onAccept!: () => void;
  const accepted = new Promise<void>((resolve) => (onAccept = resolve));
  const server = createServer((s) => {
    sockets.add(s);
    onAccept();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
