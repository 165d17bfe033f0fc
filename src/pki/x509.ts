// The one entry point to @peculiar/x509: its decorators need reflect-metadata loaded first,
// and it must be told which WebCrypto to use. Import x509 only through this module.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto);

export { x509 };
